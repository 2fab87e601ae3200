"""Process start-up: long-lived objects leave the garbage collector's sight."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from api.main import create_app


def test_startup_freezes_what_it_loaded_once() -> None:
    with TestClient(create_app()):
        frozen = gc.get_freeze_count()
    assert frozen > 10_000  # modules, schemas, metadata
    with TestClient(create_app()):
        # Later apps (tests) add nothing (frozen objects that die still leave the count).
        assert gc.get_freeze_count() <= frozen
