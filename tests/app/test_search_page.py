"""The search page: URL-backed search, exact count, paging, selection to profile and compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from c360.db import session_factory
from c360.models import StaffRole
from c360.stats import refresh_customer_stats
from tests import factories
from tests.app.search_apptest import actor, app_copy, database, open_page, texts


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    engine = database(tmp_path, monkeypatch)
    with session_factory(engine)() as s:
        ids = [factories.customer(s, name=f"Zoë Example {i:02d}").id for i in range(30)]
        other = factories.customer(s, name="Bob Other")
        factories.order(s, other, total_cents=12345)
        refresh_customer_stats(s)
        s.commit()
    yield app_copy(tmp_path), actor(engine, StaffRole.ACCOUNT_MANAGER), ids, other.id
    engine.dispose()


def test_a_search_in_the_url_shows_the_exact_count_and_a_page_of_rows(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, ids, _ = setup
    at = open_page(script, who, "search.py", {"q": "zoe", "size": "10"})
    assert not at.exception
    assert "30 customers" in [s.value for s in at.subheader]
    frame = at.dataframe[0].value
    assert len(frame) == 10 and all("Zoë" in n for n in frame["Name"])
    assert "page 1 of 3" in texts(at)
    assert at.text_input[0].value == "zoe"


def test_the_search_form_writes_text_and_filters_to_the_url(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, _, other = setup
    at = open_page(script, who, "search.py")
    at.text_input[0].input("o")
    next(n for n in at.number_input if n.label == "Lifetime value min ($)").set_value(100.0)
    at = at.button(key="FormSubmitter:search_form-Search").click().run()
    assert at.query_params["q"] == "o" and at.query_params["ltv_min"] == "100.0"
    assert "1 customer" in [s.value for s in at.subheader]
    assert list(at.dataframe[0].value["Name"]) == ["Bob Other"]


def test_next_page_moves_through_the_results(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, _, _ = setup
    at = open_page(script, who, "search.py", {"q": "zoe", "size": "25"})
    first = list(at.dataframe[0].value["Name"])
    at = at.button[[b.label for b in at.button].index("Next →")].click().run()
    second = list(at.dataframe[0].value["Name"])
    assert at.query_params["page"] == "2"
    assert len(first) == 25 and len(second) == 5 and not set(first) & set(second)


def test_hostile_text_in_the_url_is_just_searched_for(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, _, _ = setup
    at = open_page(script, who, "search.py", {"q": "'; DROP TABLE customers; -- %_"})
    assert not at.exception and "0 customers" in [s.value for s in at.subheader]
    assert "No customer matches" in texts(at)


def test_bad_filter_values_in_the_url_are_reported_and_ignored(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, _, _ = setup
    at = open_page(script, who, "search.py", {"ltv_min": "lots", "tier": "DIAMOND"})
    assert "Ignored ltv_min" in texts(at) and "Ignored the tier filter" in texts(at)
    assert "31 customers" in [s.value for s in at.subheader]


def test_selecting_two_rows_opens_compare_with_their_ids(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, ids, _ = setup
    at = open_page(script, who, "search.py", {"q": "zoe"})
    picker = at.multiselect(key="search_selection")
    at = picker.select(ids[0]).select(ids[1]).run()
    compare = next(b for b in at.button if b.label == "Compare")
    assert not compare.disabled
    at = compare.click().run()
    assert at.query_params["ids"] == f"{ids[0]},{ids[1]}"
    assert "Compare customers" in [t.value for t in at.title]


def test_selecting_one_row_opens_the_profile(setup) -> None:  # type: ignore[no-untyped-def]
    script, who, ids, _ = setup
    at = open_page(script, who, "search.py", {"q": "zoe"})
    at = at.multiselect(key="search_selection").select(ids[3]).run()
    assert next(b for b in at.button if b.label == "Compare").disabled
    at = next(b for b in at.button if b.label == "Open profile").click().run()
    assert at.query_params["id"] == str(ids[3])
