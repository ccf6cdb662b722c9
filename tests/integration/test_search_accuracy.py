"""Search finds exactly the customers that match every filter, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from c360.db import session_factory
from c360.errors import PermissionDenied, ValidationError
from c360.models import ChurnLevel, HealthLevel, LoyaltyTier, StaffRole, utcnow
from c360.permissions import Actor
from c360.search import SORT_LABELS, search_customers
from c360.views import CustomerSearchParams
from tests import factories
from tests.segment_world import build_world, load_facts, reference_search

ADMIN = Actor(id=1, name="Admin", email="admin@example.com", role=StaffRole.ADMIN)
HOSTILE = [
    "'",
    '"',
    "'; DROP TABLE customers; --",
    "' OR '1'='1",
    "%",
    "_",
    "%_%",
    "\\",
    "back\\slash",
    "100%",
    "under_score",
    "🙂",
    "🙂 emoji",
    "\x00",
    "a\x00b",
    "Robert'); DELETE FROM orders;--",
]


def _all_ids(session, params: CustomerSearchParams) -> tuple[set[int], int]:  # type: ignore[no-untyped-def]
    """Every id over all pages (largest pages), plus the reported total."""
    ids: set[int] = set()
    page = 1
    while True:
        result = search_customers(ADMIN, session, replace(params, page=page, page_size=100))
        ids |= {row.id for row in result.rows}
        if page >= result.pages:
            return ids, result.total
        page += 1


def _queries(facts) -> st.SearchStrategy[str]:  # type: ignore[no-untyped-def]
    names = sorted({f.name for f in facts.values()})
    fragments = [n.split()[0][1:4] for n in names] + [n.split()[1].upper() for n in names]
    emails = [f.email.upper() for f in facts.values() if f.email][:10]
    orders = sorted({o for f in facts.values() for o in f.order_numbers})[:10]
    phones = [f.phone_digits for f in facts.values() if f.phone_digits][:5]
    formatted = [f"+{p[0]} ({p[1:4]}) {p[4:7]}-{p[7:]}" for p in phones]
    return st.one_of(
        st.just(""),
        st.sampled_from(fragments + emails + orders + [o.lower() for o in orders]),
        st.sampled_from(phones + formatted + HOSTILE),
        st.text(max_size=6),
    )


def _params(facts, world_segments, world_tags) -> st.SearchStrategy[CustomerSearchParams]:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    days = st.none() | st.integers(-5, 1600).map(lambda n: today - timedelta(days=n))
    money = st.none() | st.sampled_from(
        [Decimal(v) for v in ("0", "9.99", "25", "50.005", "150", "1000")]
    )
    counts = st.none() | st.integers(0, 8)
    return st.builds(
        CustomerSearchParams,
        query=_queries(facts),
        segment_ids=st.lists(st.sampled_from(world_segments), max_size=2).map(tuple),
        tag_ids=st.lists(st.sampled_from(world_tags), max_size=2).map(tuple),
        tiers=st.lists(st.sampled_from(list(LoyaltyTier)), max_size=2).map(tuple),
        health_levels=st.lists(st.sampled_from(list(HealthLevel)), max_size=2).map(tuple),
        churn_levels=st.lists(st.sampled_from(list(ChurnLevel)), max_size=2).map(tuple),
        registered_from=days,
        registered_to=days,
        last_purchase_from=days,
        last_purchase_to=days,
        ltv_min=money,
        ltv_max=money,
        orders_min=counts,
        orders_max=counts,
        sort=st.sampled_from(sorted(SORT_LABELS)),
        descending=st.booleans(),
    ).filter(_ordered_ranges)


def _ordered_ranges(p: CustomerSearchParams) -> bool:
    pairs = [
        (p.registered_from, p.registered_to),
        (p.last_purchase_from, p.last_purchase_to),
        (p.ltv_min, p.ltv_max),
        (p.orders_min, p.orders_max),
    ]
    return all(a is None or b is None or a <= b for a, b in pairs)


def test_every_result_matches_every_filter_and_no_match_is_missed(engine: Engine) -> None:
    build_world(engine, customers=70, seed=7)
    facts = load_facts(engine)
    segment_ids = sorted({s for f in facts.values() for s in f.segment_ids})
    tag_ids = sorted({t for f in facts.values() for t in f.tag_ids})

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(params=_params(facts, segment_ids, tag_ids))
    def check(params: CustomerSearchParams) -> None:
        with session_factory(engine)() as session:
            found, total = _all_ids(session, params)
        expected = reference_search(facts, params)
        assert found == expected
        assert total == len(expected)

    check()


def test_pages_are_sorted_disjoint_and_add_up_to_the_count(engine: Engine) -> None:
    build_world(engine, customers=45, seed=3)
    with session_factory(engine)() as session:
        for sort in SORT_LABELS:
            for descending in (False, True):
                params = CustomerSearchParams(sort=sort, descending=descending, page_size=10)
                rows = []
                for page in range(1, 6):
                    result = search_customers(ADMIN, session, replace(params, page=page))
                    assert result.total == 45 and result.pages == 5
                    rows.extend(result.rows)
                assert len({r.id for r in rows}) == 45
                key = {
                    "name": lambda r: None,
                    "registered_at": lambda r: r.registered_at,
                    "lifetime_value": lambda r: r.lifetime_value,
                    "order_count": lambda r: r.order_count,
                    "last_order_at": lambda r: r.last_order_at,
                    "health_score": lambda r: r.health_score,
                    "churn_score": lambda r: r.churn_score,
                }[sort]
                values = [key(r) for r in rows if key(r) is not None]
                assert values == sorted(values, reverse=descending)
                # Empty values come last whichever way the column is sorted.
                empties = [key(r) is None for r in rows]
                assert empties == sorted(empties)


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_text_is_only_text(engine: Engine, query: str) -> None:
    with session_factory(engine)() as s:
        literal = factories.customer(s, name=f"Weird {query.replace(chr(0), '')} Name")
        factories.customer(s, name="Plain Person")
        s.commit()
    with session_factory(engine)() as s:
        result = search_customers(ADMIN, s, CustomerSearchParams(query=query))
        total_after = search_customers(ADMIN, s, CustomerSearchParams()).total
    cleaned = query.replace("\x00", "").strip()
    if cleaned:
        assert [r.id for r in result.rows] == [literal.id]
    assert total_after == 2  # nothing was dropped or changed


@pytest.mark.parametrize("query", ["zoe", "ZOË", "Zoe Ang", "ångström", "ANGSTROM zoë", "öe ån"])
def test_name_search_ignores_case_and_accents(engine: Engine, query: str) -> None:
    with session_factory(engine)() as s:
        zoe = factories.customer(s, name="Zoë Ångström")
        factories.customer(s, name="Zack Anderson")
        s.commit()
        result = search_customers(ADMIN, s, CustomerSearchParams(query=query))
    assert [r.id for r in result.rows] == [zoe.id]


@pytest.mark.parametrize(
    "query",
    ["+1 (555) 010-2030", "15550102030", "1-555-010-2030", "1.555.010.2030", " 1 555 0102030 "],
)
def test_phone_search_ignores_formatting(engine: Engine, query: str) -> None:
    with session_factory(engine)() as s:
        target = factories.customer(s, name="Phone Owner", phone="+1 555 010 2030")
        factories.customer(s, name="Other", phone="+44 20 7946 0000")
        s.commit()
        result = search_customers(ADMIN, s, CustomerSearchParams(query=query))
    assert [r.id for r in result.rows] == [target.id]


def test_order_number_and_exact_email_find_their_customer(engine: Engine) -> None:
    with session_factory(engine)() as s:
        buyer = factories.customer(s, name="Buyer", email="Buyer.One@Example.com")
        other = factories.customer(s, name="Other")
        order = factories.order(s, buyer)
        factories.order(s, other)
        s.commit()
        by_number = search_customers(ADMIN, s, CustomerSearchParams(query=order.order_number))
        lower = search_customers(ADMIN, s, CustomerSearchParams(query=order.order_number.lower()))
        by_email = search_customers(ADMIN, s, CustomerSearchParams(query="BUYER.ONE@example.COM"))
    assert [r.id for r in by_number.rows] == [buyer.id]
    assert [r.id for r in lower.rows] == [buyer.id]
    assert [r.id for r in by_email.rows] == [buyer.id]


def test_a_whole_email_address_is_not_also_matched_against_names(engine: Engine) -> None:
    with session_factory(engine)() as s:
        owner = factories.customer(s, name="Ann Lee", email="ann@example.com")
        factories.customer(s, name="Annabel Example Com", email="other@example.org")
        s.commit()
        whole = search_customers(ADMIN, s, CustomerSearchParams(query="ann@example.com"))
        unknown = search_customers(ADMIN, s, CustomerSearchParams(query="nobody@example.com"))
    assert [r.id for r in whole.rows] == [owner.id]
    assert unknown.total == 0


def test_customers_without_orders_count_as_zero_value_and_zero_orders(engine: Engine) -> None:
    with session_factory(engine)() as s:
        newcomer = factories.customer(s, name="Newcomer")
        s.commit()
        zero = search_customers(ADMIN, s, CustomerSearchParams(ltv_max=Decimal(0), orders_max=0))
        bought = search_customers(
            ADMIN, s, CustomerSearchParams(last_purchase_from=date(2000, 1, 1))
        )
    assert [r.id for r in zero.rows] == [newcomer.id]
    assert zero.rows[0].lifetime_value == 0 and zero.rows[0].last_order_at is None
    assert bought.total == 0


def test_unscored_customers_simply_match_no_health_or_churn_filter(engine: Engine) -> None:
    with session_factory(engine)() as s:
        factories.customer(s)
        s.commit()
        result = search_customers(ADMIN, s, CustomerSearchParams(health_levels=(HealthLevel.POOR,)))
        churn = search_customers(ADMIN, s, CustomerSearchParams(churn_levels=(ChurnLevel.HIGH,)))
    assert result.total == 0 and churn.total == 0


def test_analysts_see_masked_contact_details(engine: Engine, actors) -> None:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s:
        factories.customer(s, name="Masked", email="masked@example.com", phone="+1 555 010 9999")
        s.commit()
        analyst = search_customers(actors[StaffRole.ANALYST], s, CustomerSearchParams())
        manager = search_customers(actors[StaffRole.ACCOUNT_MANAGER], s, CustomerSearchParams())
    assert analyst.rows[0].email != "masked@example.com" and "•" in analyst.rows[0].email
    assert analyst.rows[0].phone == "•••• 99"
    assert manager.rows[0].email == "masked@example.com"


def test_search_refuses_contradictory_ranges_and_signed_out_callers(engine: Engine) -> None:
    with session_factory(engine)() as s:
        with pytest.raises(ValidationError, match="Lifetime value"):
            search_customers(
                ADMIN, s, CustomerSearchParams(ltv_min=Decimal(10), ltv_max=Decimal(5))
            )
        with pytest.raises(ValidationError, match="at most 200"):
            search_customers(ADMIN, s, CustomerSearchParams(query="x" * 201))
        with pytest.raises(PermissionDenied):
            search_customers(None, s, CustomerSearchParams())  # type: ignore[arg-type]


def test_a_page_past_the_end_shows_the_last_page(engine: Engine) -> None:
    with session_factory(engine)() as s:
        for _ in range(3):
            factories.customer(s)
        s.commit()
        result = search_customers(ADMIN, s, CustomerSearchParams(page=9, page_size=2))
    assert result.page == 2 and len(result.rows) == 1
    assert result.total == 3


def test_no_match_is_an_empty_first_page_with_a_count_of_zero(engine: Engine) -> None:
    with session_factory(engine)() as s:
        factories.customer(s, name="Zed")
        s.commit()
        result = search_customers(ADMIN, s, CustomerSearchParams(query="nobody", page=3))
    assert (result.total, result.page, result.pages, result.rows) == (0, 1, 1, ())
