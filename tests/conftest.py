"""Shared pytest fixtures.

Browser fixtures (for tests marked ``@pytest.mark.browser``; use them instead of launching your own):

``browser``      session-scoped Playwright Chromium (the system /usr/bin/chromium, headless, with the
                 project's flags). Missing Chromium or Playwright: the test FAILS when CI=true, and
                 is skipped otherwise.
``serve``        ``serve(directory) -> base_url``: serves a directory over HTTP on 127.0.0.1 from a
                 background thread for the rest of the test (``http://127.0.0.1:<port>``, no trailing /).
``axe``          ``axe(page) -> list of violations`` (dicts from axe-core): injects the vendored
                 axe-core 4.14.1 (tests/vendor/) into the page and runs it with the WCAG 2.1 A/AA tags.
``console_errors``  ``console_errors(page) -> list[str]``: start collecting console errors, page
                 errors and HTTP responses >= 400 of ``page`` (call it before ``page.goto``); the list
                 fills as they happen.

Example::

    @pytest.mark.browser
    def test_page(browser, serve, axe, console_errors):
        base = serve(site_dir)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        errors = console_errors(page)
        page.goto(base + "/index.html")
        assert axe(page) == [] and errors == []
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright (Python) is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # The browser drops connections it no longer needs (a superseded search query): not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture
def serve():
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture(scope="session")
def axe():
    source = AXE_JS.read_text(encoding="utf-8")

    def run(page) -> list[dict]:
        # Injected as a script element's text through the DevTools protocol, which the page's CSP
        # (script-src 'self') does not govern for evaluate(); add_script_tag would be blocked.
        page.evaluate(source)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        return result["violations"]

    return run


@pytest.fixture
def console_errors():
    def collect(page) -> list[str]:
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        return errors

    return collect


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for the session (tests/support/postgres.py). Missing
    PostgreSQL: the test FAILS when CI=true (.ci/run installs it), and is skipped otherwise."""
    from tests.support.postgres import pg_bin, start_cluster

    if pg_bin() is None:
        _unavailable("PostgreSQL not found (/usr/lib/postgresql/*/bin/pg_ctl; apt-get install postgresql)")
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster) -> str:
    """The SQLAlchemy URL of a fresh, empty database in the session's cluster."""
    return postgres_cluster.new_database()
