"""B2: the at-risk worklist, ranked by expected loss = value at stake × churn probability."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from c360.errors import ValidationError
from c360.models import ChurnLevel, ChurnRisk, Customer, HealthScore, StaffRole, StaffUser
from c360.money import money
from c360.permissions import Actor, Permission, require
from c360.scoring.read import churn_factor_texts, is_overdue, latest_fit_params
from c360.scoring.stored import churn_inputs
from c360.views import AtRiskEntry, AtRiskPage

MINE = "mine"
EVERYONE = "all"


def default_scope(actor: Actor) -> str:
    """Account managers start on their own customers; everyone else on the whole base."""
    return MINE if actor.role is StaffRole.ACCOUNT_MANAGER else EVERYONE


def at_risk_worklist(
    actor: Actor,
    session: Session,
    *,
    scope: str | int | None = None,
    levels: tuple[ChurnLevel, ...] = (ChurnLevel.HIGH, ChurnLevel.MEDIUM),
    limit: int = 50,
    offset: int = 0,
) -> AtRiskPage:
    """Customers at risk, largest expected loss first, with the reason for each.

    ``scope``: "mine" (the actor's own customers), "all", or an account manager's staff id.
    """
    require(actor, Permission.VIEW_CUSTOMERS)
    if not 1 <= limit <= 500 or offset < 0:
        raise ValidationError("Page size must be 1-500 and the offset not negative.")
    scope = default_scope(actor) if scope is None else scope
    conditions = [ChurnRisk.level.in_(levels)] if levels else []
    if scope == MINE:
        conditions.append(Customer.account_manager_id == actor.id)
    elif scope != EVERYONE:
        try:
            conditions.append(Customer.account_manager_id == int(scope))
        except (TypeError, ValueError):
            raise ValidationError(f"Unknown worklist scope: {scope!r}.") from None
    base = (
        select(ChurnRisk, Customer.name, StaffUser.name, HealthScore.score)
        .join(Customer, Customer.id == ChurnRisk.customer_id)
        .outerjoin(StaffUser, StaffUser.id == Customer.account_manager_id)
        .outerjoin(HealthScore, HealthScore.customer_id == ChurnRisk.customer_id)
        .where(*conditions)
    )
    rows = session.execute(
        base.order_by(ChurnRisk.expected_loss_cents.desc(), ChurnRisk.customer_id)
        .limit(limit)
        .offset(offset)
    ).all()
    total, total_loss = session.execute(
        select(func.count(), func.coalesce(func.sum(ChurnRisk.expected_loss_cents), 0))
        .select_from(ChurnRisk)
        .join(Customer, Customer.id == ChurnRisk.customer_id)
        .where(*conditions)
    ).one()
    fit_params = session.scalar(select(latest_fit_params()))
    entries = []
    for churn, name, manager, health_score in rows:
        values, terms = churn_inputs(churn.factors, fit_params)
        reasons = churn_factor_texts(values, terms)
        entries.append(
            AtRiskEntry(
                customer_id=churn.customer_id,
                name=name,
                account_manager=manager,
                churn_level=ChurnLevel(churn.level),
                churn_probability=round(float(churn.score) / 100.0, 4),
                value_at_stake=money(churn.value_at_stake_cents),
                expected_loss=money(churn.expected_loss_cents),
                health_score=None if health_score is None else round(float(health_score), 1),
                days_since_last_purchase=churn.days_since_last_purchase,
                overdue_reorder=is_overdue(
                    churn.days_since_last_purchase, values.get("typical_gap_days")
                ),
                reason=reasons[0] if reasons else "",
            )
        )
    return AtRiskPage(
        entries=tuple(entries), total=int(total), total_expected_loss=money(int(total_loss))
    )


def account_managers(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every account manager, for the worklist's scope picker."""
    rows = session.execute(
        select(StaffUser.id, StaffUser.name)
        .where(StaffUser.role == StaffRole.ACCOUNT_MANAGER)
        .order_by(StaffUser.name)
    ).all()
    return [(int(i), str(n)) for i, n in rows]
