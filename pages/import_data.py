"""Admin: import a CSV file — check it (dry run), read every bad row, then load it."""

from __future__ import annotations

import streamlit as st

from c360.errors import C360Error
from c360.ingest import KINDS, ImportReport, import_upload, parse_mapping
from c360.permissions import Permission
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.IMPORT_DATA)

st.title("Import data")
st.caption(
    "Every row is checked first. A file with any bad row writes nothing; a clean file loads in "
    "one go, and loading the same file again changes nothing."
)

kind_name = st.selectbox("Kind of file", list(KINDS), key="import_kind")
kind = KINDS[kind_name]
with st.expander(f"Columns of {kind.name} ({kind.description})"):
    st.dataframe(
        [
            {"column": c.name, "required": "yes" if c.required else "", "meaning": c.help}
            for c in kind.columns
        ],
        hide_index=True,
        width="stretch",
    )

upload = st.file_uploader("CSV file (UTF-8 with a header row)", type=["csv", "txt"])
mapping_text = st.text_area(
    "Column mapping (optional, one per line: column in your file = column above)",
    placeholder="Order No=order_number\namount=total",
)
create_missing = st.checkbox(
    "Create customers that rows refer to but that do not exist yet",
    disabled=not kind.refers_to_customers,
)
check_col, load_col = st.columns(2)
check = check_col.button("Check (dry run)", disabled=upload is None, width="stretch")
load = load_col.button("Load", type="primary", disabled=upload is None, width="stretch")


def _show(report: ImportReport) -> None:
    """The outcome, then every bad row with its line number."""
    if report.written:
        st.success(report.summary())
    elif report.ok:
        st.info(report.summary())
    else:
        st.error(f"{report.bad_rows} bad rows: nothing was written. Fix them and check again.")
        st.caption(report.summary())
        st.dataframe(
            [{"line": p.line, "problem": p.reason} for p in report.problems],
            hide_index=True,
            width="stretch",
        )
    if report.ignored_columns:
        st.warning("Ignored columns (not part of this kind): " + ", ".join(report.ignored_columns))


if upload is not None and (check or load):
    try:
        mapping = parse_mapping([line for line in mapping_text.splitlines() if line.strip()])
        with st.spinner("Checking every row…" if check else "Loading…"):
            outcome = import_upload(
                actor,
                engine(),
                kind.name,
                upload.name,
                upload.getvalue(),
                dry_run=check,
                mapping=mapping,
                create_missing_customers=create_missing and kind.refers_to_customers,
            )
    except C360Error as exc:
        st.error(str(exc))
    else:
        _show(outcome)
