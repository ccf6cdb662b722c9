"""The Customer 360 page in a real browser: deep link, open an order, filter the timeline, phone."""

from __future__ import annotations

import re

import pytest

from c360 import models as m
from c360.models import StaffRole
from tests.e2e.conftest import (
    E2E_ACCOUNTS,
    PHONE,
    horizontal_overflow,
    open_signed_in,
    screenshot,
    wait_for_app,
)
from tests.profile_seed import RichCustomer, rich_customer

pytestmark = pytest.mark.e2e
OTHER_KINDS = ("Support", "Loyalty", "Marketing", "Notes", "Tags", "Account changes")


@pytest.fixture(scope="module")
def ada(seed_database) -> RichCustomer:  # type: ignore[no-untyped-def]
    def seed(session):  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        author = session.scalar(
            select(m.StaffUser).where(m.StaffUser.email == E2E_ACCOUNTS[StaffRole.ACCOUNT_MANAGER])
        )
        return rich_customer(session, author, name="Ada Browser-Lovelace")

    return seed_database(seed)


def _section(page, heading: str):  # type: ignore[no-untyped-def]
    title = page.locator(
        "summary [data-testid='stMarkdownContainer']", has_text=re.compile(rf"^{heading}$")
    )
    return page.locator('[data-testid="stExpander"]').filter(has=title)


def _expand(page, heading: str):  # type: ignore[no-untyped-def]
    section = _section(page, heading)
    details = section.locator("details")
    if details.get_attribute("open") is None:
        section.locator("summary").click()
    wait_for_app(page)
    return section


def test_a_deep_link_opens_the_profile_and_an_order_and_filters_the_timeline(app_url, page, ada):  # type: ignore[no-untyped-def]
    open_signed_in(page, f"{app_url}/customer?id={ada.customer_id}", StaffRole.ACCOUNT_MANAGER)
    page.get_by_text("Ada Browser-Lovelace").first.wait_for()
    # Streamlit streams the page: the header can be there before the metric cards.
    page.get_by_text("Lifetime value").first.wait_for(state="visible")
    page.get_by_text(f"${ada.lifetime_value_cents / 100:,.2f}").first.wait_for(state="visible")
    screenshot(page, "customer-desktop")

    orders = _expand(page, "Orders")
    # Typing opens the combobox's list reliably (a click only focuses it on some runs).
    picker = orders.get_by_role("combobox", name="Open an order")
    picker.click()
    picker.fill("R-")
    page.get_by_role("option", name=re.compile(r"^R-")).first.click()
    wait_for_app(page)
    items_heading = orders.locator("strong", has_text=re.compile("^Items$"))
    items_heading.wait_for()
    assert orders.locator("strong", has_text=re.compile("^Payments$")).is_visible()
    assert orders.locator("strong", has_text=re.compile(r"^Order R-")).is_visible()
    items_heading.scroll_into_view_if_needed()
    screenshot(page, "customer-desktop-order")

    timeline = _expand(page, "Timeline")
    for kind in OTHER_KINDS:
        timeline.get_by_role("button", name=re.compile(re.escape(kind))).click()
        wait_for_app(page)
    timeline.get_by_text("Showing 8 of 8 events, newest first").wait_for()
    assert timeline.get_by_text(re.compile(r"Ticket #\d+ opened")).count() == 0
    timeline.get_by_text("Showing 8 of 8 events").scroll_into_view_if_needed()
    screenshot(page, "customer-desktop-timeline")


def test_an_unknown_id_in_the_link_says_so(app_url, page, ada):  # type: ignore[no-untyped-def]
    open_signed_in(page, f"{app_url}/customer?id=99999999")
    page.get_by_text("No customer has the id 99999999").wait_for()


def test_on_a_phone_the_profile_fits_the_screen_and_sections_collapse(app_url, phone_page, ada):  # type: ignore[no-untyped-def]
    open_signed_in(phone_page, f"{app_url}/customer?id={ada.customer_id}")
    phone_page.get_by_text("Ada Browser-Lovelace").first.wait_for()
    assert horizontal_overflow(phone_page) == 0
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone_page, "customer-phone-top")
    for heading in ("Timeline", "Behaviour", "Payments"):
        _expand(phone_page, heading)
        assert horizontal_overflow(phone_page) == 0, heading
    collapsed = _section(phone_page, "Loyalty").locator("details")
    assert collapsed.get_attribute("open") is None
    _section(phone_page, "Timeline").scroll_into_view_if_needed()
    screenshot(phone_page, "customer-phone-timeline")
    summary = _section(phone_page, "Loyalty").locator("summary").bounding_box()
    assert summary is not None and summary["height"] >= 40
