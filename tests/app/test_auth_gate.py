"""The sign-in gate in app.py: nothing before sign-in, lock-out and expiry on screen, denial."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from c360 import auth
from c360.db import make_engine, transaction
from c360.migrate import upgrade
from c360.models import AppSetting, StaffRole, StaffUser, utcnow
from c360.passwords import hash_password
from c360.permissions import Actor
from tests import factories
from tests.app import with_absolute_pages

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "app-test-password"
NewSession = Callable[[], AppTest]


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated SQLite database the app under test reads, with one account per role."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        for role in StaffRole:
            s.add(
                StaffUser(
                    email=f"{role.value}@corp.example",
                    name=role.value.title(),
                    role=role,
                    password_hash=hash_password(PASSWORD),
                )
            )
    yield engine
    engine.dispose()


@pytest.fixture
def app_script(tmp_path: Path) -> Path:
    """app.py, copied away from the project's pages/ folder, its page paths made absolute.

    Next to a pages/ folder AppTest treats the files there as old-style pages and, from the
    second run on, runs the last page directly instead of app.py, which skips the gate.
    """
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    copy = tmp_path / "app.py"
    copy.write_text(with_absolute_pages(text), encoding="utf-8")
    return copy


@pytest.fixture
def app(app_db: Engine, app_script: Path) -> NewSession:
    """A fresh AppTest of the entry script (a new browser session)."""
    return lambda: AppTest.from_file(str(app_script), default_timeout=30)


def _sign_in(at: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="FormSubmitter:sign_in-Sign in").click().run()


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += (
        [i.value for i in at.info] + [w.value for w in at.warning] + [t.value for t in at.title]
    )
    return "\n".join(str(p) for p in parts)


def test_an_unsigned_visit_shows_only_the_sign_in_form(app_db: Engine, app: NewSession) -> None:
    with transaction(app_db) as s:
        factories.customer(s, name="Secret Customer", email="secret@example.com")
    at = app().run()
    assert not at.exception
    assert at.text_input(key="sign_in_password")
    assert "Secret Customer" not in _texts(at)
    assert "actor" not in at.session_state


def test_the_right_password_signs_in_and_the_sidebar_offers_sign_out(
    app_db: Engine, app: NewSession
) -> None:
    at = _sign_in(app().run(), "manager@corp.example")
    assert not at.exception
    actor = at.session_state["actor"]
    assert isinstance(actor, Actor) and actor.role == StaffRole.MANAGER
    assert any(b.label == "Sign out" for b in at.sidebar.button)
    at = at.sidebar.button(key="sign_out").click().run()
    assert "actor" not in at.session_state
    assert at.text_input(key="sign_in_password")


def test_a_wrong_password_shows_an_error_and_the_lock_out_says_until_when(
    app_db: Engine, app: NewSession
) -> None:
    at = app().run()
    for _ in range(auth.MAX_FAILED_SIGN_INS - 1):
        at = _sign_in(at, "analyst@corp.example", "wrong")
        assert "wrong" in at.error[0].value
    at = _sign_in(at, "analyst@corp.example", "wrong")
    assert "locked until" in at.error[0].value
    assert "actor" not in at.session_state


def test_an_expired_session_returns_to_the_sign_in_form_with_a_notice(
    app_db: Engine, app: NewSession
) -> None:
    at = _sign_in(app().run(), "admin@corp.example")
    assert "actor" in at.session_state
    at.session_state["signed_in_until"] = utcnow() - timedelta(seconds=1)
    at = at.run()
    assert "actor" not in at.session_state
    assert at.text_input(key="sign_in_password")
    assert "expired" in at.info[0].value


def test_disabling_an_account_ends_its_open_session(app_db: Engine, app: NewSession) -> None:
    at = _sign_in(app().run(), "account_manager@corp.example")
    with transaction(app_db) as s:
        s.query(StaffUser).filter_by(email="account_manager@corp.example").one().is_active = False
    at = at.run()
    assert "actor" not in at.session_state
    assert "disabled" in at.info[0].value


def test_demo_accounts_are_listed_on_the_sign_in_page_only_with_demo_data(
    app_db: Engine, app: NewSession
) -> None:
    with transaction(app_db) as s:
        for email, role in auth.DEMO_ACCOUNTS:
            s.add(StaffUser(email=email, name=role.value, role=role, password_hash="x"))
    assert "admin@example.com" not in _texts(app().run())
    with transaction(app_db) as s:
        s.add(AppSetting(key=auth.DEMO_DATA_SETTING, value=True))
    shown = _texts(app().run())
    assert "admin@example.com" in shown and "analyst@example.com" in shown


@pytest.mark.parametrize(
    ("role", "page_file", "allowed"),
    [
        (StaffRole.ANALYST, "audit.py", False),
        (StaffRole.ACCOUNT_MANAGER, "audit.py", False),
        (StaffRole.MANAGER, "audit.py", True),
        (StaffRole.MANAGER, "admin_staff.py", False),
        (StaffRole.ADMIN, "admin_staff.py", True),
    ],
)
def test_a_page_reached_by_url_without_permission_says_access_denied(
    app_db: Engine, app: NewSession, role: StaffRole, page_file: str, allowed: bool
) -> None:
    at = _as(app_db, app, role, page_file)
    assert not at.exception
    denied = [e.value for e in at.error if "Access denied" in e.value]
    assert bool(denied) is not allowed
    if allowed:
        assert at.title[0].value in {"Audit log", "Staff accounts"}


AUTH_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "c360",
    "client_secret": "secret",
    "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
}


def _sso_app(app: NewSession, user: dict | None) -> AppTest:
    at = app()
    at.secrets["auth"] = AUTH_SECRETS
    if user is not None:
        at.user = user
    return at.run()


def test_single_sign_on_is_offered_only_when_configured(app_db: Engine, app: NewSession) -> None:
    labels = [b.label for b in app().run().button]
    assert "Sign in with single sign-on" not in labels
    at = _sso_app(app, {"is_logged_in": False})
    assert "Sign in with single sign-on" in [b.label for b in at.button]


def test_a_single_sign_on_email_signs_in_as_its_staff_account_and_role(
    app_db: Engine, app: NewSession
) -> None:
    at = _sso_app(app, {"is_logged_in": True, "email": "Manager@Corp.Example"})
    assert not at.exception
    actor = at.session_state["actor"]
    assert (actor.email, actor.role) == ("manager@corp.example", StaffRole.MANAGER)
    assert not at.text_input  # no sign-in form


def test_a_single_sign_on_email_without_a_staff_account_is_refused(
    app_db: Engine, app: NewSession
) -> None:
    at = _sso_app(app, {"is_logged_in": True, "email": "stranger@elsewhere.example"})
    assert "actor" not in at.session_state
    assert at.text_input(key="sign_in_password")
    assert "no staff account" in at.info[0].value


def test_an_expired_single_sign_on_session_signs_out_of_the_identity_provider_too(
    app_db: Engine, app: NewSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit

    logged_out: list[bool] = []
    monkeypatch.setattr(streamlit, "logout", lambda: logged_out.append(True))
    at = _sso_app(app, {"is_logged_in": True, "email": "analyst@corp.example"})
    assert "actor" in at.session_state
    at.session_state["signed_in_until"] = utcnow() - timedelta(seconds=1)
    at = at.run()
    assert logged_out == [True]
    assert "expired" in at.info[0].value


def _as(app_db: Engine, app: NewSession, role: StaffRole, page_file: str) -> AppTest:
    with transaction(app_db) as s:
        user = s.query(StaffUser).filter_by(role=role).first()
        actor = Actor(id=user.id, name=user.name, email=user.email, role=role)
    at = app()
    at.session_state["actor"] = actor
    at.run()
    return at.switch_page(str(ROOT / "pages" / page_file)).run()


def test_an_admin_creates_a_staff_account_on_the_staff_page_and_the_audit_page_shows_it(
    app_db: Engine, app: NewSession
) -> None:
    at = _as(app_db, app, StaffRole.ADMIN, "admin_staff.py")
    at.text_input[0].input("new.person@corp.example")
    at.text_input[1].input("New Person")
    at.text_input[2].input("a-long-enough-password")
    at = at.button(key="FormSubmitter:create_staff-Create account").click().run()
    assert not at.exception
    assert "Created: new.person@corp.example" in at.success[0].value
    assert auth.attempt_sign_in(app_db, "new.person@corp.example", "a-long-enough-password")

    at = _as(app_db, app, StaffRole.MANAGER, "audit.py")
    assert not at.exception
    assert "matching entries" in _texts(at)
    shown = at.dataframe[0].value
    assert "staff.created" in set(shown["action"])
