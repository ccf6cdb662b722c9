"""The at-risk worklist (B2): own customers by default, ranked by expected loss, with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from c360 import models as m
from c360.db import session_factory
from c360.errors import PermissionDenied, ValidationError
from c360.permissions import Actor
from c360.scoring import job, worklist
from tests.integration.test_scoring_job import AS_OF, load_purchases


@pytest.fixture
def scored(engine: Engine, actors: dict[m.StaffRole, Actor]) -> tuple[list[int], list[int]]:
    with session_factory(engine)() as session:
        mine = load_purchases(session, actors[m.StaffRole.ACCOUNT_MANAGER].id, customers=80)
        others = load_purchases(session, None, customers=40, seed=9)
    job.run_scoring(engine, AS_OF)
    return mine, others


def test_account_managers_see_their_own_customers_by_default_ranked_by_expected_loss(
    engine: Engine, actors: dict[m.StaffRole, Actor], scored: tuple[list[int], list[int]]
) -> None:
    mine, others = scored
    with session_factory(engine)() as session:
        page = worklist.at_risk_worklist(actors[m.StaffRole.ACCOUNT_MANAGER], session, limit=500)
    assert page.entries and {e.customer_id for e in page.entries} <= set(mine)
    losses = [e.expected_loss for e in page.entries]
    assert losses == sorted(losses, reverse=True)
    for entry in page.entries:
        assert entry.churn_level in (m.ChurnLevel.HIGH, m.ChurnLevel.MEDIUM)
        assert entry.reason
        assert (
            abs(entry.expected_loss - entry.value_at_stake * Decimal(entry.churn_probability)) <= 1
        )
    assert page.total == len(page.entries)
    assert page.total_expected_loss == sum(losses)


def test_others_see_the_whole_base_and_can_pick_one_account_manager(
    engine: Engine, actors: dict[m.StaffRole, Actor], scored: tuple[list[int], list[int]]
) -> None:
    mine, others = scored
    manager = actors[m.StaffRole.MANAGER]
    with session_factory(engine)() as session:
        everyone = worklist.at_risk_worklist(manager, session, limit=500)
        one = worklist.at_risk_worklist(
            manager, session, scope=actors[m.StaffRole.ACCOUNT_MANAGER].id, limit=500
        )
        assert worklist.account_managers(session)[0][0] == actors[m.StaffRole.ACCOUNT_MANAGER].id
    ids = {e.customer_id for e in everyone.entries}
    assert ids & set(others) and ids & set(mine)
    assert {e.customer_id for e in one.entries} <= set(mine)


def test_the_worklist_checks_the_actor_and_its_paging(
    engine: Engine, actors: dict[m.StaffRole, Actor]
) -> None:
    with session_factory(engine)() as session:
        with pytest.raises(PermissionDenied):
            worklist.at_risk_worklist(None, session)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            worklist.at_risk_worklist(actors[m.StaffRole.ANALYST], session, limit=0)
