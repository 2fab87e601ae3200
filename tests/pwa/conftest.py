"""Real Chromium against the real app, served by uvicorn in a thread on a free port, on a
freshly migrated database of its own (SQLite, and PostgreSQL when configured).

The test page (pwa/test/) is mounted by a test-only route here, never by api/main.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from api.config import get_settings
from api.db import get_engine
from api.main import PWA_DIR
from api.users import service as user_service
from api.users.models import Organisation, Team
from api.vocab import Role
from tests.conftest import PASSWORD
from tests.scratch import app_in_thread

STATIC_PREFIX = "/test-pwa"
HARNESS_PATH = f"{STATIC_PREFIX}/test/index.html"
PIN = "482916"


@dataclass
class Agent:
    user_id: str
    token: str
    team_id: uuid.UUID


@dataclass
class Live:
    base_url: str
    engine: Engine
    organisation_id: uuid.UUID

    @property
    def harness_url(self) -> str:
        return f"{self.base_url}{HARNESS_PATH}"

    def new_team(self) -> uuid.UUID:
        with Session(self.engine) as session:
            team = Team(organisation_id=self.organisation_id, name=f"Team {uuid.uuid4().hex[:8]}")
            session.add(team)
            session.commit()
            return team.id

    def new_agent(self, team_id: uuid.UUID | None = None) -> Agent:
        """An agent made through the users service, with a device token; in a team of its
        own unless one is given (agents see their teams' leads)."""
        team_id = team_id or self.new_team()
        with Session(self.engine, expire_on_commit=False) as session:
            user = user_service.create_user(
                session,
                organisation_id=self.organisation_id,
                email=f"agent-{uuid.uuid4().hex[:10]}@pwa.test",
                name="Browser Agent",
                role=Role.agent,
                password=PASSWORD,
                team_ids=[team_id],
            )
            issued = user_service.create_device_token(
                session, user=user, device_name="chromium", settings=get_settings()
            )
            session.commit()
            return Agent(user_id=str(user.id), token=issued.token, team_id=team_id)


@pytest.fixture(scope="module")
def live_server(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    def mount_test_folder(app: FastAPI) -> None:
        # Test-only: the PWA folder (with pwa/test/) on a prefix of its own, matched first.
        static = StaticFiles(directory=Path(PWA_DIR))
        app.router.routes.insert(0, Mount(STATIC_PREFIX, app=static))

    data_dir = tmp_path_factory.mktemp("pwa-data")
    with app_in_thread(live_database, data_dir, prepare=mount_test_folder) as base_url:
        engine = get_engine()
        with Session(engine) as session:
            org = Organisation(name="PWA test organisation")
            session.add(org)
            session.commit()
            yield Live(base_url, engine, org.id)


# `playwright` and `browser` come from tests/conftest.py: one driver for every browser test.


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test (its own IndexedDB)."""
    context = browser.new_context()
    yield context
    context.close()


def open_harness(context: BrowserContext, live: Live) -> Page:
    page = context.new_page()
    page.goto(live.harness_url)
    page.wait_for_function("() => window.T !== undefined")
    return page
