"""PD-7 log canaries, over the whole run: every log line Terrain writes during the tests
(app, access and error lines, exceptions formatted as in production) is checked for the
canary names and phone numbers the tests type in (tests/support/canary.py). One found
fails the run, naming the test and the logger.

Registered from tests/conftest.py; the app's loggers are set to INFO so that the access
lines are checked too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import pytest

from api.logs import JsonFormatter, RequestIdFilter
from tests.support.canary import NAMES_AND_NUMBERS

# Secrets that have a shape rather than a value: bearer tokens, push endpoints (capabilities
# of a phone), the token of a person's consent link.
SHAPES = re.compile(
    r"bearer\s+[a-z0-9_\-]{20,}|fcm\.googleapis\.com/\S+|push\.services\.mozilla\.com/\S+"
    r"|web\.push\.apple\.com/\S+|/consent/[a-z0-9_\-]{43}",
    re.IGNORECASE,
)
APP_LOGGERS = ("terrain", "api", "sync", "i18n", "uvicorn", "fastapi", "starlette", "sqlalchemy")


@dataclass
class Catcher(logging.Handler):
    canaries: tuple[str, ...] = NAMES_AND_NUMBERS
    checked: int = 0
    hits: list[tuple[str, str, str]] = field(default_factory=list)
    test: str = "(collection)"

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())

    def __hash__(self) -> int:
        return id(self)

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(APP_LOGGERS):
            return
        try:
            text = self.format(record).lower()
        except Exception:  # a broken log call is the app's bug, reported by its own test
            return
        self.checked += 1
        for canary in self.canaries:
            if canary.lower() in text:
                self.hits.append((self.test, record.name, canary))
        shape = SHAPES.search(text)
        if shape:
            self.hits.append((self.test, record.name, shape.group(0)[:40]))


_catcher = Catcher()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_catcher)
    for name in ("terrain", "api", "sync", "uvicorn"):
        logging.getLogger(name).setLevel(logging.INFO)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _catcher.test = item.nodeid


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_catcher)
    if _catcher.hits and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    hits = _catcher.hits
    terminalreporter.write_line(
        f"log canaries: {_catcher.checked} log lines checked, {len(hits)} with a canary"
    )
    for test, logger, canary in hits[:20]:
        terminalreporter.write_line(f"  {test}: {logger} wrote {canary!r}", red=True)


def caught() -> Catcher:
    return _catcher
