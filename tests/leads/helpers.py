"""Shared builders for lead, interaction and follow-up tests."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from tests.conftest import World

SHA = "ab" * 32
CONSENT: dict[str, Any] = {
    "purposes": ["contact"],
    "text_version": "2026-01",
    "text_sha256": SHA,
    "language": "fr",
}


def lead_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Amina",
        "last_name": "Benali",
        "phone": "0470 12 34 56",
        "channel": "coffee_stand",
        "language": "fr",
        "commune": "Molenbeek",
        "consent": dict(CONSENT),
    }
    body.update(overrides)
    return body


def create_lead(
    client: TestClient, world: World, who: str = "agent", **overrides: Any
) -> dict[str, Any]:
    r = client.post("/api/leads", json=lead_body(**overrides), headers=world.auth(who))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def count(db: Session, model: type[SQLModel], **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.execute(query).scalar_one()


def new_id() -> str:
    return str(uuid.uuid4())
