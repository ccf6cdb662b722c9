"""Sign-in in a real browser: a deep link shows only the sign-in form, then lands on the
customer; an analyst sees no write action and no unmasked card or contact data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from c360 import models as m
from c360.models import StaffRole
from tests.e2e.conftest import (
    E2E_ACCOUNTS,
    E2E_PASSWORD,
    open_signed_in,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.profile_seed import rich_customer

pytestmark = pytest.mark.e2e
WRITE_ACTIONS = [
    "Send e-mail",
    "Create ticket",
    "Adjust points",
    "Add note",
    "Add a note",
    "Add tag",
]


@pytest.fixture(scope="module")
def grace(seed_database) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A customer with every sensitive field filled; returns its id and raw values."""

    def seed(session):  # type: ignore[no-untyped-def]
        author = session.scalar(
            select(m.StaffUser).where(m.StaffUser.email == E2E_ACCOUNTS[StaffRole.ACCOUNT_MANAGER])
        )
        rich = rich_customer(session, author, name="Grace Gatekeeper")
        customer = session.get(m.Customer, rich.customer_id)
        return {
            "id": rich.customer_id,
            "secrets": [customer.email, customer.phone, "12 Analytical Row", "N1 9GU", "4242"],
        }

    return seed_database(seed)


def _expand_everything(page: Any) -> None:
    for _ in range(3):  # opening one section can render others
        closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
        if closed.count() == 0:
            return
        for _ in range(closed.count()):
            closed.nth(0).click()
            wait_for_app(page)


def test_a_deep_link_shows_only_the_sign_in_form_then_lands_on_the_customer(
    app_url: str, page: Any, grace: dict[str, Any]
) -> None:
    page.goto(f"{app_url}/customer?id={grace['id']}")
    wait_for_app(page)
    assert page.locator('input[type="password"]').first.is_visible()
    body = page.inner_text("body")
    assert "Grace Gatekeeper" not in body
    assert "Lifetime value" not in body
    assert not [s for s in grace["secrets"] if s in body]
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    screenshot(page, "auth-sign-in-deep-link")

    sign_in(page, E2E_ACCOUNTS[StaffRole.ACCOUNT_MANAGER], E2E_PASSWORD)
    page.get_by_text("Grace Gatekeeper").first.wait_for()
    # The header renders before the action bar: wait for the button rather than count at once.
    page.get_by_role("button", name=re.compile("Send e-mail")).first.wait_for()
    assert re.search(rf"/customer\?id={grace['id']}$", page.url)
    assert page.get_by_role("button", name=re.compile("Send e-mail")).count() == 1
    screenshot(page, "auth-after-sign-in-customer")


def test_a_deep_link_as_the_first_visit_after_a_restart_still_signs_in_and_lands_there(
    cold_app_url: str, page: Any, grace: dict[str, Any]
) -> None:
    # Before app.py has run once, Streamlit would run pages/customer.py on its own: the page
    # must hand over to app.py (sign-in form, navigation) and come back after sign-in.
    page.goto(f"{cold_app_url}/customer?id={grace['id']}")
    wait_for_app(page)
    page.locator('input[type="password"]').first.wait_for()
    body = page.inner_text("body")
    assert "Grace Gatekeeper" not in body and "Please sign in to see" not in body
    screenshot(page, "auth-cold-deep-link")

    sign_in(page, E2E_ACCOUNTS[StaffRole.ACCOUNT_MANAGER], E2E_PASSWORD)
    page.get_by_text("Grace Gatekeeper").first.wait_for()
    page.wait_for_url(re.compile(rf"/customer\?id={grace['id']}$"))
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Search").count() == 1


def test_a_wrong_password_keeps_the_form_and_says_so(app_url: str, page: Any) -> None:
    page.goto(f"{app_url}/customer?id=1")
    wait_for_app(page)
    page.get_by_label(re.compile("e-?mail", re.IGNORECASE)).first.fill("nobody@example.com")
    page.locator('input[type="password"]').first.fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(re.compile("e-mail or password is wrong")).wait_for()
    assert page.locator('input[type="password"]').first.is_visible()


def test_an_analyst_sees_no_write_action_and_no_unmasked_card_or_contact_data(
    app_url: str, page: Any, grace: dict[str, Any]
) -> None:
    open_signed_in(page, f"{app_url}/customer?id={grace['id']}", StaffRole.ANALYST)
    page.get_by_text("Grace Gatekeeper").first.wait_for()
    screenshot(page, "auth-analyst-customer-top")
    _expand_everything(page)
    body = page.inner_text("body")
    assert "Lifetime value" in body
    assert [s for s in grace["secrets"] if s in body] == []
    assert "•" in body  # the masked forms are shown instead
    for label in WRITE_ACTIONS:
        assert page.get_by_role("button", name=re.compile(re.escape(label))).count() == 0, label
    screenshot(page, "auth-analyst-customer")

    # The same page for an account manager shows contact data and actions: the checks bite.
    open_signed_in(page, f"{app_url}/customer?id={grace['id']}", StaffRole.ACCOUNT_MANAGER)
    page.get_by_text("Grace Gatekeeper").first.wait_for()
    _expand_everything(page)
    body = page.inner_text("body")
    assert grace["secrets"][0] in body
    assert page.get_by_role("button", name=re.compile("Send e-mail")).count() == 1


def test_an_analyst_reaching_the_audit_page_by_url_is_told_access_denied(
    app_url: str, page: Any
) -> None:
    open_signed_in(page, f"{app_url}/audit", StaffRole.ANALYST)
    page.get_by_text(re.compile("Access denied")).wait_for()
    assert page.get_by_text("Audit log", exact=True).count() == 0
    screenshot(page, "auth-analyst-audit-denied")
