"""The Customer 360 page in AppTest: every section renders, deep links, empty and bad states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from c360 import models as m
from c360.db import make_engine, session_factory
from c360.demo import load_demo_data
from c360.migrate import upgrade
from c360.models import StaffRole
from c360.permissions import Actor
from tests import factories
from tests.app import with_absolute_pages
from tests.profile_seed import RichCustomer, rich_customer

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "customer.py")
SECTION_HEADINGS = [
    "Why these scores, predictions and score history",
    "Segments",
    "Addresses",
    "Orders",
    "Loyalty",
    "Marketing",
    "Support",
    "Payments",
    "Timeline",
    "Behaviour",
]


@pytest.fixture
def app_script(tmp_path: Path) -> Path:
    """app.py copied away from pages/ with absolute page paths (see tests/app/test_auth_gate.py)."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    copy = tmp_path / "app.py"
    copy.write_text(with_absolute_pages(source), encoding="utf-8")
    return copy


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'page.sqlite3'}"
    monkeypatch.setenv("C360_DATABASE_URL", url)
    monkeypatch.setenv("C360_DEMO", "off")
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def people(database: Engine) -> dict[StaffRole, Actor]:
    with session_factory(database)() as s:
        made = {role: factories.staff(s, role) for role in StaffRole}
        s.commit()
        return {role: factories.actor_of(user) for role, user in made.items()}


@pytest.fixture
def rich(database: Engine, people: dict[StaffRole, Actor]) -> RichCustomer:
    with session_factory(database)() as s:
        seeded = rich_customer(s, s.get(m.StaffUser, people[StaffRole.ACCOUNT_MANAGER].id))
        s.commit()
        return seeded


def open_page(script: Path, actor: Actor, customer_id: object | None) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state["actor"] = actor
    if customer_id is not None:
        at.query_params["id"] = str(customer_id)
    return at.switch_page(PAGE).run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def test_every_section_renders_for_a_rich_customer_with_lifetime_value_first(
    app_script, people, rich
):
    at = open_page(app_script, people[StaffRole.ACCOUNT_MANAGER], rich.customer_id)
    assert not at.exception
    assert [e.label for e in at.expander] == SECTION_HEADINGS
    assert at.metric[0].label == "Lifetime value"
    assert at.metric[0].value == f"${rich.lifetime_value_cents / 100:,.2f}"
    titles = [
        json.loads(c.proto.spec)["data"][0].get("title", {}).get("text", "")
        for c in at.get("plotly_chart")
    ]
    assert any(t.startswith("Health") for t in titles) and any(
        t.startswith("Churn") for t in titles
    )
    assert any("open support ticket" in w for w in texts(at, "warning"))
    assert any("Ada Lovelace" in x.value for x in at.markdown)


def test_every_section_renders_for_a_rich_demo_customer(app_script, database, people):
    load_demo_data(database, 40, seed=7)
    with session_factory(database)() as s:
        busiest = s.execute(
            select(m.Order.customer_id, func.count().label("n"))
            .group_by(m.Order.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()[0]
    at = open_page(app_script, people[StaffRole.ADMIN], busiest)
    assert not at.exception
    assert [e.label for e in at.expander] == SECTION_HEADINGS
    assert at.metric[0].label == "Lifetime value"


def test_a_customer_with_nothing_but_a_name_gets_useful_empty_states(app_script, database, people):
    with session_factory(database)() as s:
        cid = factories.customer(s, name="Only A Name").id
        s.commit()
    at = open_page(app_script, people[StaffRole.ANALYST], cid)
    assert not at.exception
    assert [e.label for e in at.expander] == SECTION_HEADINGS
    info = " ".join(texts(at, "info"))
    for expected in (
        "Not scored yet",
        "No orders yet",
        "Not a member of the loyalty",
        "No campaigns sent",
        "No support tickets",
        "No payment transactions",
        "No web sessions",
        "Nothing happened",
    ):
        assert expected in info
    assert at.metric[0].value == "$0.00"


def test_opening_an_order_shows_its_items_and_payments(app_script, people, rich):
    at = open_page(app_script, people[StaffRole.ADMIN], rich.customer_id)
    picker = at.selectbox(key=f"c360_profile_{rich.customer_id}_order_choice")
    newest = picker.options[1]
    assert newest.startswith("R-")
    at = picker.select(newest).run()
    assert not at.exception
    shown = " ".join(x.value for x in at.markdown)
    assert "**Items**" in shown and "**Payments**" in shown
    item_frames = [df.value for df in at.dataframe if "Product" in df.value.columns]
    assert item_frames and list(item_frames[0]["Qty"]) == [1, 2]


def test_filtering_the_timeline_by_type_shows_only_that_type(app_script, people, rich):
    at = open_page(app_script, people[StaffRole.ADMIN], rich.customer_id)
    kinds = at.button_group(key=f"c360_profile_{rich.customer_id}_timeline_kinds")
    at = kinds.set_value(["order"]).run()
    assert not at.exception
    stream = " ".join(x.value for x in at.markdown if 'class="c360-event"' in x.value)
    assert stream.count('class="c360-event"') == 8
    assert "🛒 Orders ·" in stream
    assert not any(f"{other} ·" in stream for other in ("Support", "Loyalty", "Marketing"))
    assert any("Showing 8 of 8 events" in c.value for c in at.caption)


def test_an_analyst_sees_masked_contact_and_payment_details(app_script, people, rich):
    at = open_page(app_script, people[StaffRole.ANALYST], rich.customer_id)
    assert not at.exception
    assert "4242" not in " ".join(x.value for x in at.markdown)
    assert any("hidden for your role" in c.value for c in at.caption)
    assert all("ada." not in t.value for t in at.text)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("987654", "No customer has the id 987654"), ("abc", "is not a customer id")],
)
def test_an_unknown_or_invalid_id_gives_a_clear_message_and_a_picker(
    app_script, people, rich, raw, message
):
    at = open_page(app_script, people[StaffRole.ADMIN], raw)
    assert not at.exception
    assert any(message in e for e in texts(at, "error"))
    assert at.text_input(key="c360_profile_picker")


def test_without_an_id_the_page_offers_a_search_that_opens_the_customer(app_script, people, rich):
    at = open_page(app_script, people[StaffRole.ADMIN], None)
    assert not at.exception
    at = at.text_input(key="c360_profile_picker").input("Lovelace").run()
    at = at.button(key=f"c360_pick_{rich.customer_id}").click().run()
    assert not at.exception
    assert at.query_params["id"] == [str(rich.customer_id)] or at.query_params["id"] == str(
        rich.customer_id
    )
    assert [e.label for e in at.expander] == SECTION_HEADINGS
