"""Shared browser-test fixtures: one Streamlit server on a prepared database, Debian Chromium.

How to use (every helper's ``tests/e2e/test_*.py``)::

    pytestmark = pytest.mark.e2e

    def test_something(app_url, page, seed_database):
        customer_id = seed_database(lambda s: factories.customer(s, name="Ada").id)
        open_signed_in(page, f"{app_url}/customer?id={customer_id}")
        screenshot(page, "customer-desktop")

* ``app_url`` (session): base URL of ``streamlit run app.py`` serving a migrated SQLite file.
  The demo generator (``python -m c360 demo --customers 60 --seed 7``) fills it when that
  command exists; tests that need specific rows add them with ``seed_database(callback)``
  (the server reads the same file, so rows are visible on the next page load).
* ``page`` (1400 x 900) and ``phone_page`` (390 x 844, touch): fresh browser contexts.
* ``sign_in(page, email, password)``: fills the sign-in form when one is showing (no-op
  otherwise). ``E2E_ACCOUNTS[role]`` are stored staff accounts with ``E2E_PASSWORD``.
  The app contract is ``st.session_state["actor"]``; every ``page.goto`` is a new session.
* ``screenshot(page, name)``: PNG under C360_SCREENSHOT_DIR (default: <tmp>/c360-screenshots).

Browser tests skip when /usr/bin/chromium is missing, unless C360_REQUIRE_BROWSER=1 (then
they fail, as in CI).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from c360 import migrate
from c360.bench.server import CHROMIUM, CHROMIUM_ARGS, free_port
from c360.config import PROJECT_ROOT
from c360.db import make_engine, session_factory
from c360.models import StaffRole, StaffUser
from c360.passwords import hash_password

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
E2E_PASSWORD = "e2e-Password-1"
E2E_ACCOUNTS: dict[StaffRole, str] = {
    role: f"e2e-{role.value.replace('_', '-')}@example.com" for role in StaffRole
}
SERVER_START_SECONDS = 90
DEMO_ARGS = ["--customers", "60", "--seed", "7"]

T = TypeVar("T")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/e2e drives a browser: mark it so ``-m "not e2e"`` leaves it out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _require_browser() -> None:
    if CHROMIUM.exists() and importlib.util.find_spec("playwright") is not None:
        return
    reason = f"{CHROMIUM} or the playwright package is missing"
    if os.environ.get("C360_REQUIRE_BROWSER") == "1":
        pytest.fail(f"C360_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


# --- the database the server reads -------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch folder for this run's database and server log."""
    return tmp_path_factory.mktemp("e2e")


def demo_command_exists() -> bool:
    """True once the demo generator (``python -m c360 demo``) is part of the CLI."""
    return importlib.util.find_spec("c360.commands.demo") is not None


@pytest.fixture(scope="session")
def e2e_database_url(e2e_dir: Path) -> str:
    """A migrated SQLite file with the demo data (when available) and the E2E staff accounts."""
    url = f"sqlite:///{e2e_dir / 'e2e.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    if demo_command_exists() and os.environ.get("C360_E2E_DEMO", "1") == "1":
        # The demo command scores what it loads: the screens show real scores and segments.
        _run_c360(url, "demo", *DEMO_ARGS)
    _ensure_staff_accounts(url)
    return url


def _run_c360(url: str, *args: str) -> None:
    """``python -m c360 ARGS`` against ``url``; fails the run with its stderr when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "c360", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "C360_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"python -m c360 {args[0]} failed:\n{result.stderr[-3000:]}"


def _ensure_staff_accounts(url: str) -> None:
    engine = make_engine(url)
    password_hash = hash_password(E2E_PASSWORD)
    with session_factory(engine)() as session:
        for role, email in E2E_ACCOUNTS.items():
            if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
                name = f"E2E {role.value.replace('_', ' ').title()}"
                session.add(
                    StaffUser(email=email, name=name, role=role, password_hash=password_hash)
                )
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def seed_database(e2e_database_url: str) -> Callable[[Callable[[Session], T]], T]:
    """``seed_database(callback)``: run ``callback(session)`` in one committed transaction."""
    engine = make_engine(e2e_database_url)

    def seed(callback: Callable[[Session], T]) -> T:
        with session_factory(engine)() as session:
            result = callback(session)
            session.commit()
            return result

    return seed


@pytest.fixture(scope="session")
def e2e_staff(e2e_database_url: str) -> dict[StaffRole, Any]:
    """The stored E2E staff members as Actors, by role (password: ``E2E_PASSWORD``)."""
    from c360.permissions import Actor

    engine = make_engine(e2e_database_url)
    with session_factory(engine)() as session:
        users = session.scalars(
            select(StaffUser).where(StaffUser.email.in_(E2E_ACCOUNTS.values()))
        ).all()
        actors = {u.role: Actor(id=u.id, name=u.name, email=u.email, role=u.role) for u in users}
    engine.dispose()
    return actors


# --- the Streamlit server ------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_url(e2e_database_url: str, e2e_dir: Path, browser: Any) -> Iterator[str]:
    """Base URL of ``streamlit run app.py`` on the prepared database; stopped at the end."""
    _require_browser()
    with _streamlit_server(e2e_database_url, e2e_dir / "streamlit.log") as base_url:
        _warm_up(browser, base_url)
        yield base_url


@pytest.fixture
def cold_app_url(e2e_database_url: str, e2e_dir: Path) -> Iterator[str]:
    """A server that no browser has visited yet: the first request is a deep link."""
    _require_browser()
    with _streamlit_server(e2e_database_url, e2e_dir / "streamlit-cold.log") as base_url:
        yield base_url


@contextmanager
def _streamlit_server(database_url: str, log_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "C360_DATABASE_URL": database_url,
        "PYTHONPATH": str(PROJECT_ROOT),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _warm_up(browser: Any, base_url: str) -> None:
    # The first page load pays for imports and caches; no test should measure that.
    context = browser.new_context()
    try:
        warm = context.new_page()
        warm.goto(base_url)
        wait_for_app(warm, timeout_ms=60_000)
    finally:
        context.close()


def _wait_until_healthy(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy:\n{log_path.read_text()[-3000:]}")


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (sync API), shared by the whole run."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so page fixtures know when a test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _new_page(request: pytest.FixtureRequest, browser: Any, **context_args: Any) -> Iterator[Any]:
    context = browser.new_context(**context_args)
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        yield page
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            # What the browser showed when the test failed, next to the other screenshots.
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            screenshot(page, f"FAILED-{name}-{request.fixturename}")
    finally:
        context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh desktop tab (1400 x 900); a screenshot is saved if the test fails."""
    yield from _new_page(request, browser, viewport=DESKTOP)


@pytest.fixture
def phone_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh phone-sized tab (390 x 844, touch, mobile user agent)."""
    yield from _new_page(
        request, browser, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )


# --- helpers for tests -----------------------------------------------------------------------


def wait_for_app(page: Any, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has rendered and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && app.getAttribute('data-test-connection-state') === 'CONNECTED';
        }""",
        timeout=timeout_ms,
    )
    # A short settle: the last delta messages arrive just after the state flips.
    page.wait_for_timeout(300)


def sign_in(page: Any, email: str, password: str = E2E_PASSWORD) -> None:
    """Fill and submit the sign-in form if one is showing; a no-op when none is."""
    wait_for_app(page)
    # The first run can finish before the gate has drawn anything: wait for its outcome, the
    # form (signed out) or the page navigation (signed in).
    page.wait_for_function(
        """() => document.querySelector('input[type="password"]')
                 || document.querySelector('[data-testid="stSidebarNav"]')""",
        timeout=60_000,
    )
    password_box = page.locator('input[type="password"]')
    if password_box.count() == 0 or not password_box.first.is_visible():
        return
    email_box = page.get_by_label(re.compile(r"e-?mail", re.IGNORECASE))
    if email_box.count() == 0:
        email_box = page.locator('input[type="text"], input[type="email"]')
    email_box.first.fill(email)
    password_box.first.fill(password)
    button = page.get_by_role("button", name=re.compile(r"sign in|log in", re.IGNORECASE))
    if button.count():
        button.first.click()
    else:
        password_box.first.press("Enter")
    page.wait_for_function(
        """() => !Array.from(document.querySelectorAll('input[type="password"]'))
                   .some(el => el.offsetParent !== null)""",
        timeout=30_000,
    )
    wait_for_app(page)


def open_signed_in(
    page: Any, url: str, role: StaffRole = StaffRole.ADMIN, password: str = E2E_PASSWORD
) -> None:
    """Go to ``url`` (a new Streamlit session), sign in as the E2E account of ``role``."""
    page.goto(url)
    sign_in(page, E2E_ACCOUNTS[role], password)


def screenshot_dir() -> Path:
    """Where screenshots go: C360_SCREENSHOT_DIR, default <tmp>/c360-screenshots."""
    default = Path(tempfile.gettempdir()) / "c360-screenshots"
    path = Path(os.environ.get("C360_SCREENSHOT_DIR") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    """Save a PNG of ``page`` as ``<screenshot dir>/<name>.png`` and return its path."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return int(
        page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
    )
