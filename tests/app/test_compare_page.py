"""The compare page: 2–3 customers from the URL, differences marked, limits explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from c360.db import session_factory
from c360.models import HealthLevel, HealthScore, StaffRole
from tests import factories
from tests.app.search_apptest import actor, app_copy, database, open_page, plotly_specs, texts


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    engine = database(tmp_path, monkeypatch)
    with session_factory(engine)() as s:
        a = factories.customer(s, name="Alice Able")
        b = factories.customer(s, name="Bruno Baker")
        c = factories.customer(s, name="Chloé Cole")
        d = factories.customer(s, name="Dan Dale")
        factories.order(s, a, total_cents=10000)
        factories.order(s, b, total_cents=2000)
        s.add(
            HealthScore(
                customer_id=a.id,
                score=75,
                purchase_score=80,
                engagement_score=60,
                support_score=90,
                recency_score=70,
                level=HealthLevel.GOOD,
            )
        )
        s.commit()
        ids = [a.id, b.id, c.id, d.id]
    yield app_copy(tmp_path), actor(engine, StaffRole.ANALYST), ids
    engine.dispose()


def test_two_customers_side_by_side_with_the_better_value_marked(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, ids = setup
    at = open_page(script, who, "compare.py", {"ids": f"{ids[0]},{ids[1]}"})
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["Alice Able", "Bruno Baker"]
    table = at.dataframe[0].value
    assert list(table.loc["Lifetime value"]) == ["$100.00", "$20.00"]
    styles = str(at.dataframe[0].proto.arrow_data.styler)
    assert "d1fae5" in styles  # the best value is highlighted
    radar = next(spec for spec in plotly_specs(at) if spec["data"][0]["type"] == "scatterpolar")
    assert [t["name"] for t in radar["data"]] == ["Alice Able"]
    assert "Bruno Baker: health not scored yet." in texts(at)
    spend = next(spec for spec in plotly_specs(at) if spec["data"][0]["type"] == "scatter")
    assert [t["name"] for t in spend["data"]] == ["Alice Able", "Bruno Baker"]


def test_three_are_allowed_and_four_get_a_clear_message(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, ids = setup
    three = open_page(script, who, "compare.py", {"ids": ",".join(map(str, ids[:3]))})
    assert len(three.dataframe[0].value.columns) == 3
    four = open_page(script, who, "compare.py", {"ids": ",".join(map(str, ids))})
    assert "at most 3 customers" in texts(four)
    one = open_page(script, who, "compare.py", {"ids": str(ids[0])})
    assert "Select 2 or 3" in texts(one)


def test_each_customer_has_a_way_back_to_the_single_view(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, ids = setup
    at = open_page(script, who, "compare.py", {"ids": f"{ids[0]},{ids[1]}"})
    at = at.button(key=f"open_{ids[1]}").click().run()
    assert at.query_params["id"] == str(ids[1])
