"""The outbox sender delivers queued e-mails through a real SMTP server, once each."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from c360 import actions
from c360.cli import main
from c360.db import session_factory
from c360.errors import ValidationError
from c360.models import ActivityLog, EmailOutbox, OutboxStatus, StaffRole
from c360.outbox import send_waiting
from c360.permissions import Actor
from tests import factories
from tests.integration.conftest import Inbox, free_port

SENDER = "crm@example.com"


def _queue(engine: Engine, actor: Actor, count: int) -> list[int]:
    """``count`` e-mails written while no SMTP server was configured (so they wait)."""
    with session_factory(engine)() as s:
        customer = factories.customer(s, name="Queued Quinn", email="quinn@example.com")
        s.commit()
    return [
        actions.send_email(
            actor, engine, customer.id, f"Hello {n}", "Hi {first_name}", smtp_url=None
        ).outbox_id
        for n in range(count)
    ]


def _statuses(engine: Engine) -> dict[int, OutboxStatus]:
    with session_factory(engine)() as s:
        return {i: status for i, status in s.execute(select(EmailOutbox.id, EmailOutbox.status))}


def test_queued_emails_are_sent_marked_and_audited_and_a_second_run_sends_nothing(
    engine: Engine, actors: dict[StaffRole, Actor], smtp_server: tuple[str, Inbox]
) -> None:
    url, inbox = smtp_server
    ids = _queue(engine, actors[StaffRole.ACCOUNT_MANAGER], 3)
    report = send_waiting(engine, url, SENDER)
    assert (report.sent, report.failed) == (3, 0)
    assert sorted(m["Subject"] for _, m in inbox.messages) == ["Hello 0", "Hello 1", "Hello 2"]
    assert all(rcpt == ["quinn@example.com"] for rcpt, _ in inbox.messages)
    assert _statuses(engine) == dict.fromkeys(ids, OutboxStatus.SENT)
    with session_factory(engine)() as s:
        audited = s.scalar(
            select(func.count()).where(
                ActivityLog.action == "email.sent", ActivityLog.actor_id.is_(None)
            )
        )
    assert audited == 3
    again = send_waiting(engine, url, SENDER)
    assert (again.sent, again.failed, len(inbox.messages)) == (0, 0, 3)


def test_an_unreachable_server_marks_them_failed_and_a_retry_sends_them_later(
    engine: Engine, actors: dict[StaffRole, Actor], smtp_server: tuple[str, Inbox]
) -> None:
    ids = _queue(engine, actors[StaffRole.ACCOUNT_MANAGER], 2)
    down = send_waiting(engine, f"smtp://127.0.0.1:{free_port()}", SENDER)
    assert (down.sent, down.failed) == (0, 2) and "ConnectionRefusedError" in down.errors[0]
    assert _statuses(engine) == dict.fromkeys(ids, OutboxStatus.FAILED)
    url, inbox = smtp_server
    assert send_waiting(engine, url, SENDER).sent == 0  # failed ones wait for --retry-failed
    retried = send_waiting(engine, url, SENDER, retry_failed=True)
    assert (retried.sent, len(inbox.messages)) == (2, 2)
    with session_factory(engine)() as s:
        errors = s.scalars(select(EmailOutbox.error)).all()
    assert errors == [None, None]


def test_without_a_server_or_with_a_bad_limit_nothing_is_sent_or_changed(
    engine: Engine, actors: dict[StaffRole, Actor]
) -> None:
    ids = _queue(engine, actors[StaffRole.ACCOUNT_MANAGER], 1)
    with pytest.raises(ValidationError, match="C360_SMTP_URL"):
        send_waiting(engine, "", SENDER)
    with pytest.raises(ValidationError, match="--limit"):
        send_waiting(engine, "smtp://127.0.0.1:25", SENDER, limit=0)
    assert _statuses(engine) == dict.fromkeys(ids, OutboxStatus.QUEUED)


@pytest.mark.postgres
def test_two_senders_at_once_deliver_every_email_exactly_once(
    pg_engine: Engine, smtp_server: tuple[str, Inbox]
) -> None:
    with session_factory(pg_engine)() as s:
        staff = factories.staff(s, role=StaffRole.ACCOUNT_MANAGER)
        actor = Actor(id=staff.id, name=staff.name, email=staff.email, role=staff.role)
        s.commit()
    ids = _queue(pg_engine, actor, 30)
    url, inbox = smtp_server
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: send_waiting(pg_engine, url, SENDER), range(2)))
    assert sum(r.sent for r in reports) == 30
    subjects = sorted(m["Subject"] for _, m in inbox.messages)
    assert subjects == sorted(f"Hello {n}" for n in range(30))
    assert _statuses(pg_engine) == dict.fromkeys(ids, OutboxStatus.SENT)


def test_the_command_reports_what_it_sent_and_exits_non_zero_on_failures(
    engine: Engine,
    actors: dict[StaffRole, Actor],
    smtp_server: tuple[str, Inbox],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _queue(engine, actors[StaffRole.ACCOUNT_MANAGER], 1)
    monkeypatch.setenv("C360_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("C360_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    assert main(["outbox", "send"]) == 1
    assert "sent 0, failed 1" in capsys.readouterr().out
    monkeypatch.setenv("C360_SMTP_URL", smtp_server[0])
    assert main(["outbox", "send", "--retry-failed"]) == 0
    assert "sent 1, failed 0" in capsys.readouterr().out
