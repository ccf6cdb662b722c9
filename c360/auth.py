"""Sign-in: password check with lock-out, single sign-on mapping, and session expiry.

Every function takes the caller's session (one transaction per sign-in attempt). Failed
attempts are counted on the staff row; after ``MAX_FAILED_SIGN_INS`` in a row the account is
locked for ``LOCKOUT_MINUTES`` and every attempt in that window is refused without even
checking the password, so guessing cannot continue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from c360 import audit
from c360.config import get_settings
from c360.db import transaction
from c360.errors import C360Error
from c360.models import AppSetting, StaffRole, StaffUser, utcnow
from c360.passwords import hash_password, verify_password
from c360.permissions import Actor
from c360.text import normalise_email

MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15
DEMO_DATA_SETTING = "demo_data"
# Set only by the demo generator; the sign-in page shows it only while demo data is in use.
DEMO_PASSWORD = "demo"
DEMO_ACCOUNTS: tuple[tuple[str, StaffRole], ...] = (
    ("admin@example.com", StaffRole.ADMIN),
    ("manager@example.com", StaffRole.MANAGER),
    ("am@example.com", StaffRole.ACCOUNT_MANAGER),
    ("analyst@example.com", StaffRole.ANALYST),
)

# Verified against when the e-mail is unknown, so a miss takes as long as a wrong password.
_TIMING_DECOY_HASH = hash_password("not-a-real-account")
# The same words whether or not the e-mail exists, so the form does not reveal who has an account.
_WRONG_CREDENTIALS = (
    f"The e-mail or password is wrong. After {MAX_FAILED_SIGN_INS} failed attempts in a row "
    f"an account is locked for {LOCKOUT_MINUTES} minutes."
)


class SignInFailed(C360Error):
    """The sign-in was refused; the message says why (without telling which part was wrong)."""


class AccountLocked(SignInFailed):
    """Too many failed attempts: the account refuses sign-in until ``until`` (naive UTC)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"Too many failed sign-in attempts: this account is locked until "
            f"{until:%Y-%m-%d %H:%M} UTC. Try again then, or ask an admin to reset the password."
        )


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: who, and until when the session is valid (naive UTC)."""

    actor: Actor
    signed_in_at: datetime
    expires_at: datetime


def actor_of(user: StaffUser) -> Actor:
    """The Actor for a stored staff account."""
    return Actor(id=user.id, name=user.name, email=user.email, role=user.role)


def session_expiry(signed_in_at: datetime, minutes: int | None = None) -> datetime:
    """When a session started at ``signed_in_at`` expires (C360_SESSION_MINUTES by default)."""
    return signed_in_at + timedelta(minutes=minutes or get_settings().session_minutes)


def is_expired(expires_at: datetime, now: datetime | None = None) -> bool:
    """True when a session that expires at ``expires_at`` is no longer valid."""
    return (now or utcnow()) >= expires_at


def sign_in(session: Session, email: str, password: str, now: datetime | None = None) -> SignedIn:
    """Check ``email`` and ``password``; return the signed-in actor or raise SignInFailed.

    Commits nothing itself: the caller's transaction must commit even when this raises, so
    the failed-attempt counter is kept (use ``attempt_sign_in`` for that).
    """
    now = now or utcnow()
    user = _find_by_email(session, email, lock=True)
    if user is None:
        verify_password(_TIMING_DECOY_HASH, password)
        raise SignInFailed(_WRONG_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until)
    if not verify_password(user.password_hash, password):
        _count_failure(session, user, now)
        if user.locked_until is not None and user.locked_until > now:
            raise AccountLocked(user.locked_until)
        raise SignInFailed(_WRONG_CREDENTIALS)
    if not user.is_active:
        raise SignInFailed("This staff account is disabled. Ask an admin to enable it.")
    return _succeed(session, user, now, method="password")


def attempt_sign_in(
    engine: Engine, email: str, password: str, now: datetime | None = None
) -> SignedIn:
    """Run ``sign_in`` in its own transaction, keeping the failure count even when it fails."""
    failure: SignInFailed | None = None
    with transaction(engine) as session:
        try:
            return sign_in(session, email, password, now)
        except SignInFailed as exc:
            failure = exc  # commit the counter / lock, then report
    raise failure


def attempt_sso_sign_in(engine: Engine, email: str, now: datetime | None = None) -> SignedIn:
    """Run ``sign_in_with_sso`` in its own transaction."""
    with transaction(engine) as session:
        return sign_in_with_sso(session, email, now)


def sign_in_with_sso(session: Session, email: str, now: datetime | None = None) -> SignedIn:
    """Map an e-mail confirmed by the identity provider to an active staff account."""
    now = now or utcnow()
    user = _find_by_email(session, email, lock=True)
    if user is None:
        raise SignInFailed(
            f"Signed in as {email}, but there is no staff account for that e-mail. "
            "Ask an admin to create one."
        )
    if not user.is_active:
        raise SignInFailed("This staff account is disabled. Ask an admin to enable it.")
    return _succeed(session, user, now, method="sso")


def active_actor(session: Session, staff_id: int) -> Actor | None:
    """The current Actor of a signed-in account (role changes apply), None if disabled/gone."""
    user = session.get(StaffUser, staff_id)
    if user is None or not user.is_active:
        return None
    return actor_of(user)


def demo_data_in_use(session: Session) -> bool:
    """True while the demo generator's data is loaded (app setting ``demo_data`` is set)."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == DEMO_DATA_SETTING))
    if isinstance(value, dict):  # the demo generator stores {"enabled": true, "seed": ..., ...}
        return bool(value.get("enabled", True))
    return bool(value)


def demo_accounts(session: Session) -> list[tuple[str, StaffRole]]:
    """The demo sign-ins to list on the sign-in page: none unless demo data is in use."""
    if not demo_data_in_use(session):
        return []
    stored = set(
        session.scalars(
            select(StaffUser.email).where(
                StaffUser.email.in_([email for email, _ in DEMO_ACCOUNTS]),
                StaffUser.is_active.is_(True),
            )
        )
    )
    return [(email, role) for email, role in DEMO_ACCOUNTS if email in stored]


def _find_by_email(session: Session, email: str, *, lock: bool) -> StaffUser | None:
    key = normalise_email(email or "")
    if not key:
        return None
    query = select(StaffUser).where(func.lower(StaffUser.email) == key)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def _count_failure(session: Session, user: StaffUser, now: datetime) -> None:
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= MAX_FAILED_SIGN_INS:
        user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
        user.failed_logins = 0
        audit.record(
            session,
            None,
            "staff.locked",
            entity_type="staff_user",
            entity_id=user.id,
            summary=f"{user.email} locked after {MAX_FAILED_SIGN_INS} failed sign-ins",
            after={"locked_until": user.locked_until.isoformat()},
        )
    session.flush()


def _succeed(session: Session, user: StaffUser, now: datetime, *, method: str) -> SignedIn:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    actor = actor_of(user)
    audit.record(
        session,
        actor,
        "staff.signed_in",
        entity_type="staff_user",
        entity_id=user.id,
        summary=f"{user.email} signed in ({method})",
    )
    session.flush()
    return SignedIn(actor=actor, signed_in_at=now, expires_at=session_expiry(now))
