"""The Streamlit server's memory while a scripted browser session browses the dashboard.

Starts ``streamlit run app.py`` on a free port against the bench database, drives Debian's
Chromium through home, a few customer pages, search, compare and portfolio, and reads the
peak resident memory of the server process and its children from /proc while it runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from c360.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIGN_IN = ("admin@example.com", "demo")
START_SECONDS = 120
PAGE_TIMEOUT_MS = 120_000


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        children: list[int] = []
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                children += [int(c) for c in task.read_text().split()]
        found += children
        queue += children
    return found


def tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in kB."""
    return sum(_status_kb(p, "VmRSS") for p in [pid, *_descendants(pid)])


class PeakSampler(threading.Thread):
    """Samples the process tree's RSS every ``interval`` seconds and keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self._halt.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling; the peak in kB (at least the main process's high-water mark)."""
        self._halt.set()
        self.join(timeout=5)
        return max(self.peak_kb, tree_rss_kb(self.pid), _status_kb(self.pid, "VmHWM"))


def browser_missing_reason() -> str | None:
    """Why the browser session cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def url_paths() -> set[str]:
    """The ``url_path`` of every page registered in app.py."""
    return set(re.findall(r'url_path="([^"]+)"', (PROJECT_ROOT / "app.py").read_text()))


def session_urls(base: str, customer_ids: Sequence[int], search_text: str) -> list[str]:
    """The scripted browsing session: home, customers, search, compare, portfolio, segments."""
    paths = url_paths()
    urls = [f"{base}/"]
    if "customer" in paths:
        urls += [f"{base}/customer?id={cid}" for cid in customer_ids[:4]]
    if "search" in paths:
        urls.append(f"{base}/search?q={urllib.parse.quote(search_text)}")
    if "compare" in paths and len(customer_ids) >= 3:
        urls.append(f"{base}/compare?ids={','.join(str(c) for c in customer_ids[:3])}")
    for name in ("portfolio", "segments"):
        if name in paths:
            urls.append(f"{base}/{name}")
    return urls


def measure_server_memory(
    database_url: str, customer_ids: Sequence[int], search_text: str
) -> tuple[float | None, str | None, list[str]]:
    """(peak RSS in MB or None, the reason when None, the URLs browsed)."""
    reason = browser_missing_reason()
    if reason:
        return None, reason, []
    with tempfile.NamedTemporaryFile("w+", prefix="c360-bench-streamlit-") as log:
        return _serve_and_browse(database_url, customer_ids, search_text, log)


def _serve_and_browse(
    database_url: str, customer_ids: Sequence[int], search_text: str, log: IO[str]
) -> tuple[float | None, str | None, list[str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "C360_DATABASE_URL": database_url,
        "C360_DEMO": "off",
        "PYTHONPATH": str(PROJECT_ROOT),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    sampler = PeakSampler(process.pid)
    sampler.start()
    urls: list[str] = []
    try:
        _wait_until_healthy(base, process)
        urls = session_urls(base, customer_ids, search_text)
        slow = _browse(urls)
        reason = None
        if slow:
            reason = f"pages slower than {PAGE_TIMEOUT_MS // 1000} s (still counted): " + ", ".join(
                slow
            )
        return round(sampler.stop() / 1024, 1), reason, urls
    except Exception as exc:  # noqa: BLE001 - any failure becomes the reported reason
        sampler.stop()
        log.seek(0)
        tail = log.read()[-600:]
        return None, f"browser session failed: {exc!s:.300} | server log: {tail}", urls
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_healthy(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy")


def _browse(urls: Sequence[str]) -> list[str]:
    """Visit every URL, signing in when asked; the URLs that did not finish in time."""
    # Playwright's sync API refuses to run in a thread that already has an asyncio loop (as a
    # test process may), so the session gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_browse_in_this_thread, urls).result()


def _browse_in_this_thread(urls: Sequence[str]) -> list[str]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    slow: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            page = context.new_page()
            for url in urls:
                try:
                    page.goto(url)
                    _sign_in_if_asked(page)
                    _wait_for_app(page)
                except PlaywrightTimeout:
                    # A page slower than the timeout still loaded the server: keep browsing.
                    slow.append(url)
        finally:
            browser.close()
    return slow


def _wait_for_app(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running'
                && !document.querySelector('[data-testid="stStatusWidget"] button');
        }""",
        timeout=PAGE_TIMEOUT_MS,
    )
    page.wait_for_timeout(500)


def _sign_in_if_asked(page) -> None:  # type: ignore[no-untyped-def]
    _wait_for_app(page)
    password = page.locator('input[type="password"]')
    if password.count() == 0 or not password.first.is_visible():
        return
    email = page.locator('input[type="text"], input[type="email"]')
    email.first.fill(SIGN_IN[0])
    password.first.fill(SIGN_IN[1])
    button = page.get_by_role("button", name=re.compile(r"sign in|log in", re.IGNORECASE))
    if button.count():
        button.first.click()
    else:
        password.first.press("Enter")
    page.wait_for_function(
        """() => !Array.from(document.querySelectorAll('input[type="password"]'))
                   .some(el => el.offsetParent !== null)""",
        timeout=PAGE_TIMEOUT_MS,
    )
