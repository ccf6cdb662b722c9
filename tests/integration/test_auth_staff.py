"""Admins manage staff accounts: create, disable/enable, change role, reset password — audited."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from c360 import auth, staff
from c360.db import session_factory, transaction
from c360.errors import Conflict, PermissionDenied, ValidationError
from c360.models import ActivityLog, StaffRole, StaffUser
from c360.permissions import Actor

GOOD_PASSWORD = "a-long-enough-password"


def _create(engine: Engine, admin: Actor, email: str = "new@example.com", **kw: object):
    with transaction(engine) as s:
        return staff.create_staff(
            admin,
            s,
            email=email,
            name=str(kw.get("name", "New Person")),
            role=kw.get("role", StaffRole.ANALYST),  # type: ignore[arg-type]
            password=str(kw.get("password", GOOD_PASSWORD)),
        )


def _audit(engine: Engine, action: str) -> list[ActivityLog]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(ActivityLog).where(ActivityLog.action == action)))


def _staff_count(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(StaffUser))


def test_an_admin_creates_an_account_that_can_sign_in_and_the_creation_is_audited(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    admin = actors[StaffRole.ADMIN]
    account = _create(engine, admin, email=" New@Example.com ", role=StaffRole.MANAGER)
    assert (account.email, account.role, account.is_active) == (
        "new@example.com",
        StaffRole.MANAGER,
        True,
    )
    assert auth.attempt_sign_in(engine, "new@example.com", GOOD_PASSWORD).actor.id == account.id
    [row] = _audit(engine, "staff.created")
    assert row.actor_id == admin.id
    assert row.after["role"] == "manager"
    assert GOOD_PASSWORD not in str(row.after)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "not a valid e-mail"),
        ({"name": "   "}, "name"),
        ({"password": "short"}, "at least"),
        ({"password": ""}, "at least"),
        ({"role": "superuser"}, "Unknown role"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(
    engine: Engine, actors: dict[StaffRole, Actor], fields: dict, message: str
) -> None:
    before = _staff_count(engine)
    with pytest.raises(ValidationError, match=message):
        _create(engine, actors[StaffRole.ADMIN], **fields)
    assert _staff_count(engine) == before
    assert _audit(engine, "staff.created") == []


def test_a_second_account_for_the_same_email_is_refused(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    _create(engine, actors[StaffRole.ADMIN])
    with pytest.raises(Conflict, match="already exists"):
        _create(engine, actors[StaffRole.ADMIN], email="NEW@example.com")


@pytest.mark.parametrize("role", [StaffRole.MANAGER, StaffRole.ACCOUNT_MANAGER, StaffRole.ANALYST])
def test_only_admins_manage_staff(
    engine: Engine, actors: dict[StaffRole, Actor], role: StaffRole
) -> None:
    before = _staff_count(engine)
    with pytest.raises(PermissionDenied):
        _create(engine, actors[role])
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        staff.list_staff(actors[role], s)
    assert _staff_count(engine) == before


def test_disabling_an_account_stops_its_sign_in_and_enabling_restores_it(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    admin = actors[StaffRole.ADMIN]
    account = _create(engine, admin)
    with transaction(engine) as s:
        assert not staff.set_staff_active(admin, s, account.id, False).is_active
    with pytest.raises(auth.SignInFailed, match="disabled"):
        auth.attempt_sign_in(engine, account.email, GOOD_PASSWORD)
    with transaction(engine) as s:
        staff.set_staff_active(admin, s, account.id, True)
    assert auth.attempt_sign_in(engine, account.email, GOOD_PASSWORD)
    [disabled] = _audit(engine, "staff.disabled")
    assert (disabled.before["is_active"], disabled.after["is_active"]) == (True, False)
    assert len(_audit(engine, "staff.enabled")) == 1


def test_changing_a_role_is_audited_with_before_and_after(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    admin = actors[StaffRole.ADMIN]
    account = _create(engine, admin)
    with transaction(engine) as s:
        staff.change_role(admin, s, account.id, StaffRole.ACCOUNT_MANAGER)
    [row] = _audit(engine, "staff.role_changed")
    assert (row.before["role"], row.after["role"]) == ("analyst", "account_manager")


def test_the_last_active_admin_can_be_neither_demoted_nor_disabled(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    admin = actors[StaffRole.ADMIN]
    with pytest.raises(ValidationError, match="own account"), transaction(engine) as s:
        staff.set_staff_active(admin, s, admin.id, False)
    with pytest.raises(ValidationError, match="last active admin"), transaction(engine) as s:
        staff.change_role(admin, s, admin.id, StaffRole.ANALYST)
    other = _create(engine, admin, email="second@example.com", role=StaffRole.ADMIN)
    with transaction(engine) as s:
        staff.change_role(admin, s, admin.id, StaffRole.MANAGER)
    with session_factory(engine)() as s:
        assert s.get(StaffUser, admin.id).role == StaffRole.MANAGER
        assert s.get(StaffUser, other.id).role == StaffRole.ADMIN


def test_a_password_reset_lifts_a_lock_out_and_the_old_password_stops_working(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    admin = actors[StaffRole.ADMIN]
    account = _create(engine, admin)
    for _ in range(auth.MAX_FAILED_SIGN_INS):
        with pytest.raises(auth.SignInFailed):
            auth.attempt_sign_in(engine, account.email, "guess")
    with transaction(engine) as s:
        assert (
            staff.reset_password(admin, s, account.id, "another-good-password").locked_until is None
        )
    with pytest.raises(auth.SignInFailed):
        auth.attempt_sign_in(engine, account.email, GOOD_PASSWORD)
    assert auth.attempt_sign_in(engine, account.email, "another-good-password")
    [row] = _audit(engine, "staff.password_reset")
    assert "another-good-password" not in f"{row.summary}{row.before}{row.after}"


def test_staff_listing_never_carries_password_hashes(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    _create(engine, actors[StaffRole.ADMIN])
    with transaction(engine) as s:
        accounts = staff.list_staff(actors[StaffRole.ADMIN], s)
    assert len(accounts) == len(StaffRole) + 1
    assert all("argon2" not in repr(a) for a in accounts)
