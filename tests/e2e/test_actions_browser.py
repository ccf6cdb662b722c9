"""Real browser: a quick action in its dialog updates the profile at once; the PDF builds."""

from __future__ import annotations

import time

import pytest

from c360.models import LoyaltyAccount, StaffRole
from tests import factories
from tests.e2e.conftest import open_signed_in, screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def test_adjusting_points_in_the_dialog_updates_the_page_and_the_pdf_builds(
    app_url, page, seed_database
):
    def seed(session):  # type: ignore[no-untyped-def]
        customer = factories.customer(session, name="Pia Points")
        factories.order(session, customer, total_cents=8800)
        session.add(
            LoyaltyAccount(
                customer_id=customer.id,
                points_balance=120,
                lifetime_points=120,
                referral_code=f"PIA{customer.id}",
            )
        )
        return customer.id

    customer_id = seed_database(seed)
    open_signed_in(page, f"{app_url}/customer?id={customer_id}", StaffRole.ACCOUNT_MANAGER)
    screenshot(page, "actions-profile-top")

    page.get_by_role("button", name="Adjust points").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_label("Points (negative to deduct)").fill("-20")
    dialog.get_by_label("Reason").fill("Browser test deduction")
    screenshot(page, "actions-points-dialog")
    dialog.get_by_role("button", name="Adjust points").click()
    page.get_by_text("the balance is now 100").wait_for()
    wait_for_app(page)
    screenshot(page, "actions-points-done")

    started = time.time()
    page.get_by_role("button", name="Build PDF report").click()
    page.get_by_role("button", name="Download PDF").wait_for(timeout=120_000)
    print(f"PDF built through the page in {time.time() - started:.1f} s")
    screenshot(page, "actions-pdf-ready")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    wait_for_app(page)
