"""Deliver the e-mails waiting in the outbox: queued ones, and failed ones when asked to retry.

An e-mail is queued when it was written while no SMTP server was configured (or reachable
for a moment). ``send_waiting`` sends each through ``C360_SMTP_URL`` and marks it ``sent`` or
``failed`` with the server's error, audited like a send from the profile. Each message is
claimed with a row lock (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) for its SMTP conversation,
so two senders running at once never deliver the same message twice.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from c360 import audit, mail
from c360.db import transaction
from c360.errors import ValidationError
from c360.models import EmailOutbox, OutboxStatus, utcnow


@dataclass
class OutboxReport:
    """What one run of the sender did."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def send_waiting(
    engine: Engine,
    smtp_url: str,
    sender: str,
    *,
    retry_failed: bool = False,
    limit: int = 500,
) -> OutboxReport:
    """Send up to ``limit`` waiting e-mails, oldest first; one transaction per message."""
    if not smtp_url:
        raise ValidationError("No SMTP server: set C360_SMTP_URL (e.g. smtp://mail:25).")
    if limit < 1:
        raise ValidationError("--limit must be at least 1.")
    statuses = (
        (OutboxStatus.QUEUED, OutboxStatus.FAILED) if retry_failed else (OutboxStatus.QUEUED,)
    )
    report = OutboxReport()
    for outbox_id in _waiting_ids(engine, statuses, limit):
        with transaction(engine) as session:
            row = session.scalar(
                select(EmailOutbox)
                .where(EmailOutbox.id == outbox_id, EmailOutbox.status.in_(statuses))
                .with_for_update(skip_locked=True)
            )
            if row is None:  # sent or claimed by another sender meanwhile
                continue
            before = row.status.value
            try:
                mail.deliver(
                    smtp_url, mail.build_message(sender, row.to_address, row.subject, row.body)
                )
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                row.status, row.error = OutboxStatus.FAILED, f"{type(exc).__name__}: {exc}"[:500]
                report.failed += 1
                report.errors.append(f"#{row.id} to {row.to_address}: {row.error}")
            else:
                row.status, row.error, row.sent_at = OutboxStatus.SENT, None, utcnow()
                report.sent += 1
            audit.record(
                session,
                None,
                f"email.{row.status.value}",
                entity_type="email",
                entity_id=row.id,
                customer_id=row.customer_id,
                summary=f"E-mail {row.status.value} by the outbox sender: {row.subject}",
                before={"status": before},
                after={"status": row.status.value, "error": row.error},
            )
    return report


def _waiting_ids(engine: Engine, statuses: Iterable[OutboxStatus], limit: int) -> list[int]:
    with transaction(engine) as session:
        return list(
            session.scalars(
                select(EmailOutbox.id)
                .where(EmailOutbox.status.in_(list(statuses)))
                .order_by(EmailOutbox.created_at, EmailOutbox.id)
                .limit(limit)
            )
        )
