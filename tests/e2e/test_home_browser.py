"""The home page in a real browser: headline numbers and three charts, on desktop and phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import horizontal_overflow, open_signed_in, screenshot

pytestmark = pytest.mark.e2e


def test_the_home_page_shows_five_numbers_and_three_charts(app_url, page) -> None:  # type: ignore[no-untyped-def]
    open_signed_in(page, app_url)
    page.wait_for_selector('[data-testid="stPlotlyChart"]', state="attached", timeout=90_000)
    assert page.locator('[data-testid="stMetric"]').count() == 5
    assert page.get_by_text("Revenue by month").count() == 1
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= 3",
        timeout=90_000,
    )
    screenshot(page, "home-desktop")


def test_the_home_page_fits_a_phone_screen(app_url, phone_page) -> None:  # type: ignore[no-untyped-def]
    open_signed_in(phone_page, app_url)
    phone_page.wait_for_selector('[data-testid="stPlotlyChart"]', state="attached", timeout=90_000)
    screenshot(phone_page, "home-phone")
    assert horizontal_overflow(phone_page) == 0
