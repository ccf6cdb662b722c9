"""Admin: staff accounts — create, disable/enable, change role, reset password."""

from __future__ import annotations

import streamlit as st

from c360 import staff
from c360.db import transaction
from c360.errors import C360Error
from c360.models import StaffRole
from c360.permissions import Permission
from c360.ui.auth import require_actor
from c360.ui.db import engine

actor = require_actor(Permission.MANAGE_STAFF)
ROLES = [role.value for role in StaffRole]


def _run(label: str, call) -> None:  # type: ignore[no-untyped-def]
    """Run one staff write in its own transaction and report the outcome."""
    try:
        with transaction(engine()) as session:
            account = call(session)
    except C360Error as exc:
        st.error(str(exc))
    else:
        st.session_state["staff_notice"] = f"{label}: {account.email}"
        st.rerun()


st.title("Staff accounts")
notice = st.session_state.pop("staff_notice", None)
if notice:
    st.success(notice)

with transaction(engine()) as session:
    accounts = staff.list_staff(actor, session)

st.dataframe(
    [
        {
            "e-mail": a.email,
            "name": a.name,
            "role": a.role.value.replace("_", " "),
            "active": a.is_active,
            "locked until (UTC)": a.locked_until,
            "last sign-in (UTC)": a.last_login_at,
        }
        for a in accounts
    ],
    hide_index=True,
    width="stretch",
)

with (
    st.expander("Create a staff account", expanded=not accounts),
    st.form("create_staff", clear_on_submit=True),
):
    email = st.text_input("E-mail")
    name = st.text_input("Name")
    role = st.selectbox("Role", ROLES, index=ROLES.index(StaffRole.ANALYST.value))
    password = st.text_input(
        f"Password (at least {staff.MIN_PASSWORD_LENGTH} characters)", type="password"
    )
    if st.form_submit_button("Create account", type="primary"):
        _run(
            "Created",
            lambda s: staff.create_staff(
                actor, s, email=email, name=name, role=StaffRole(role), password=password
            ),
        )

if accounts:
    st.subheader("Change an account")
    by_label = {f"{a.email} ({a.role.value.replace('_', ' ')})": a for a in accounts}
    chosen = by_label[st.selectbox("Account", list(by_label))]
    role_col, active_col = st.columns(2)
    with role_col:
        new_role = st.selectbox(
            "Role", ROLES, index=ROLES.index(chosen.role.value), key="change_role"
        )
        if st.button("Change role", disabled=new_role == chosen.role.value):
            _run(
                "Role changed",
                lambda s: staff.change_role(actor, s, chosen.id, StaffRole(new_role)),
            )
    with active_col:
        label = "Disable account" if chosen.is_active else "Enable account"
        if st.button(label):
            _run(
                "Disabled" if chosen.is_active else "Enabled",
                lambda s: staff.set_staff_active(actor, s, chosen.id, not chosen.is_active),
            )
    with st.form("reset_password", clear_on_submit=True):
        new_password = st.text_input("New password", type="password")
        if st.form_submit_button("Reset password (also lifts a lock-out)"):
            _run(
                "Password reset",
                lambda s: staff.reset_password(actor, s, chosen.id, new_password),
            )
