"""Masking per role across every read that shows a customer: profile, search, compare, export."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from c360.compare import compare_customers
from c360.db import session_factory, transaction
from c360.export.csv import export_csv
from c360.models import Address, PaymentMethod, PaymentMethodType, PaymentStatus, StaffRole
from c360.models import PaymentTransaction as Payment
from c360.permissions import Actor, Field
from c360.profile import build_customer_360
from c360.search import search_customers
from c360.views import CustomerSearchParams
from tests import factories

# Values that must never leak to a role whose allow-list lacks the field.
SECRETS = {
    Field.EMAIL: ["ada.secret@example.org"],
    Field.PHONE: ["+44 20 7946 0958", "442079460958"],
    Field.ADDRESS: ["221B Baker Street", "NW1 6XE"],
    Field.PAYMENT_DETAILS: ["4821", "08/2031"],
}


@dataclass
class Sensitive:
    customer_id: int
    other_id: int


@pytest.fixture
def sensitive(engine: Engine) -> Sensitive:
    with transaction(engine) as s:
        c = factories.customer(
            s, name="Ada Secret", email=SECRETS[Field.EMAIL][0], phone=SECRETS[Field.PHONE][0]
        )
        factories.order(s, c, total_cents=12_345)
        s.add(
            Address(
                customer_id=c.id,
                label="home",
                line1=SECRETS[Field.ADDRESS][0],
                city="London",
                postal_code=SECRETS[Field.ADDRESS][1],
                country="GB",
                is_default=True,
            )
        )
        method = PaymentMethod(
            customer_id=c.id,
            type=PaymentMethodType.CARD,
            brand="visa",
            last4="4821",
            exp_month=8,
            exp_year=2031,
            is_default=True,
        )
        s.add(method)
        s.flush()
        s.add(
            Payment(
                customer_id=c.id,
                payment_method_id=method.id,
                amount_cents=12_345,
                status=PaymentStatus.SUCCESS,
                method="visa •••• 4821",
            )
        )
        other = factories.customer(s, name="Other Person")
        return Sensitive(c.id, other.id)


def _leaks(text: str, role: StaffRole) -> dict[Field, list[str]]:
    actor = Actor(id=0, name="", email="", role=role)
    return {
        field: [v for v in values if v in text]
        for field, values in SECRETS.items()
        if not actor.sees(field) and any(v in text for v in values)
    }


def _shown(text: str, field: Field) -> bool:
    return SECRETS[field][0] in text


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
def test_the_360_view_masks_every_field_the_role_may_not_see(
    engine: Engine, actors: dict[StaffRole, Actor], sensitive: Sensitive, role: StaffRole
) -> None:
    actor = actors[role]
    text = repr(build_customer_360(engine, actor, sensitive.customer_id))
    assert _leaks(text, role) == {}
    for field in Field:
        if actor.sees(field):
            assert _shown(text, field), f"{role} should see {field}"
    assert "Ada Secret" in text  # the name itself is not a masked field


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
def test_search_results_mask_contact_details_by_role(
    engine: Engine, actors: dict[StaffRole, Actor], sensitive: Sensitive, role: StaffRole
) -> None:
    with session_factory(engine)() as s:
        result = search_customers(actors[role], s, CustomerSearchParams(query="Ada Secret"))
    assert result.total == 1
    text = repr(result)
    assert _leaks(text, role) == {}
    assert _shown(text, Field.EMAIL) is actors[role].sees(Field.EMAIL)


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
def test_a_comparison_leaks_no_masked_field(
    engine: Engine, actors: dict[StaffRole, Actor], sensitive: Sensitive, role: StaffRole
) -> None:
    with session_factory(engine)() as s:
        text = repr(compare_customers(actors[role], s, [sensitive.customer_id, sensitive.other_id]))
    assert _leaks(text, role) == {}


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
def test_an_exported_csv_leaks_no_masked_field(
    engine: Engine, actors: dict[StaffRole, Actor], sensitive: Sensitive, role: StaffRole
) -> None:
    export = export_csv(actors[role], engine, sensitive.customer_id)
    assert _leaks(export.content.decode("utf-8"), role) == {}
