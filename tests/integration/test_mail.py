"""E-mail: templates rendered safely, real SMTP delivery, queued without a server, failures kept."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from c360 import actions, mail
from c360.db import session_factory
from c360.errors import ValidationError
from c360.models import (
    ActivityLog,
    EmailOutbox,
    LoyaltyAccount,
    LoyaltyTier,
    OutboxStatus,
    StaffRole,
)
from tests import factories
from tests.integration.conftest import free_port


@pytest.fixture
def customer_id(engine: Engine) -> int:
    with session_factory(engine)() as s:
        customer = factories.customer(s, name="Zoë Ångström", email="Zoe@Example.com")
        s.add(
            LoyaltyAccount(
                customer_id=customer.id,
                tier=LoyaltyTier.GOLD,
                points_balance=1250,
                lifetime_points=3000,
                referral_code="ZOE1",
            )
        )
        s.commit()
        return customer.id


def _outbox(engine: Engine) -> list[EmailOutbox]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(EmailOutbox)))


def test_placeholders_are_filled_and_nothing_else_is_evaluated():
    values = {"first_name": "Zoë", "points_balance": "1,250"}
    assert mail.render("Hi {first_name}: {points_balance}", values) == "Hi Zoë: 1,250"
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        mail.render("{first_name.__class__}", values)
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        mail.render("{0}", values)


def test_an_email_is_delivered_through_a_real_smtp_server_and_marked_sent(
    engine, actors, customer_id, smtp_server
):
    url, inbox = smtp_server
    template = mail.TEMPLATES["loyalty_update"]
    am = actors[StaffRole.ACCOUNT_MANAGER]
    result = actions.send_email(
        am, engine, customer_id, template.subject, template.body, "loyalty_update", smtp_url=url
    )
    assert result.status == OutboxStatus.SENT
    [(recipients, message)] = inbox.messages
    assert recipients == ["zoe@example.com"]
    assert message["Subject"] == "Your GOLD rewards: 1,250 points"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "Hello Zoë," in body and "1,250 points as a GOLD member" in body and am.name in body
    [row] = _outbox(engine)
    assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.error is None
    with session_factory(engine)() as s:
        actions_logged = sorted(s.scalars(select(ActivityLog.action)))
    assert actions_logged == ["email.queued", "email.sent"]


def test_without_an_smtp_server_the_email_is_queued_and_never_reported_sent(
    engine, actors, customer_id
):
    result = actions.send_email(
        actors[StaffRole.ACCOUNT_MANAGER],
        engine,
        customer_id,
        "Hi {first_name}",
        "Body",
        smtp_url=None,
    )
    assert result.status == OutboxStatus.QUEUED
    [row] = _outbox(engine)
    assert (row.status, row.sent_at, row.subject) == (OutboxStatus.QUEUED, None, "Hi Zoë")


def test_an_unreachable_smtp_server_marks_the_email_failed_with_the_error(
    engine, actors, customer_id
):
    url = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    result = actions.send_email(
        actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, "Hi", "Body", smtp_url=url
    )
    assert result.status == OutboxStatus.FAILED and "Connection" in (result.error or "")
    [row] = _outbox(engine)
    assert row.status == OutboxStatus.FAILED and row.error and row.sent_at is None


@pytest.mark.parametrize(
    ("subject", "body"), [("", "Body"), ("Hi", "  "), ("{discount}", "Body"), ("Hi", "{x.y}")]
)
def test_a_bad_email_is_refused_and_nothing_is_stored(engine, actors, customer_id, subject, body):
    with pytest.raises(ValidationError):
        actions.send_email(
            actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, subject, body, smtp_url=None
        )
    assert _outbox(engine) == []
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(ActivityLog)) == 0


def test_a_customer_without_an_email_address_cannot_be_emailed(engine, actors):
    with session_factory(engine)() as s:
        customer = factories.customer(s)
        customer.email = None
        s.commit()
        cid = customer.id
    with pytest.raises(ValidationError, match="no e-mail address"):
        actions.send_email(
            actors[StaffRole.ACCOUNT_MANAGER], engine, cid, "Hi", "Body", smtp_url=None
        )
