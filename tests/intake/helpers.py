"""Shared builders for the intake tests: answers as a prospect would post them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.leads.models import Lead


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert match, "no client token in the form"
    return match[1]


def answers(lang: str = "fr", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Amina",
        "last_name": "Benali",
        "phone": "0470 12 34 56",
        "email": "",
        "language": lang,
        "commune": "1080 Molenbeek",
        "sector": "food",
        "project_idea": "Un traiteur de plats du Maghreb",
        "project_stage": "idea",
        "needs": ["credit", "coaching"],
        "call_time": "morning",
        "consent": ["contact"],
        "website": "",
    }
    body.update(overrides)
    return body


def post_form(
    client: TestClient, lang: str, data: dict[str, Any], *, token: str | None = None, **kw: Any
) -> Any:
    """GET the form (for its token), then POST the answers as a browser without JS would."""
    if token is None:
        token = token_of(client.get(f"/{lang}/intake").text)
    return client.post(
        f"/{lang}/intake", data={"token": token, **data}, follow_redirects=False, **kw
    )


def self_intakes(db: Session) -> list[Lead]:
    db.expire_all()
    return list(db.exec(select(Lead).where(col(Lead.channel) == "self_intake")).all())


def new_token() -> str:
    return uuid.uuid4().hex
