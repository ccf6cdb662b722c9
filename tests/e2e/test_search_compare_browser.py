"""Search → select two → compare, in a real browser; plus the segments and portfolio pages."""

from __future__ import annotations

import re

import pytest

from c360.models import StaffRole
from c360.stats import refresh_customer_stats
from tests import factories
from tests.e2e.conftest import E2E_ACCOUNTS, screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e
# The machine is shared; give slow runs room rather than fail on a busy moment.
SLOW_MS = 60_000


@pytest.fixture(autouse=True)
def _patient(page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(SLOW_MS)


@pytest.fixture(scope="module")
def pair(seed_database) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    def seed(session):  # type: ignore[no-untyped-def]
        first = factories.customer(session, name="Quentin Zyxwv Browser")
        second = factories.customer(session, name="Quinn Zyxwv Browser")
        factories.order(session, first, total_cents=12000)
        factories.order(session, second, total_cents=3000)
        refresh_customer_stats(session, [first.id, second.id])
        return first.id, second.id

    return seed_database(seed)


def open_signed_in(page, url: str, role: StaffRole) -> None:  # type: ignore[no-untyped-def]
    """Like the shared helper, but waits for the sign-in form first (it can render late)."""
    page.goto(url)
    page.locator('input[type="password"]').wait_for()
    sign_in(page, E2E_ACCOUNTS[role])


def _pick(page, label: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Selected customers")
    box.locator("input").click()
    page.get_by_role("option", name=re.compile(re.escape(label))).click()
    page.keyboard.press("Escape")  # close the drop-down, which hides the rest from the a11y tree
    wait_for_app(page)


def test_search_then_select_two_then_compare(app_url, page, pair) -> None:  # type: ignore[no-untyped-def]
    first, second = pair
    open_signed_in(page, f"{app_url}/search?q=zyxwv", StaffRole.ACCOUNT_MANAGER)
    page.get_by_text("2 customers").first.wait_for()
    screenshot(page, "search-results")
    _pick(page, f"Quentin Zyxwv Browser (#{first})")
    _pick(page, f"Quinn Zyxwv Browser (#{second})")
    screenshot(page, "search-two-selected")
    compare = page.get_by_role("button", name="Compare")
    assert compare.is_enabled()
    compare.click()
    page.get_by_role("heading", name="Compare customers").wait_for()
    wait_for_app(page)
    assert re.search(rf"ids={first}(%2C|,){second}", page.url)
    page.get_by_text("Monthly spend").first.wait_for(state="visible")
    assert page.get_by_role("button", name="Open single view").count() == 2
    screenshot(page, "compare-two")


def test_a_shared_search_link_keeps_its_filters(app_url, page, pair) -> None:  # type: ignore[no-untyped-def]
    open_signed_in(page, f"{app_url}/search?q=zyxwv&ltv_min=100", StaffRole.ANALYST)
    page.get_by_text("1 customer").first.wait_for()
    assert page.get_by_role("textbox", name="Search").input_value() == "zyxwv"


def test_segments_and_portfolio_pages_render_for_a_manager(app_url, page) -> None:  # type: ignore[no-untyped-def]
    open_signed_in(page, f"{app_url}/segments", StaffRole.MANAGER)
    page.get_by_role("heading", name="Segment builder").wait_for()
    page.get_by_text("Matching customers now").first.wait_for()
    screenshot(page, "segments")
    open_signed_in(page, f"{app_url}/portfolio", StaffRole.MANAGER)
    page.get_by_text("Revenue at risk").first.wait_for()
    wait_for_app(page)
    screenshot(page, "portfolio")
