"""Quick actions on a customer: send an e-mail, open a support ticket, adjust loyalty points.

(Adding a note is ``c360.notes.add_note``.) Each checks the actor's permission, validates before
writing, and writes its row and the activity row in one transaction.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from c360 import audit, mail
from c360.config import get_settings
from c360.db import transaction
from c360.errors import NotFound, ValidationError
from c360.models import (
    Customer,
    EmailOutbox,
    LoyaltyAccount,
    LoyaltyTransaction,
    OutboxStatus,
    PointsKind,
    SupportTicket,
    TicketPriority,
    TicketStatus,
    utcnow,
)
from c360.permissions import Actor, Permission, requires

MAX_SUBJECT = 300
MAX_BODY = 20_000
MAX_POINTS_ADJUSTMENT = 1_000_000
MAX_REASON = 300
_UNSET = object()


# --- e-mail ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailResult:
    """What happened to one e-mail: ``queued`` (no SMTP server), ``sent`` or ``failed``."""

    outbox_id: int
    status: OutboxStatus
    to_address: str
    subject: str
    body: str
    error: str | None = None


@dataclass(frozen=True)
class RenderedEmail:
    to_address: str
    subject: str
    body: str


@requires(Permission.ACT_ON_CUSTOMERS)
def preview_email(
    actor: Actor, session: Session, customer_id: int, subject: str, body: str
) -> RenderedEmail:
    """The e-mail as the customer would receive it (placeholders filled, input checked)."""
    customer = _customer(session, customer_id)
    if not customer.email:
        raise ValidationError("This customer has no e-mail address on file.")
    values = _placeholder_values(session, actor, customer)
    rendered_subject = " ".join(mail.render(subject or "", values).split())
    rendered_body = mail.render(body or "", values).strip()
    if not rendered_subject:
        raise ValidationError("Give the e-mail a subject.")
    if len(rendered_subject) > MAX_SUBJECT:
        raise ValidationError(f"The subject can have at most {MAX_SUBJECT} characters.")
    if not rendered_body:
        raise ValidationError("The e-mail has no text; write a message first.")
    if len(rendered_body) > MAX_BODY:
        raise ValidationError(f"The message can have at most {MAX_BODY:,} characters.")
    return RenderedEmail(customer.email, rendered_subject, rendered_body)


@requires(Permission.ACT_ON_CUSTOMERS)
def send_email(
    actor: Actor,
    engine: Engine,
    customer_id: int,
    subject: str,
    body: str,
    template: str | None = None,
    *,
    smtp_url: str | None | object = _UNSET,
) -> EmailResult:
    """Store the e-mail in the outbox, then send it when an SMTP server is configured.

    Without a server the message stays ``queued`` (never reported as sent). With one, it is
    marked ``sent`` only after the server accepted it, or ``failed`` with the server's error.
    The SMTP conversation happens outside any database transaction.
    """
    settings = get_settings()
    server = settings.smtp_url if smtp_url is _UNSET else smtp_url
    if template is not None and template not in mail.TEMPLATES:
        raise ValidationError(f"Unknown e-mail template {template!r}.")
    with transaction(engine) as session:
        rendered = preview_email(actor, session, customer_id, subject, body)
        row = EmailOutbox(
            customer_id=customer_id,
            staff_user_id=actor.id,
            to_address=rendered.to_address,
            subject=rendered.subject,
            body=rendered.body,
            template=template,
            status=OutboxStatus.QUEUED,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        outbox_id = row.id
        audit.record(
            session,
            actor,
            "email.queued",
            entity_type="email",
            entity_id=outbox_id,
            customer_id=customer_id,
            summary=f"E-mail queued: {rendered.subject}",
            after={"to": rendered.to_address, "subject": rendered.subject, "template": template},
        )
    result = EmailResult(outbox_id, OutboxStatus.QUEUED, *_fields(rendered))
    if not server:
        return result
    message = mail.build_message(
        settings.smtp_sender, rendered.to_address, rendered.subject, rendered.body
    )
    try:
        mail.deliver(str(server), message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        _mark(engine, actor, customer_id, outbox_id, OutboxStatus.FAILED, error)
        return EmailResult(outbox_id, OutboxStatus.FAILED, *_fields(rendered), error=error)
    _mark(engine, actor, customer_id, outbox_id, OutboxStatus.SENT, None)
    return EmailResult(outbox_id, OutboxStatus.SENT, *_fields(rendered))


def _fields(rendered: RenderedEmail) -> tuple[str, str, str]:
    return rendered.to_address, rendered.subject, rendered.body


def _mark(
    engine: Engine,
    actor: Actor,
    customer_id: int,
    outbox_id: int,
    status: OutboxStatus,
    error: str | None,
) -> None:
    with transaction(engine) as session:
        row = session.get(EmailOutbox, outbox_id)
        if row is None:  # the customer was deleted meanwhile; nothing left to mark
            return
        row.status = status
        row.error = error
        row.sent_at = utcnow() if status == OutboxStatus.SENT else None
        audit.record(
            session,
            actor,
            f"email.{status.value}",
            entity_type="email",
            entity_id=outbox_id,
            customer_id=customer_id,
            summary=(
                f"E-mail sent: {row.subject}"
                if status == OutboxStatus.SENT
                else f"E-mail failed: {row.subject}"
            ),
            before={"status": OutboxStatus.QUEUED.value},
            after={"status": status.value, "error": error},
        )


def _placeholder_values(session: Session, actor: Actor, customer: Customer) -> dict[str, str]:
    account = session.scalar(
        select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer.id)
    )
    first = (customer.name or "").split()
    return {
        "first_name": first[0] if first else "",
        "name": customer.name or "",
        "email": customer.email or "",
        "loyalty_tier": account.tier.value if account else "not enrolled",
        "points_balance": f"{account.points_balance:,}" if account else "0",
        "staff_name": actor.name,
    }


# --- support tickets ------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedTicket:
    id: int
    subject: str
    priority: TicketPriority
    status: TicketStatus


@requires(Permission.ACT_ON_CUSTOMERS)
def create_ticket(
    actor: Actor,
    engine: Engine,
    customer_id: int,
    subject: str,
    description: str = "",
    priority: TicketPriority | str = TicketPriority.MEDIUM,
) -> CreatedTicket:
    """Open a support ticket for the customer on behalf of ``actor``."""
    clean_subject = " ".join((subject or "").split())
    if not clean_subject:
        raise ValidationError("Give the ticket a subject.")
    if len(clean_subject) > MAX_SUBJECT:
        raise ValidationError(f"The subject can have at most {MAX_SUBJECT} characters.")
    text = (description or "").strip()
    if len(text) > MAX_BODY:
        raise ValidationError(f"The description can have at most {MAX_BODY:,} characters.")
    try:
        level = TicketPriority(priority)
    except ValueError:
        allowed = ", ".join(p.value for p in TicketPriority)
        raise ValidationError(f"Unknown priority {priority!r}; choose {allowed}.") from None
    with transaction(engine) as session:
        _customer(session, customer_id)
        now = utcnow()
        ticket = SupportTicket(
            customer_id=customer_id,
            subject=clean_subject,
            description=text,
            priority=level,
            status=TicketStatus.OPEN,
            created_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(ticket)
        session.flush()
        audit.record(
            session,
            actor,
            "ticket.created",
            entity_type="support_ticket",
            entity_id=ticket.id,
            customer_id=customer_id,
            summary=f"Opened ticket #{ticket.id}: {clean_subject}",
            after={"subject": clean_subject, "priority": level.value, "status": "open"},
        )
        return CreatedTicket(ticket.id, clean_subject, level, TicketStatus.OPEN)


# --- loyalty points -------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsAdjustment:
    transaction_id: int
    points: int
    balance_before: int
    balance_after: int


@requires(Permission.ACT_ON_CUSTOMERS)
def adjust_points(
    actor: Actor, engine: Engine, customer_id: int, points: int, reason: str
) -> PointsAdjustment:
    """Add (or with a negative number take) points, with a reason; never below zero.

    One conditional UPDATE does the check and the change atomically, so concurrent adjustments
    each apply exactly once and none can overdraw the balance.
    """
    if isinstance(points, bool) or not isinstance(points, int):
        raise ValidationError("Points must be a whole number.")
    if points == 0:
        raise ValidationError("An adjustment of 0 points changes nothing; enter a number.")
    if abs(points) > MAX_POINTS_ADJUSTMENT:
        raise ValidationError(f"One adjustment can move at most {MAX_POINTS_ADJUSTMENT:,} points.")
    why = " ".join((reason or "").split())
    if not why:
        raise ValidationError("Give a reason for the adjustment; it is kept in the ledger.")
    if len(why) > MAX_REASON:
        raise ValidationError(f"The reason can have at most {MAX_REASON} characters.")
    with transaction(engine) as session:
        _customer(session, customer_id)
        statement = (
            update(LoyaltyAccount)
            .where(
                LoyaltyAccount.customer_id == customer_id,
                LoyaltyAccount.points_balance + points >= 0,
            )
            .values(
                points_balance=LoyaltyAccount.points_balance + points,
                # Lifetime points only ever grow: a deduction leaves them alone.
                lifetime_points=LoyaltyAccount.lifetime_points + max(points, 0),
                updated_at=utcnow(),
            )
            .returning(LoyaltyAccount.points_balance)
            .execution_options(synchronize_session=False)
        )
        balance_after = session.execute(statement).scalar_one_or_none()
        if balance_after is None:
            balance = session.scalar(
                select(LoyaltyAccount.points_balance).where(
                    LoyaltyAccount.customer_id == customer_id
                )
            )
            if balance is None:
                raise ValidationError("This customer has no loyalty account; nothing changed.")
            raise ValidationError(
                f"Cannot take {-points:,} points: the balance is {balance:,} and may not go "
                "below zero. Nothing changed."
            )
        entry = LoyaltyTransaction(
            customer_id=customer_id,
            kind=PointsKind.ADJUSTED,
            points=points,
            reason=why,
            staff_user_id=actor.id,
            created_at=utcnow(),
        )
        session.add(entry)
        session.flush()
        balance_before = balance_after - points
        audit.record(
            session,
            actor,
            "points.adjusted",
            entity_type="loyalty_account",
            entity_id=customer_id,
            customer_id=customer_id,
            summary=f"Adjusted points by {points:+,}: {why}",
            before={"points_balance": balance_before},
            after={"points_balance": balance_after, "reason": why},
        )
        return PointsAdjustment(entry.id, points, balance_before, balance_after)


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return customer
