"""The web app (pwa/index.html, pwa/js/app) in real Chromium against the real app: uvicorn
in a thread on a free port, on a freshly migrated database of its own (SQLite, and
PostgreSQL when TERRAIN_TEST_DATABASE_URL is set). People are made through the users
service and leads through the HTTP API, as the app would make them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page
from sqlalchemy import Engine, delete
from sqlmodel import Session

from api.config import get_settings
from api.db import get_engine
from api.users import service as user_service
from api.users.models import LoginFailure, Organisation, Team
from api.vocab import Role
from tests.conftest import PASSWORD
from tests.scratch import app_in_thread

# Set before any page script runs (init scripts are not subject to the page's CSP): every
# CSP violation the page causes is kept where a test can read it.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
CONSENT = {
    "purposes": ["contact"],
    "text_version": "2026-01",
    "text_sha256": "0" * 64,
    "language": "fr",
}


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    id: str
    token: str  # an API token for setting things up; the browser logs in by itself

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Live:
    base_url: str
    engine: Engine
    organisation_id: uuid.UUID
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=30)

    def new_person(
        self, *, name: str = "Claire Dubois", role: Role = Role.coordinator, language: str = "fr"
    ) -> Person:
        """A user (a coordinator unless said otherwise: the office screens) in a team of their
        own, so each test sees only its own leads."""
        with Session(self.engine, expire_on_commit=False) as session:
            team = Team(organisation_id=self.organisation_id, name=f"Web {uuid.uuid4().hex[:8]}")
            session.add(team)
            session.commit()
            user = user_service.create_user(
                session,
                organisation_id=self.organisation_id,
                email=f"web-{uuid.uuid4().hex[:10]}@web.test",
                name=name,
                role=role,
                password=PASSWORD,
                language=language,
                team_ids=[team.id],
            )
            issued = user_service.create_device_token(
                session, user=user, device_name="test setup", settings=get_settings()
            )
            session.commit()
            return Person(user.email, name, str(user.id), issued.token)

    def create_lead(self, person: Person, first_name: str, **fields: Any) -> dict[str, Any]:
        body = {
            "first_name": first_name,
            "phone": "+32470123456",
            "channel": "coffee_stand",
            "consent": CONSENT,
            **fields,
        }
        response = self.http.post("/api/leads", json=body, headers=person.headers())
        assert response.status_code == 201, response.text
        lead: dict[str, Any] = response.json()
        return lead

    def get(self, path: str, person: Person) -> dict[str, Any]:
        response = self.http.get(path, headers=person.headers())
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def forget_login_failures(self) -> None:
        """Every test logs in from 127.0.0.1: start the throttle counts afresh."""
        with Session(self.engine) as session:
            session.execute(delete(LoginFailure))
            session.commit()


@pytest.fixture(scope="module")
def live(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with app_in_thread(live_database, tmp_path_factory.mktemp("web-data")) as base_url:
        engine = get_engine()
        with Session(engine) as session:
            org = Organisation(name="Web test organisation")
            session.add(org)
            session.commit()
            live = Live(base_url, engine, org.id)
        try:
            yield live
        finally:
            live.http.close()


@dataclass
class Watched:
    """A page, with what its console said and the errors its scripts threw."""

    page: Page
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        reported: list[str] = self.page.evaluate("window.__cspViolations")
        logged = [m for m in self.console if "Content Security Policy" in m]
        return reported + logged

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.csp_violations() == []


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    """A phone-sized page in a fresh profile (no cookies, no sessionStorage)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    result = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        result.console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: result.errors.append(str(error)))
    yield result
    context.close()


def log_in(page: Page, person: Person) -> None:
    page.fill("#login-email", person.email)
    page.fill("#login-password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".lead-list-screen .result-count, .lead-list-screen .empty")
