"""Launching the Debian Chromium through Playwright (never the Playwright browser download here).

One Playwright driver per test session: the sync API refuses to start a second one while
another is running, so every browser test shares the `playwright` and `browser` fixtures
of tests/conftest.py, which use these.
"""

from __future__ import annotations

import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def until(page: Page, script: str, timeout_s: float = 30.0) -> None:
    """Poll `script` (a function, async allowed) in the page until it returns truthy.

    Not `page.wait_for_function`: that one does not await a promise, and a promise is
    truthy, so an async predicate passes at once (the hand-over test went offline before
    the forms were cached, and failed one run in three on a loaded machine)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(script):
                return
        except PlaywrightError as exc:  # a navigation destroyed the context: ask again
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {script}")
        page.wait_for_timeout(100)
