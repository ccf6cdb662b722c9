"""The signed-in staff member of this browser session, the sign-in gate, and page-level gates.

Contract used by every page: ``st.session_state["actor"]`` holds the signed-in ``Actor``
(set by the sign-in flow); tests may set it directly. A session signed in through the form
or single sign-on also carries ``st.session_state["signed_in_until"]``: past that time the
session ends; on every run the account is re-read, so a disabled account or a new role takes
effect at once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import streamlit as st

from c360 import auth
from c360.db import transaction
from c360.errors import C360Error, DatabaseUnavailable
from c360.permissions import Actor, Permission
from c360.ui.db import engine

ACTOR_KEY = "actor"
APP_RAN_KEY = "c360_app_ran"
DEEP_LINK_KEY = "c360_deep_link"
EXPIRES_KEY = "signed_in_until"
NOTICE_KEY = "sign_in_notice"
_PAGE_PERMISSION = re.compile(r"require_actor\(\s*Permission\.([A-Z_]+)")


def current_actor() -> Actor | None:
    """The signed-in staff member, or None."""
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def require_actor(permission: Permission | None = None) -> Actor:
    """Stop the page unless someone is signed in (and holds ``permission``)."""
    actor = current_actor()
    if actor is None:
        if not st.session_state.get(APP_RAN_KEY):
            _enter_through_the_app(Path(sys._getframe(1).f_globals.get("__file__", "")).name)
        st.warning("Please sign in to see customer data.")
        st.stop()
    if permission is not None and not actor.can(permission):
        role = actor.role.value.replace("_", " ")
        st.error(f"Access denied: your role ({role}) cannot open this page.")
        st.stop()
    return actor


def mark_app_ran() -> None:
    """Called by app.py on every run: its navigation and sign-in gate are in place."""
    st.session_state[APP_RAN_KEY] = True


def _enter_through_the_app(page_file: str) -> None:
    """Run app.py (navigation, sign-in) and come back to ``page_file`` once signed in.

    Until app.py has run once in the server process, Streamlit resolves /portfolio and the
    like against the pages/ folder and runs that file alone, without app.py's navigation and
    sign-in form: the first visitor after a restart would see a bare warning.
    """
    st.session_state[DEEP_LINK_KEY] = (page_file, st.query_params.to_dict())
    st.switch_page("app.py", query_params=st.query_params.to_dict())


def pop_deep_link() -> tuple[str, dict[str, str]] | None:
    """The page file (and its query) asked for before app.py had run, if any; asked once."""
    pending = st.session_state.pop(DEEP_LINK_KEY, None)
    return pending if isinstance(pending, tuple) else None


def signed_in_actor() -> Actor | None:
    """The actor of this browser session after expiry and account checks (None: sign in)."""
    actor = current_actor()
    if actor is None:
        _adopt_single_sign_on()
        return current_actor()
    expires_at = st.session_state.get(EXPIRES_KEY)
    if expires_at is None:
        return actor  # placed directly by a test harness; the sign-in flow always sets expiry
    if auth.is_expired(expires_at):
        _end_session(f"Your session expired at {expires_at:%H:%M} UTC. Please sign in again.")
        if sso_configured() and _sso_user_email():
            st.logout()  # else the identity cookie would sign the session straight back in
        return None
    try:
        with transaction(engine()) as session:
            fresh = auth.active_actor(session, actor.id)
    except DatabaseUnavailable:
        return actor  # keep the session; the page will show the database message
    if fresh is None:
        _end_session("This staff account has been disabled. Ask an admin to enable it.")
        return None
    if fresh != actor:
        st.session_state[ACTOR_KEY] = fresh
    return fresh


def sign_in_page() -> None:
    """The sign-in form (and single sign-on button when configured); nothing else is shown."""
    st.title("Customer 360")
    st.subheader("Sign in")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice)
    with st.form("sign_in", clear_on_submit=False):
        email = st.text_input("E-mail", key="sign_in_email", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            signed = auth.attempt_sign_in(engine(), email, password)
        except C360Error as exc:  # wrong password, locked, disabled, database unavailable
            st.error(str(exc))
        else:
            _start_session(signed)
            st.rerun()
    if sso_configured():
        st.divider()
        st.button("Sign in with single sign-on", on_click=st.login)
    _list_demo_accounts()


def sign_out() -> None:
    """End this browser session (and the identity provider's, when signed in through it)."""
    _end_session("You have signed out.")
    if sso_configured() and _sso_user_email():
        st.logout()


def account_sidebar(actor: Actor) -> None:
    """Who is signed in, until when, and a sign-out button."""
    with st.sidebar:
        st.caption(f"Signed in as **{actor.name}** ({actor.role.value.replace('_', ' ')})")
        expires_at = st.session_state.get(EXPIRES_KEY)
        if isinstance(expires_at, datetime):
            st.caption(f"Session ends at {expires_at:%H:%M} UTC")
        if st.button("Sign out", key="sign_out"):
            sign_out()
            st.rerun()


def hide_forbidden_pages(pages: Sequence[object], actor: Actor | None) -> None:
    """Hide from the menu every page whose ``require_actor(Permission.X)`` the actor lacks.

    The page stays routable: reached by URL it shows its own "access denied".
    """
    for page in pages:
        permission = page_permission(page)
        hidden = actor is None or (permission is not None and not actor.can(permission))
        # StreamlitPage has no public setter for the visibility it was built with.
        page._visibility = "hidden" if hidden else "visible"  # type: ignore[attr-defined]


def page_permission(page: object) -> Permission | None:
    """The permission a page file asks for in its ``require_actor(...)`` call, if any."""
    source = getattr(page, "_page", None)
    if not isinstance(source, str | Path):
        return None
    return _permission_in_file(str(source))


@lru_cache(maxsize=64)
def _permission_in_file(path: str) -> Permission | None:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    found = _PAGE_PERMISSION.search(text)
    if found is None or found.group(1) not in Permission.__members__:
        return None
    return Permission[found.group(1)]


def sso_configured() -> bool:
    """True when secrets hold an ``[auth]`` section, so ``st.login`` (OIDC) can be offered."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_user_email() -> str | None:
    try:
        if st.user.is_logged_in:
            return st.user.get("email")
    except Exception:  # st.user raises when [auth] is not configured
        return None
    return None


def _adopt_single_sign_on() -> None:
    if not sso_configured():
        return
    email = _sso_user_email()
    if not email:
        return
    try:
        signed = auth.attempt_sso_sign_in(engine(), email)
    except C360Error as exc:
        st.session_state[NOTICE_KEY] = str(exc)
        return
    _start_session(signed)


def _start_session(signed: auth.SignedIn) -> None:
    st.session_state[ACTOR_KEY] = signed.actor
    st.session_state[EXPIRES_KEY] = signed.expires_at
    st.session_state.pop("sign_in_password", None)


def _end_session(notice: str) -> None:
    for key in (ACTOR_KEY, EXPIRES_KEY, "sign_in_password"):
        st.session_state.pop(key, None)
    st.session_state[NOTICE_KEY] = notice


def _list_demo_accounts() -> None:
    try:
        with transaction(engine()) as session:
            accounts = auth.demo_accounts(session)
    except C360Error:
        return
    if not accounts:
        return
    with st.expander("Demo accounts (this database holds demo data)", expanded=True):
        st.markdown(
            "\n".join(f"- `{email}` — {role.value.replace('_', ' ')}" for email, role in accounts)
            + f"\n\nPassword for each: `{auth.DEMO_PASSWORD}`"
        )
