"""Export buttons on the profile: a PDF report built with visible progress, and a CSV."""

from __future__ import annotations

import time

import streamlit as st
from sqlalchemy import Engine

from c360.errors import C360Error
from c360.export.csv import export_csv
from c360.export.pdf import export_pdf
from c360.permissions import Actor, Permission

PDF_KEY = "c360_pdf_export"


def export_buttons(engine: Engine, actor: Actor, customer_id: int) -> None:
    """ "Build PDF report" then "Download PDF"; "Download CSV" builds on click (one audit each)."""
    if not actor.can(Permission.EXPORT):
        return
    build, pdf_download, csv_download = st.columns(3)
    if build.button("📄 Build PDF report", key=f"pdf_build_{customer_id}", width="stretch"):
        _build_pdf(engine, actor, customer_id)
    built = st.session_state.get(PDF_KEY)
    if built and built[0] == customer_id:
        report = built[1]
        pdf_download.download_button(
            "⬇️ Download PDF",
            report.content,
            file_name=report.filename,
            mime=report.mime,
            on_click="ignore",
            key=f"pdf_download_{customer_id}",
            width="stretch",
        )
        st.caption(f"PDF built {report.exported_at:%H:%M:%S} UTC in {built[2]:.1f} s.")
    csv_download.download_button(
        "⬇️ Download CSV",
        # Built when clicked (in a worker thread), so each download is one audited export.
        data=lambda: export_csv(actor, engine, customer_id).content,
        file_name=f"customer-{customer_id}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"csv_download_{customer_id}",
        width="stretch",
    )


def _build_pdf(engine: Engine, actor: Actor, customer_id: int) -> None:
    started = time.perf_counter()
    with st.status("Building the PDF report…", expanded=True) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        try:
            report = export_pdf(actor, engine, customer_id, progress)
        except C360Error as exc:
            status.update(label=str(exc), state="error")
            return
        seconds = time.perf_counter() - started
        status.update(label=f"PDF report ready ({seconds:.1f} s)", state="complete", expanded=False)
    st.session_state[PDF_KEY] = (customer_id, report, seconds)
