"""Profile section (R1): who the customer is, plus the stored health, churn and prediction rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from c360 import models as m
from c360.errors import NotFound
from c360.permissions import Actor, Field, mask_email, mask_phone, mask_text
from c360.scoring.read import churn_view, health_view, latest_fit_params
from c360.views import (
    AddressView,
    ChurnRisk,
    CustomerProfile,
    HealthScore,
    Segment,
    Tag,
)


@dataclass(frozen=True)
class ProfileCore:
    """The customer row with its one-per-customer companions (one statement)."""

    profile: CustomerProfile
    health: HealthScore | None
    churn: ChurnRisk | None
    prediction_row: m.Prediction | None  # a view once the live days since the last order are known


def initials(name: str) -> str:
    """Up to two initials of ``name`` ("Ada Lovelace" -> "AL"; "" -> "?")."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def load_core(session: Session, actor: Actor, customer_id: int) -> ProfileCore:
    """Customer, account manager, loyalty tier and the stored scores, in one statement."""
    manager = aliased(m.StaffUser)
    row = session.execute(
        select(
            m.Customer,
            manager.name,
            m.LoyaltyAccount.tier,
            m.HealthScore,
            m.ChurnRisk,
            m.Prediction,
            latest_fit_params(),
        )
        .outerjoin(manager, manager.id == m.Customer.account_manager_id)
        .outerjoin(m.LoyaltyAccount, m.LoyaltyAccount.customer_id == m.Customer.id)
        .outerjoin(m.HealthScore, m.HealthScore.customer_id == m.Customer.id)
        .outerjoin(m.ChurnRisk, m.ChurnRisk.customer_id == m.Customer.id)
        .outerjoin(m.Prediction, m.Prediction.customer_id == m.Customer.id)
        .where(m.Customer.id == customer_id)
    ).first()
    if row is None:
        raise NotFound(f"No customer has the id {customer_id}.")
    customer, manager_name, tier, health, churn, prediction, fit_params = row
    profile = CustomerProfile(
        id=customer.id,
        external_id=customer.external_id,
        name=customer.name,
        initials=initials(customer.name),
        email=customer.email if actor.sees(Field.EMAIL) else mask_email(customer.email),
        phone=customer.phone if actor.sees(Field.PHONE) else mask_phone(customer.phone),
        avatar_url=customer.avatar_url,
        registered_at=customer.registered_at,
        status=customer.status,
        account_manager=manager_name,
        loyalty_tier=tier,
    )
    return ProfileCore(
        profile=profile,
        health=health_view(health, fit_params) if health is not None else None,
        churn=churn_view(churn, fit_params) if churn is not None else None,
        prediction_row=prediction,
    )


def load_addresses(session: Session, actor: Actor, customer_id: int) -> tuple[AddressView, ...]:
    """Every saved address, default first; street and postcode masked unless allowed."""
    rows = session.scalars(
        select(m.Address)
        .where(m.Address.customer_id == customer_id)
        .order_by(m.Address.is_default.desc(), m.Address.id)
    ).all()
    visible = actor.sees(Field.ADDRESS)
    return tuple(
        AddressView(
            id=a.id,
            label=a.label,
            line1=a.line1 if visible else (mask_text(a.line1) or ""),
            line2=a.line2 if visible else mask_text(a.line2),
            city=a.city,
            postal_code=a.postal_code if visible else (mask_text(a.postal_code) or ""),
            country=a.country,
            is_default=a.is_default,
        )
        for a in rows
    )


def load_tags(session: Session, customer_id: int) -> tuple[Tag, ...]:
    """The customer's tags with who assigned them and when, alphabetical."""
    rows = session.execute(
        select(m.Tag, m.CustomerTag.assigned_at, m.StaffUser.name)
        .join(m.CustomerTag, m.CustomerTag.tag_id == m.Tag.id)
        .outerjoin(m.StaffUser, m.StaffUser.id == m.CustomerTag.assigned_by_id)
        .where(m.CustomerTag.customer_id == customer_id)
        .order_by(m.Tag.name)
    ).all()
    return tuple(
        Tag(
            id=tag.id,
            name=tag.name,
            color=tag.color,
            description=tag.description,
            assigned_at=assigned_at,
            assigned_by=assigned_by,
        )
        for tag, assigned_at, assigned_by in rows
    )


def load_segments(session: Session, customer_id: int) -> tuple[Segment, ...]:
    """The customer's segments with their criteria and when they joined, alphabetical."""
    rows = session.execute(
        select(m.Segment, m.CustomerSegment.assigned_at)
        .join(m.CustomerSegment, m.CustomerSegment.segment_id == m.Segment.id)
        .where(m.CustomerSegment.customer_id == customer_id)
        .order_by(m.Segment.name)
    ).all()
    return tuple(
        Segment(
            id=seg.id,
            name=seg.name,
            description=seg.description,
            criteria=seg.criteria or {},
            is_automatic=seg.is_automatic,
            assigned_at=assigned_at,
            is_builtin=seg.is_builtin,
        )
        for seg, assigned_at in rows
    )
