"""At risk (B2): customers ranked by expected loss = value at stake × churn probability."""

import pandas as pd
import streamlit as st

from c360.errors import C360Error
from c360.models import StaffRole
from c360.permissions import Permission
from c360.ui import scores
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.VIEW_CUSTOMERS)
db = engine()
st.title("At risk")
st.caption(
    "Expected loss = spend in the last 12 months × chance of no purchase in the next 90 days. "
    "Updated by each scoring run."
)

managers = scores.account_managers(db)
choices: list[str | int] = ["mine", "all", *[staff_id for staff_id, _ in managers]]
names = {"mine": "My customers", "all": "All customers", **dict(managers)}
default = 0 if actor.role is StaffRole.ACCOUNT_MANAGER else 1
scope = st.selectbox("Customers", choices, index=default, format_func=lambda c: names[c])
page_size = 50
page = st.number_input("Page", min_value=1, value=1, step=1)
try:
    result = scores.at_risk(actor, db, scope, page_size, (int(page) - 1) * page_size)
except C360Error as exc:
    st.error(str(exc))
    st.stop()

cols = st.columns(2)
cols[0].metric("Customers at medium or high risk", f"{result.total:,}")
cols[1].metric("Total expected loss", f"${result.total_expected_loss:,.2f}")
if not result.entries:
    st.info("Nobody at risk here (or no scoring run yet).")
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {
                "customer": f"customer?id={e.customer_id}",
                "name": e.name,
                "risk": e.churn_level.value,
                "churn probability": e.churn_probability,
                "value at stake": float(e.value_at_stake),
                "expected loss": float(e.expected_loss),
                "overdue": "⏰" if e.overdue_reorder else "",
                "reason": e.reason,
                "account manager": e.account_manager or "—",
            }
            for e in result.entries
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "customer": st.column_config.LinkColumn("open", display_text="open"),
        "churn probability": st.column_config.NumberColumn(format="percent"),
        "value at stake": st.column_config.NumberColumn(format="dollar"),
        "expected loss": st.column_config.NumberColumn(format="dollar"),
    },
)
st.caption(f"Page {int(page)} of {max(1, -(-result.total // page_size))}")
