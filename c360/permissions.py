"""Who may do what: the one permission table, the acting staff member, and field masking."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from c360.errors import PermissionDenied
from c360.models.enums import StaffRole


class Permission(enum.StrEnum):
    VIEW_CUSTOMERS = "view_customers"
    COMPARE = "compare"
    EXPORT = "export"
    ACT_ON_CUSTOMERS = "act_on_customers"  # notes, tag assignment, e-mail, tickets, points
    MANAGE_SEGMENTS = "manage_segments"
    MANAGE_TAGS = "manage_tags"
    MODERATE_NOTES = "moderate_notes"  # delete others' notes, read managers-only notes
    VIEW_AUDIT = "view_audit"
    VIEW_PORTFOLIO = "view_portfolio"
    RUN_SCORING = "run_scoring"
    MANAGE_SCORING = "manage_scoring"  # scoring weights
    IMPORT_DATA = "import_data"
    MANAGE_STAFF = "manage_staff"


_ANALYST = {
    Permission.VIEW_CUSTOMERS,
    Permission.COMPARE,
    Permission.EXPORT,
    Permission.VIEW_PORTFOLIO,
}
_ACCOUNT_MANAGER = _ANALYST | {Permission.ACT_ON_CUSTOMERS}
_MANAGER = _ACCOUNT_MANAGER | {
    Permission.MANAGE_SEGMENTS,
    Permission.MANAGE_TAGS,
    Permission.MODERATE_NOTES,
    Permission.VIEW_AUDIT,
    Permission.RUN_SCORING,
}
_ADMIN = _MANAGER | {Permission.MANAGE_SCORING, Permission.IMPORT_DATA, Permission.MANAGE_STAFF}

PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.ANALYST: frozenset(_ANALYST),
    StaffRole.ACCOUNT_MANAGER: frozenset(_ACCOUNT_MANAGER),
    StaffRole.MANAGER: frozenset(_MANAGER),
    StaffRole.ADMIN: frozenset(_ADMIN),
}


class Field(enum.StrEnum):
    """Sensitive fields; each is masked unless the role's allow-list names it."""

    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    PAYMENT_DETAILS = "payment_details"


VISIBLE_FIELDS: dict[StaffRole, frozenset[Field]] = {
    StaffRole.ANALYST: frozenset(),
    StaffRole.ACCOUNT_MANAGER: frozenset({Field.EMAIL, Field.PHONE, Field.ADDRESS}),
    StaffRole.MANAGER: frozenset({Field.EMAIL, Field.PHONE, Field.ADDRESS, Field.PAYMENT_DETAILS}),
    StaffRole.ADMIN: frozenset({Field.EMAIL, Field.PHONE, Field.ADDRESS, Field.PAYMENT_DETAILS}),
}


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member on whose behalf a service function runs."""

    id: int
    name: str
    email: str
    role: StaffRole

    def can(self, permission: Permission) -> bool:
        """True when this actor's role grants ``permission``."""
        return permission in PERMISSIONS[self.role]

    def sees(self, field: Field) -> bool:
        """True when this actor may see ``field`` unmasked."""
        return field in VISIBLE_FIELDS[self.role]


def require(actor: Actor | None, permission: Permission) -> Actor:
    """Return ``actor`` if it holds ``permission``; raise PermissionDenied otherwise."""
    if actor is None:
        raise PermissionDenied("Access denied: please sign in.")
    if not actor.can(permission):
        raise PermissionDenied(
            f"Access denied: the {actor.role.value.replace('_', ' ')} role cannot "
            f"{permission.value.replace('_', ' ')}."
        )
    return actor


def mask_email(email: str | None) -> str | None:
    """``jane.doe@example.com`` -> ``j•••@e•••.com``."""
    if not email or "@" not in email:
        return "•••" if email else email
    local, domain = email.split("@", 1)
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}•••@{host[:1]}•••.{tld}" if host else f"{local[:1]}•••@•••"


def mask_phone(phone: str | None) -> str | None:
    """Keep only the last two digits: ``+1 555 010 2030`` -> ``•••• 30``."""
    if not phone:
        return phone
    digits = [c for c in phone if c.isdigit()]
    return "•••• " + "".join(digits[-2:])


def mask_text(value: str | None) -> str | None:
    """Hide a value completely (addresses, card details)."""
    return "•••" if value else value


def requires(permission: Permission):  # type: ignore[no-untyped-def]
    """Decorate a service function whose first argument (or ``actor=``) is the acting Actor.

    The check runs before the function body; the decorated functions are listed in
    ``SERVICE_FUNCTIONS`` so the permission-matrix test can cover every one of them.
    """

    def decorate(func):  # type: ignore[no-untyped-def]
        @functools.wraps(func)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            actor = kwargs.get("actor", args[0] if args else None)
            require(actor, permission)
            return func(*args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        SERVICE_FUNCTIONS[f"{func.__module__}.{func.__qualname__}"] = wrapper
        return wrapper

    return decorate


SERVICE_FUNCTIONS: dict[str, object] = {}
