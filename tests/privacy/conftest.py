"""Privacy test fixtures: phones (sync clients) for the world's users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.support import canary
from tests.sync.helpers import Phone, lead_fields

PhoneFactory = Callable[..., Phone]


@pytest.fixture
def phone(client: TestClient, world: World) -> PhoneFactory:
    def make(who: str = "agent") -> Phone:
        return Phone(client, world.auth(who))

    return make


def canary_fields(**over: Any) -> dict[str, Any]:
    """A lead with every personal field filled with canary values."""
    fields = lead_fields(
        first_name=canary.FIRST,
        last_name=canary.LAST,
        phone=canary.PHONE,
        email=canary.EMAIL,
        project_idea=canary.IDEA,
    )
    fields["consent"]["purposes"] = ["contact", "markers", "sensitive_markers"]
    fields["markers"] = {"gender": "woman", "age_band": "30_39", "migrant_background": "yes"}
    fields.update(over)
    return fields
