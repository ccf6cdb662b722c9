"""Real browser: another process's writes appear in every open profile, without a reload.

The delay from commit to text on screen is measured and printed (the target is 5 s); the test
fails only past ``GIVE_UP_SECONDS``, so an overloaded machine gives a number, not a flake.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pytest

from c360.config import PROJECT_ROOT
from tests import factories
from tests.e2e.conftest import DESKTOP, open_signed_in, screenshot, wait_for_app

pytestmark = pytest.mark.e2e
TARGET_SECONDS = 5.0
GIVE_UP_SECONDS = 30.0


def _insert_from_another_process(database_url: str, statement: str) -> float:
    """Run ``s.add(<statement>)`` in a separate Python process; return when it committed."""
    code = "\n".join(
        [
            "import time",
            "from c360.db import make_engine, session_factory",
            "from c360 import models as m",
            f"engine = make_engine({database_url!r})",
            "with session_factory(engine)() as s:",
            f"    s.add({statement})",
            "    s.commit()",
            "print(time.time())",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip().splitlines()[-1])


def _seconds_until_text(
    pages, text: str, committed_at: float, timeout: float = GIVE_UP_SECONDS
) -> list[float]:  # type: ignore[no-untyped-def]
    delays: list[float | None] = [None] * len(pages)
    deadline = time.time() + timeout
    while time.time() < deadline and None in delays:
        for i, page in enumerate(pages):
            if delays[i] is None and page.evaluate(
                "t => document.body.innerText.includes(t)", text
            ):
                delays[i] = time.time() - committed_at
        time.sleep(0.05)
    assert None not in delays, f"{text!r} did not appear within {timeout} s: {delays}"
    return delays  # type: ignore[return-value]


def _time_one_rerun(page) -> float:  # type: ignore[no-untyped-def]
    """Seconds for one full run of the page as the browser sees it (the "r" shortcut)."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    started = time.time()
    page.keyboard.press("r")
    with contextlib.suppress(Exception):  # the run may finish before we look
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stApp]')"
            ".getAttribute('data-test-script-state') === 'running'",
            timeout=3000,
        )
    wait_for_app(page)
    return time.time() - started - 0.3  # wait_for_app settles for 0.3 s


def test_an_order_and_a_note_from_another_process_appear_in_two_open_pages_within_5_s(
    app_url, browser, page, seed_database, e2e_database_url, record_property
):
    def seed(session):  # type: ignore[no-untyped-def]
        customer = factories.customer(session, name="Lena Live")
        factories.order(session, customer, total_cents=4200)
        return customer.id

    customer_id = seed_database(seed)
    url = f"{app_url}/customer?id={customer_id}"
    second = browser.new_context(viewport=DESKTOP).new_page()
    try:
        open_signed_in(page, url)
        open_signed_in(second, url)
        for viewer in (page, second):
            text = viewer.evaluate("() => document.body.innerText")
            assert "1 orders" in text, text[:3000]
        for viewer in (page, second):  # a flag that a reload would wipe out
            viewer.evaluate("() => { window.__c360_same_document = true; }")
        page.wait_for_timeout(1500)  # a settled page, somewhere in its polling cycle
        rerun_seconds = _time_one_rerun(page)

        committed = _insert_from_another_process(
            e2e_database_url,
            f'm.Order(order_number="LIVE-{customer_id}", customer_id={customer_id}, '
            "status=m.OrderStatus.COMPLETED, subtotal_cents=1000, total_cents=1000)",
        )
        order_delays = _seconds_until_text([page, second], "2 orders", committed)

        committed = _insert_from_another_process(
            e2e_database_url,
            f'm.CustomerNote(customer_id={customer_id}, content="Written elsewhere {customer_id}", '
            "visibility=m.NoteVisibility.EVERYONE)",
        )
        note_delays = _seconds_until_text(
            [page, second], f"Written elsewhere {customer_id}", committed
        )
        screenshot(page, "actions-live-update")
        for viewer in (page, second):
            assert viewer.evaluate("() => window.__c360_same_document") is True
    finally:
        second.context.close()

    record_property("order_delays_s", order_delays)
    record_property("note_delays_s", note_delays)
    print(f"one full rerun of the profile page takes {rerun_seconds:.2f} s on this machine now")
    worst = max(order_delays + note_delays)
    verdict = "within" if worst <= TARGET_SECONDS else "OVER"
    print(
        f"live update delays (s): order {[round(d, 2) for d in order_delays]}, note "
        f"{[round(d, 2) for d in note_delays]} — {verdict} the {TARGET_SECONDS:.0f} s target"
    )
