"""Audit log for managers: who did what, when, with the before and after of each change."""

from __future__ import annotations

import json
from datetime import date

import streamlit as st

from c360 import audit_query
from c360.db import transaction
from c360.errors import C360Error
from c360.permissions import Permission
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.VIEW_AUDIT)
PAGE_SIZE = 50
ANY = "any"

st.title("Audit log")
st.caption("Every write and export, newest first. The log cannot be edited or deleted.")

with transaction(engine()) as session:
    actions = audit_query.audit_actions(actor, session)
    staff = audit_query.audit_actors(actor, session)

staff_ids = {email: staff_id for staff_id, email in staff}
cols = st.columns(4)
who = cols[0].selectbox("Staff member", [ANY, *staff_ids])
action = cols[1].selectbox("Action", [ANY, *actions])
customer_id = cols[2].number_input("Customer id (0 = any)", min_value=0, step=1, value=0)
days = cols[3].date_input("Date range (UTC)", value=(), max_value=date.today())

since = until = None
if isinstance(days, tuple) and len(days) >= 1:
    since = days[0]
    until = days[1] if len(days) == 2 else days[0]

audit_filter = audit_query.AuditFilter(
    actor_id=staff_ids.get(who),
    action=None if action == ANY else action,
    customer_id=int(customer_id) or None,
    since=since,
    until=until,
)
page_no = st.session_state.get("audit_page", 1)
try:
    with transaction(engine()) as session:
        page = audit_query.audit_log(
            actor, session, audit_filter, page=page_no, page_size=PAGE_SIZE
        )
        if page_no > page.page_count:
            page = audit_query.audit_log(actor, session, audit_filter, page=1, page_size=PAGE_SIZE)
except C360Error as exc:
    st.error(str(exc))
    st.stop()

st.write(f"{page.total} matching entries — page {page.page} of {page.page_count}")
st.dataframe(
    [
        {
            "when (UTC)": e.occurred_at,
            "who": e.actor,
            "action": e.action,
            "customer": f"#{e.customer_id} {e.customer or ''}" if e.customer_id else "",
            "summary": e.summary,
            "before": json.dumps(e.before, default=str) if e.before is not None else "",
            "after": json.dumps(e.after, default=str) if e.after is not None else "",
        }
        for e in page.entries
    ],
    hide_index=True,
    width="stretch",
)
st.number_input(
    "Page", min_value=1, max_value=page.page_count, value=page.page, step=1, key="audit_page"
)
