"""Fixtures for the sync stress tests: a private database per module (real commits across
processes) and a real server process on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import FreshDatabase, Seed, create_database, seed
from tests.support.server import ServerProcess


def env_int(name: str, default: int) -> int:
    """Size of a stress loop: the spec's figure through the environment, a CI default here."""
    return int(os.environ.get(name, default))


@pytest.fixture(scope="module")
def fresh_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabase]:
    database = create_database(backend, tmp_path_factory.mktemp("stressdb"))
    yield database
    database.drop()


@pytest.fixture(scope="module")
def seeded(fresh_db: FreshDatabase) -> Seed:
    return seed(fresh_db.url)


@pytest.fixture(scope="module")
def server(
    fresh_db: FreshDatabase, seeded: Seed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("serverdata")
    process = ServerProcess(fresh_db.url, data_dir)
    process.start()
    yield process
    process.stop()
