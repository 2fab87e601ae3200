"""Launching the Debian Chromium through Playwright (never the Playwright browser download here).

One Playwright driver per test session: the sync API refuses to start a second one while
another is running, so every browser test shares the `playwright` and `browser` fixtures
of tests/conftest.py, which use these.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
