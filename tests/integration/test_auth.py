"""Sign-in: argon2 passwords, lock-out, session expiry, single sign-on, demo accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from c360 import auth
from c360.db import session_factory, transaction
from c360.models import ActivityLog, AppSetting, StaffRole, StaffUser, utcnow
from c360.passwords import hash_password

PASSWORD = "correct horse battery"


def _account(engine: Engine, email: str = "ada@example.com", **fields: object) -> int:
    with transaction(engine) as s:
        user = StaffUser(
            email=email,
            name="Ada",
            role=fields.pop("role", StaffRole.ACCOUNT_MANAGER),
            password_hash=hash_password(str(fields.pop("password", PASSWORD))),
            **fields,
        )
        s.add(user)
        s.flush()
        return user.id


def _user(engine: Engine, staff_id: int) -> StaffUser:
    with session_factory(engine)() as s:
        return s.get(StaffUser, staff_id)


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear(engine: Engine) -> None:
    staff_id = _account(engine)
    stored = _user(engine, staff_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_right_password_signs_in_with_the_accounts_role_and_any_case_of_email(
    engine: Engine,
) -> None:
    staff_id = _account(engine, role=StaffRole.MANAGER)
    signed = auth.attempt_sign_in(engine, "  ADA@Example.com ", PASSWORD)
    assert signed.actor.id == staff_id
    assert signed.actor.role == StaffRole.MANAGER
    assert _user(engine, staff_id).last_login_at is not None


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(engine: Engine) -> None:
    _account(engine)
    with pytest.raises(auth.SignInFailed) as wrong_password:
        auth.attempt_sign_in(engine, "ada@example.com", "nope")
    with pytest.raises(auth.SignInFailed) as unknown:
        auth.attempt_sign_in(engine, "nobody@example.com", "nope")
    assert str(wrong_password.value) == str(unknown.value)
    assert "wrong" in str(unknown.value)


def test_repeated_failures_lock_the_account_with_a_message_saying_until_when(
    engine: Engine,
) -> None:
    staff_id = _account(engine)
    now = utcnow()
    for _ in range(auth.MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(auth.SignInFailed) as failed:
            auth.attempt_sign_in(engine, "ada@example.com", "guess", now=now)
        assert not isinstance(failed.value, auth.AccountLocked)
    with pytest.raises(auth.AccountLocked) as locked:
        auth.attempt_sign_in(engine, "ada@example.com", "guess", now=now)
    until = now + timedelta(minutes=auth.LOCKOUT_MINUTES)
    assert locked.value.until == until
    assert "locked until" in str(locked.value)
    assert f"{until:%H:%M}" in str(locked.value)
    assert _user(engine, staff_id).locked_until == until


def test_a_locked_account_refuses_even_the_right_password_until_the_lock_ends(
    engine: Engine,
) -> None:
    _account(engine)
    now = utcnow()
    for _ in range(auth.MAX_FAILED_SIGN_INS):
        with pytest.raises(auth.SignInFailed):
            auth.attempt_sign_in(engine, "ada@example.com", "guess", now=now)
    with pytest.raises(auth.AccountLocked):
        auth.attempt_sign_in(engine, "ada@example.com", PASSWORD, now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=auth.LOCKOUT_MINUTES, seconds=1)
    assert auth.attempt_sign_in(engine, "ada@example.com", PASSWORD, now=later).actor.email


def test_a_successful_sign_in_resets_the_failure_count(engine: Engine) -> None:
    staff_id = _account(engine)
    for _ in range(auth.MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(auth.SignInFailed):
            auth.attempt_sign_in(engine, "ada@example.com", "guess")
    auth.attempt_sign_in(engine, "ada@example.com", PASSWORD)
    assert _user(engine, staff_id).failed_logins == 0
    with pytest.raises(auth.SignInFailed) as failed:
        auth.attempt_sign_in(engine, "ada@example.com", "guess")
    assert not isinstance(failed.value, auth.AccountLocked)


def test_the_lock_out_is_written_to_the_audit_log(engine: Engine) -> None:
    staff_id = _account(engine)
    for _ in range(auth.MAX_FAILED_SIGN_INS):
        with pytest.raises(auth.SignInFailed):
            auth.attempt_sign_in(engine, "ada@example.com", "guess")
    with session_factory(engine)() as s:
        row = s.scalar(select(ActivityLog).where(ActivityLog.action == "staff.locked"))
    assert row is not None and row.entity_id == str(staff_id)


def test_a_disabled_account_cannot_sign_in(engine: Engine) -> None:
    _account(engine, is_active=False)
    with pytest.raises(auth.SignInFailed, match="disabled"):
        auth.attempt_sign_in(engine, "ada@example.com", PASSWORD)


def test_an_account_without_a_password_cannot_sign_in_with_any_password(engine: Engine) -> None:
    with transaction(engine) as s:
        s.add(StaffUser(email="sso@example.com", name="S", role=StaffRole.ANALYST))
    for guess in ["", "demo", "password", "admin"]:
        with pytest.raises(auth.SignInFailed):
            auth.attempt_sign_in(engine, "sso@example.com", guess)


def test_a_session_expires_after_the_configured_minutes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_SESSION_MINUTES", "30")
    _account(engine)
    now = utcnow()
    signed = auth.attempt_sign_in(engine, "ada@example.com", PASSWORD, now=now)
    assert signed.expires_at == now + timedelta(minutes=30)
    assert not auth.is_expired(signed.expires_at, now + timedelta(minutes=29, seconds=59))
    assert auth.is_expired(signed.expires_at, now + timedelta(minutes=30))


def test_single_sign_on_maps_the_email_to_the_staff_account_and_its_role(engine: Engine) -> None:
    staff_id = _account(engine, role=StaffRole.ANALYST)
    signed = auth.attempt_sso_sign_in(engine, "Ada@Example.com")
    assert (signed.actor.id, signed.actor.role) == (staff_id, StaffRole.ANALYST)


def test_single_sign_on_with_an_unknown_or_disabled_email_is_refused(engine: Engine) -> None:
    _account(engine, is_active=False)
    with pytest.raises(auth.SignInFailed, match="no staff account"):
        auth.attempt_sso_sign_in(engine, "stranger@example.com")
    with pytest.raises(auth.SignInFailed, match="disabled"):
        auth.attempt_sso_sign_in(engine, "ada@example.com")


def test_a_signed_in_session_follows_role_changes_and_ends_when_disabled(engine: Engine) -> None:
    staff_id = _account(engine, role=StaffRole.MANAGER)
    with transaction(engine) as s:
        s.get(StaffUser, staff_id).role = StaffRole.ANALYST
    with session_factory(engine)() as s:
        assert auth.active_actor(s, staff_id).role == StaffRole.ANALYST
    with transaction(engine) as s:
        s.get(StaffUser, staff_id).is_active = False
    with session_factory(engine)() as s:
        assert auth.active_actor(s, staff_id) is None


def _demo_accounts(session: Session) -> None:
    for email, role in auth.DEMO_ACCOUNTS:
        session.add(
            StaffUser(email=email, name=role.value, role=role, password_hash=hash_password("demo"))
        )


def test_demo_accounts_are_listed_only_while_demo_data_is_in_use(engine: Engine) -> None:
    with transaction(engine) as s:
        _demo_accounts(s)
    with session_factory(engine)() as s:
        assert auth.demo_accounts(s) == []
    with transaction(engine) as s:
        s.add(AppSetting(key=auth.DEMO_DATA_SETTING, value={"seed": 7}))
    with session_factory(engine)() as s:
        assert [email for email, _ in auth.demo_accounts(s)] == [
            "admin@example.com",
            "manager@example.com",
            "am@example.com",
            "analyst@example.com",
        ]


def test_an_empty_production_database_has_no_account_to_sign_in_with(engine: Engine) -> None:
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(StaffUser)) == 0
        assert auth.demo_accounts(s) == []
    for email, _ in auth.DEMO_ACCOUNTS:
        with pytest.raises(auth.SignInFailed):
            auth.attempt_sign_in(engine, email, auth.DEMO_PASSWORD)
