"""The profile read side: every section of the Customer 360 view from real SQL, per actor."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from c360 import models as m
from c360.db import session_factory
from c360.errors import NotFound, PermissionDenied, ValidationError
from c360.models import StaffRole, utcnow
from c360.permissions import Actor
from c360.profile import build_customer_360, order_detail, orders_page, tickets_page
from tests import factories
from tests.profile_seed import RichCustomer, rich_customer


@pytest.fixture
def rich(engine: Engine, actors: dict[StaffRole, Actor]) -> RichCustomer:
    with session_factory(engine)() as s:
        author = s.get(m.StaffUser, actors[StaffRole.ACCOUNT_MANAGER].id)
        seeded = rich_customer(s, author)
        s.commit()
        return seeded


def test_lifetime_value_equals_the_sum_of_delivered_and_completed_orders(engine, actors, rich):
    view = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id)
    assert view.metrics.lifetime_value == Decimal(rich.lifetime_value_cents) / 100
    assert view.metrics.total_orders == 8
    assert view.metrics.completed_orders == 4
    assert view.metrics.average_order_value == (
        Decimal(rich.lifetime_value_cents) / 100 / 4
    ).quantize(Decimal("0.01"))
    assert view.metrics.days_since_last_purchase is not None
    assert view.metrics.tenure_days == 700


def test_orders_come_newest_first_with_item_counts_and_load_more_reaches_every_order(
    engine, actors, rich
):
    admin = actors[StaffRole.ADMIN]
    first = orders_page(engine, admin, rich.customer_id, limit=3)
    assert [o.created_at for o in first.orders] == sorted(
        (o.created_at for o in first.orders), reverse=True
    )
    assert all(o.item_count == 3 for o in first.orders)
    seen = list(first.orders)
    cursor = first.next_cursor
    while cursor:
        page = orders_page(engine, admin, rich.customer_id, cursor=cursor, limit=3)
        seen.extend(page.orders)
        cursor = page.next_cursor
    assert sorted(o.id for o in seen) == sorted(rich.order_ids)
    assert seen[0].id == rich.order_ids[-1]


def test_an_order_opens_with_its_items_and_payments_but_not_from_another_customer(
    engine, actors, rich
):
    admin = actors[StaffRole.ADMIN]
    detail = order_detail(engine, admin, rich.customer_id, rich.order_ids[0])
    assert [i.quantity for i in detail.items] == [1, 2]
    assert sum(i.total for i in detail.items) == detail.order.total
    assert [p.status for p in detail.payments] == [m.PaymentStatus.SUCCESS]
    with session_factory(engine)() as s:
        other = factories.customer(s, name="Someone Else").id
        s.commit()
    with pytest.raises(NotFound):
        order_detail(engine, admin, other, rich.order_ids[0])


def test_loyalty_shows_progress_to_the_next_tier_and_points_expiring_within_30_days(
    engine, actors, rich
):
    loyalty = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id).loyalty
    assert loyalty is not None
    assert loyalty.tier == m.LoyaltyTier.SILVER
    assert loyalty.next_tier == m.LoyaltyTier.GOLD
    assert loyalty.points_to_next_tier == 1000 - 740
    assert loyalty.progress_to_next_tier == pytest.approx((740 - 300) / (1000 - 300))
    # Welcome bonus (in 10 days) and the last order's points (in 20 days); not the 200-day lot.
    assert loyalty.points_expiring_30d == 100 + 340
    assert loyalty.referral_count == 1
    assert [t.points for t in loyalty.recent_transactions] == [340, -100, 300, 100]


def test_marketing_shows_consents_rates_and_the_last_ten_campaigns(engine, actors, rich):
    marketing = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id).marketing
    assert marketing.consents == {
        m.Channel.EMAIL: True,
        m.Channel.SMS: False,
        m.Channel.PUSH: False,
    }
    assert len(marketing.recent_campaigns) == 10
    assert marketing.messages_sent == 12
    assert marketing.open_rate == pytest.approx(6 / 12)
    assert marketing.click_through_rate == pytest.approx(3 / 12)
    assert marketing.last_campaign_clicked and marketing.last_campaign_clicked.startswith("Spring")
    sent = [c.sent_at for c in marketing.recent_campaigns]
    assert sent == sorted(sent, reverse=True)


def test_support_lists_tickets_newest_first_with_open_count_and_average_resolution(
    engine, actors, rich
):
    support = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id).support
    assert support.total_tickets == 3
    assert support.open_tickets == 1
    assert support.tickets[0].id == rich.open_ticket_id and support.tickets[0].is_open
    assert support.average_resolution_hours == pytest.approx(36.0)
    assert support.average_satisfaction == pytest.approx(4.0)
    more, cursor = tickets_page(engine, actors[StaffRole.ADMIN], rich.customer_id, limit=2)
    assert len(more) == 2 and cursor is not None


def test_payment_details_are_masked_for_roles_that_may_not_see_them(engine, actors, rich):
    manager = build_customer_360(engine, actors[StaffRole.MANAGER], rich.customer_id).payments
    am = build_customer_360(engine, actors[StaffRole.ACCOUNT_MANAGER], rich.customer_id).payments
    assert manager.methods[0].last4 == "4242" and not manager.details_masked
    assert am.methods[0].last4 == "••••" and am.details_masked
    assert "4242" not in am.methods[0].expiry and "4242" not in repr(am)
    assert manager.total_successful > 0
    assert manager.failed_count == 1 and manager.refunded_count == 1
    assert manager.total_refunded == Decimal("70.00") - Decimal("0.01")


def test_contact_fields_and_addresses_are_masked_for_an_analyst(engine, actors, rich):
    analyst = build_customer_360(engine, actors[StaffRole.ANALYST], rich.customer_id).profile
    am = build_customer_360(engine, actors[StaffRole.ACCOUNT_MANAGER], rich.customer_id).profile
    assert am.email and "@example.com" in am.email and am.phone == "+44 20 7946 0958"
    assert analyst.email and "•" in analyst.email and "ada" not in analyst.email
    assert analyst.phone == "•••• 58"
    assert analyst.addresses[0].line1 == "•••" and analyst.addresses[0].city == "London"
    assert am.addresses[0].is_default and am.addresses[0].line1 == "12 Analytical Row"


def test_behaviour_is_aggregated_into_categories_devices_and_a_weekday_hour_grid(
    engine, actors, rich
):
    behaviour = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id).behaviour
    # Three category pages plus five product pages in Garden.
    assert behaviour.most_viewed_categories[0] == ("Garden", 8)
    assert behaviour.most_purchased_categories[0][0] == "Books"
    assert behaviour.session_count == 5
    assert behaviour.average_session_seconds == pytest.approx(360.0)
    assert behaviour.device_breakdown == {"mobile": 3, "desktop": 1, "tablet": 1}
    assert sum(behaviour.activity_heatmap.values()) == 5
    assert all(0 <= d <= 6 and 0 <= h <= 23 for d, h in behaviour.activity_heatmap)


def test_the_heatmap_counts_monday_as_day_zero(engine, actors):
    monday_nine = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    monday_nine -= timedelta(days=monday_nine.weekday())
    with session_factory(engine)() as s:
        c = factories.customer(s)
        s.add(
            m.WebSession(
                customer_id=c.id,
                device=m.Device.DESKTOP,
                started_at=monday_nine,
                duration_seconds=60,
                page_views=1,
                bounced=False,
            )
        )
        s.commit()
        cid = c.id
    behaviour = build_customer_360(engine, actors[StaffRole.ADMIN], cid).behaviour
    assert behaviour.activity_heatmap == {(0, 9): 1}


def test_stored_scores_are_shown_and_missing_ones_stay_missing(engine, actors, rich):
    view = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id)
    assert view.health is not None and view.health.score == 72.5
    assert [f.weight for f in view.health.factors] == [0.3, 0.25, 0.2, 0.25]
    assert view.churn is not None and view.churn.level == m.ChurnLevel.LOW
    with session_factory(engine)() as s:
        cid = factories.customer(s, name="Not Scored").id
        s.commit()
    bare = build_customer_360(engine, actors[StaffRole.ADMIN], cid)
    assert bare.health is None and bare.churn is None and bare.prediction is None


def test_notes_are_shown_only_to_those_allowed_to_read_them(engine, actors, rich):
    def notes(role: StaffRole) -> set[str]:
        view = build_customer_360(engine, actors[role], rich.customer_id)
        return {n.content for n in view.notes}

    assert notes(StaffRole.ANALYST) == {"Prefers e-mail."}
    assert notes(StaffRole.MANAGER) == {"Prefers e-mail.", "Disputed a charge once."}
    assert notes(StaffRole.ACCOUNT_MANAGER) == {
        "Prefers e-mail.",
        "Disputed a charge once.",
        "Call back Tuesday.",
    }


def test_tags_and_segments_of_the_customer_are_in_the_profile(engine, actors, rich):
    profile = build_customer_360(engine, actors[StaffRole.ADMIN], rich.customer_id).profile
    assert [t.name.split()[0] for t in profile.tags] == ["VIP"]
    assert profile.tags[0].assigned_by is not None
    assert [s.criteria for s in profile.segments] == [
        {"and": [{"field": "order_count", "op": "gte", "value": 3}]}
    ]
    assert profile.loyalty_tier == m.LoyaltyTier.SILVER
    assert profile.initials == "AL"


def test_a_customer_with_nothing_but_a_name_gets_empty_sections(engine, actors):
    with session_factory(engine)() as s:
        cid = factories.customer(s, name="Nobody Yet").id
        s.commit()
    view = build_customer_360(engine, actors[StaffRole.ANALYST], cid)
    assert view.metrics.lifetime_value == Decimal("0.00")
    assert view.metrics.days_since_last_purchase is None
    assert view.recent_orders == () and view.orders_next_cursor is None
    assert view.loyalty is None
    assert view.support.total_tickets == 0 and view.support.average_resolution_hours is None
    assert view.marketing.open_rate is None
    assert view.payments.transactions == () and view.payments.methods == ()
    assert view.behaviour.session_count == 0 and view.behaviour.average_session_seconds is None


def test_an_unknown_customer_is_not_found_and_nobody_signed_in_is_refused(engine, actors):
    with pytest.raises(NotFound, match="No customer"):
        build_customer_360(engine, actors[StaffRole.ADMIN], 987654)
    with pytest.raises(PermissionDenied):
        build_customer_360(engine, None, 1)  # type: ignore[arg-type]


def test_a_tampered_page_cursor_is_refused_with_a_clear_message(engine, actors, rich):
    with pytest.raises(ValidationError, match="not valid"):
        orders_page(engine, actors[StaffRole.ADMIN], rich.customer_id, cursor="bm9wZQ")
