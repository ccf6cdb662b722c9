"""Staff accounts for admins: list, create, disable/enable, change role, reset password.

Every function takes the acting admin first and the caller's session; each write is audited
in the same transaction. There is no default password: an account is created with the
password the admin types (the demo generator is the only other creator of accounts).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from c360 import audit
from c360.errors import Conflict, NotFound, ValidationError
from c360.models import StaffRole, StaffUser
from c360.passwords import hash_password
from c360.permissions import Actor, Permission, requires
from c360.text import normalise_email

MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StaffAccount:
    """One staff account as the admin page shows it (never the password hash)."""

    id: int
    email: str
    name: str
    role: StaffRole
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


@requires(Permission.MANAGE_STAFF)
def list_staff(actor: Actor, session: Session) -> list[StaffAccount]:
    """Every staff account, by e-mail."""
    rows = session.scalars(select(StaffUser).order_by(StaffUser.email))
    return [_account(user) for user in rows]


@requires(Permission.MANAGE_STAFF)
def create_staff(
    actor: Actor, session: Session, *, email: str, name: str, role: StaffRole, password: str
) -> StaffAccount:
    """Create an active account with the given password; refuse duplicates and weak input."""
    return _create(session, actor, email=email, name=name, role=role, password=password)


def create_staff_from_command_line(
    session: Session, *, email: str, name: str, role: StaffRole, password: str
) -> StaffAccount:
    """Create an account for an operator at the command line (e.g. the first admin).

    Anyone who can run the command line can reach the database anyway; the row is audited
    with the system as the actor.
    """
    return _create(session, None, email=email, name=name, role=role, password=password)


def _create(
    session: Session,
    actor: Actor | None,
    *,
    email: str,
    name: str,
    role: StaffRole,
    password: str,
) -> StaffAccount:
    address = _valid_email(email)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError("Give the staff member's name (at most 120 characters).")
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in name):
        raise ValidationError("A name cannot contain control characters.")
    role = _valid_role(role)
    _check_password(password)
    taken = session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == address))
    if taken is not None:
        raise Conflict(f"A staff account for {address} already exists.")
    user = StaffUser(
        email=address,
        name=name,
        role=role,
        password_hash=hash_password(password),
        is_active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "staff.created",
        entity_type="staff_user",
        entity_id=user.id,
        summary=f"Created staff account {address} ({role.value})",
        after=_public(user),
    )
    return _account(user)


@requires(Permission.MANAGE_STAFF)
def set_staff_active(actor: Actor, session: Session, staff_id: int, active: bool) -> StaffAccount:
    """Enable or disable an account; an admin cannot disable their own account."""
    user = _get(session, staff_id)
    if not active and user.id == actor.id:
        raise ValidationError("You cannot disable your own account.")
    if not active and user.role == StaffRole.ADMIN:
        _keep_one_admin(session, user)
    before = _public(user)
    user.is_active = bool(active)
    session.flush()
    audit.record(
        session,
        actor,
        "staff.enabled" if active else "staff.disabled",
        entity_type="staff_user",
        entity_id=user.id,
        summary=f"{'Enabled' if active else 'Disabled'} staff account {user.email}",
        before=before,
        after=_public(user),
    )
    return _account(user)


@requires(Permission.MANAGE_STAFF)
def change_role(actor: Actor, session: Session, staff_id: int, role: StaffRole) -> StaffAccount:
    """Give an account another role; the last active admin keeps the admin role."""
    user = _get(session, staff_id)
    role = _valid_role(role)
    if user.role == role:
        return _account(user)
    if user.role == StaffRole.ADMIN:
        _keep_one_admin(session, user)
    before = _public(user)
    user.role = role
    session.flush()
    audit.record(
        session,
        actor,
        "staff.role_changed",
        entity_type="staff_user",
        entity_id=user.id,
        summary=f"Changed role of {user.email}: {before['role']} → {role.value}",
        before=before,
        after=_public(user),
    )
    return _account(user)


@requires(Permission.MANAGE_STAFF)
def reset_password(
    actor: Actor, session: Session, staff_id: int, new_password: str
) -> StaffAccount:
    """Set a new password chosen by the admin and lift any lock-out."""
    user = _get(session, staff_id)
    _check_password(new_password)
    before = _public(user)
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(
        session,
        actor,
        "staff.password_reset",
        entity_type="staff_user",
        entity_id=user.id,
        # The audit row says that the password changed, never what it is.
        summary=f"Reset the password of {user.email}",
        before=before,
        after={**_public(user), "password": "changed"},
    )
    return _account(user)


def _get(session: Session, staff_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_id, with_for_update=True)
    if user is None:
        raise NotFound(f"There is no staff account #{staff_id}.")
    return user


def _valid_email(email: str) -> str:
    address = normalise_email(email)
    if not address or len(address) > 254 or not _EMAIL.match(address):
        raise ValidationError(f"{email!r} is not a valid e-mail address.")
    return address


def _valid_role(role: StaffRole | str) -> StaffRole:
    try:
        return StaffRole(role)
    except ValueError:
        names = ", ".join(r.value for r in StaffRole)
        raise ValidationError(f"Unknown role {role!r}; choose one of {names}.") from None


def _check_password(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 512:
        raise ValidationError("The password is too long (at most 512 characters).")


def _keep_one_admin(session: Session, user: StaffUser) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(
            StaffUser.role == StaffRole.ADMIN,
            StaffUser.is_active.is_(True),
            StaffUser.id != user.id,
        )
    )
    if not others:
        raise ValidationError(
            f"{user.email} is the last active admin; make someone else admin first."
        )


def _public(user: StaffUser) -> dict[str, object]:
    return {
        "email": user.email,
        "name": user.name,
        "role": StaffRole(user.role).value,
        "is_active": bool(user.is_active),
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }


def _account(user: StaffUser) -> StaffAccount:
    return StaffAccount(
        id=user.id,
        email=user.email,
        name=user.name,
        role=StaffRole(user.role),
        is_active=bool(user.is_active),
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )
