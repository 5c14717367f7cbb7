"""Waiting in a browser test for a condition on a page whose CSP forbids ``eval``.

Playwright's ``page.wait_for_function("expression")`` checks the expression once through the
DevTools protocol and then, while it is false, polls it inside the page with ``eval``: the site's
Content-Security-Policy (no ``'unsafe-eval'``) refuses that, so the wait fails whenever the
condition is not already true at the first check (it depends on timing). ``page.evaluate`` goes
through the protocol every time and is not subject to the page's CSP.
"""

from __future__ import annotations

import time


def wait_true(page, expression: str, timeout: float = 10.0, interval: float = 0.05) -> None:
    """Return once ``expression`` is truthy on ``page``; AssertionError after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Exception as exc:  # a navigation in progress destroys the context: try again
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() > end:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(interval)
