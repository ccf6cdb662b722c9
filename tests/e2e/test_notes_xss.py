"""Real browser: a note holding script and event-handler payloads shows as text and runs nothing."""

from __future__ import annotations

import pytest

from c360.models import CustomerNote, NoteVisibility
from tests import factories
from tests.e2e.conftest import open_signed_in, screenshot, wait_for_app

pytestmark = pytest.mark.e2e

PAYLOAD = (
    "Hostile note <script>window.__c360_script_ran = 1; alert('script')</script> "
    '<img src="x" onerror="window.__c360_onerror_ran = 1; alert(\'onerror\')"> '
    "[a link](javascript:window.__c360_link_ran=1) **still bold**"
)


def test_a_hostile_note_is_shown_as_text_and_runs_nothing(app_url, page, seed_database, e2e_staff):
    from c360.models import StaffRole

    author = e2e_staff[StaffRole.ADMIN]

    def seed(session):  # type: ignore[no-untyped-def]
        customer = factories.customer(session, name="Xavier Scripted")
        session.add(
            CustomerNote(
                customer_id=customer.id,
                author_id=author.id,
                content=PAYLOAD,
                visibility=NoteVisibility.EVERYONE,
            )
        )
        session.flush()
        return customer.id

    customer_id = seed_database(seed)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_signed_in(page, f"{app_url}/customer?id={customer_id}")
    wait_for_app(page)
    note = page.locator('[data-testid="stMarkdownContainer"]', has_text="Hostile note").last
    note.scroll_into_view_if_needed()
    note.wait_for(state="visible")
    page.wait_for_timeout(1500)  # give any injected handler time to fire
    screenshot(page, "actions-hostile-note")

    flags = page.evaluate(
        "() => [window.__c360_script_ran, window.__c360_onerror_ran, window.__c360_link_ran]"
    )
    assert flags == [None, None, None]
    assert dialogs == []
    assert note.locator("script").count() == 0
    assert note.locator("img[onerror]").count() == 0
    assert note.locator("strong", has_text="still bold").count() == 1  # Markdown still works
    hrefs = note.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not any((h or "").lower().startswith("javascript:") for h in hrefs)
    if note.locator("a").count():
        note.locator("a").first.click()
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__c360_link_ran") is None
