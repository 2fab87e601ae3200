"""Abuse limits of the public form: rate limit per client, honeypot, body limit, resends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session

import i18n
from api.config import Settings
from api.db import get_session, make_engine
from api.intake import ratelimit
from api.intake.models import IntakeHit
from api.leads.models import Consent
from api.main import create_app
from sync.sqltypes import utcnow
from tests.conftest import World
from tests.intake.helpers import answers, new_token, post_form, self_intakes


def t(lang: str, msgid: str) -> str:
    return str(i18n.translations(lang).gettext(msgid))


def test_rules_parse_like_the_setting_says() -> None:
    assert ratelimit.parse_rules("5/10 minutes;20/day") == (
        ratelimit.Rule(5, 600),
        ratelimit.Rule(20, 86400),
    )
    assert ratelimit.parse_rules(" 3/hour ; 1 / 30 seconds") == (
        ratelimit.Rule(3, 3600),
        ratelimit.Rule(1, 30),
    )
    for bad in ("5", "5/10 parsecs", "0/day", "five/day"):
        with pytest.raises(ValueError):
            ratelimit.parse_rules(bad)


def test_five_per_ten_minutes_then_a_429_page_in_the_language(
    client: TestClient, world: World, db: Session
) -> None:
    for n in range(5):
        r = post_form(client, "es", answers("es", first_name=f"Persona {n}"))
        assert r.status_code == 303, r.text
    r = post_form(client, "es", answers("es", first_name="Sexta"))
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 500  # the first hit frees its slot in ~10 min
    assert '<html lang="es" dir="ltr">' in r.text
    assert t("es", "Please wait a little") in r.text
    assert len(self_intakes(db)) == 5
    # A client asking for JSON (the enhanced form) gets the same refusal as JSON.
    r = post_form(client, "ar", answers("ar"), headers={"Accept": "application/json"})
    assert r.status_code == 429 and r.json()["error"] == "too_many_requests"
    assert r.json()["detail"] == t(
        "ar", "We received many forms from this connection. Please try again later, or tomorrow."
    )


def test_the_limit_is_the_setting(
    client: TestClient, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The settings object the app reads is changed in place (monkeypatch puts it back): a
    # cleared settings cache would leave later tests patching an object the app no longer
    # reads.
    monkeypatch.setattr(settings, "intake_rate_limit", "2/10 minutes")
    codes = [post_form(client, "fr", answers()).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    # A setting that is no rule stops the start instead of failing every form.
    monkeypatch.setattr(settings, "intake_rate_limit", "5 per hour")
    with pytest.raises(ValueError, match="TERRAIN_INTAKE_RATE_LIMIT"):
        create_app()


def test_the_day_limit_and_windows_move_on(db: Session) -> None:
    rules = ratelimit.parse_rules("5/10 minutes;20/day")
    start = utcnow().replace(microsecond=0)
    taken = 0
    for minute in range(0, 24 * 60, 11):  # every 11 minutes for a day
        now = start + timedelta(minutes=minute)
        for _ in range(6):
            if ratelimit.take(db, client="c" * 64, rules=rules, now=now) is None:
                taken += 1
    assert taken == 20
    later = start + timedelta(days=1, minutes=30)
    assert ratelimit.take(db, client="c" * 64, rules=rules, now=later) is None
    # Another client is not affected.
    assert ratelimit.take(db, client="d" * 64, rules=rules, now=start) is None


def test_limit_holds_across_app_instances(world: World, db: Session, settings: Settings) -> None:
    """Two app instances on one database share the count (it is not kept in memory)."""

    def shared() -> Iterator[Session]:
        yield db

    apps: list[FastAPI] = []
    for _ in range(2):
        app = create_app()
        app.dependency_overrides[get_session] = shared
        apps.append(app)
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        codes = [post_form(c, "fr", answers()).status_code for c in (one, two) * 3]
    assert codes == [303] * 5 + [429]


def test_a_forged_forwarded_for_changes_nothing(client: TestClient, world: World) -> None:
    """The test client is no trusted proxy: its X-Forwarded-For is ignored."""
    codes = [
        post_form(client, "fr", answers(), headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(6)
    ]
    assert codes == [303] * 5 + [429]


def test_honeypot_is_accepted_silently_and_stores_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    consents = db.execute(select(func.count()).select_from(Consent)).scalar_one()
    r = post_form(client, "it", answers("it", website="http://spam.example"))
    assert r.status_code == 303 and r.headers["location"] == "/it/intake/thanks"
    assert self_intakes(db) == []
    assert db.execute(select(func.count()).select_from(Consent)).scalar_one() == consents
    # A bot that fills everything with nonsense is thanked all the same.
    r = post_form(client, "it", {"website": "x", "first_name": "", "phone": "??"})
    assert r.status_code == 303
    assert self_intakes(db) == []


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_16_kb_is_refused(
    client: TestClient, world: World, db: Session, chunked: bool
) -> None:
    data = answers("de", project_idea="x" * 17_000)
    if chunked:
        # No Content-Length to trust: the body is cut off while it is read.
        from urllib.parse import urlencode

        body = urlencode({"token": new_token(), **data}, doseq=True).encode()
        r = client.post(
            "/de/intake",
            content=iter([body[i : i + 4096] for i in range(0, len(body), 4096)]),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert "content-length" not in {k.lower() for k in r.request.headers}
    else:
        r = post_form(client, "de", data)
    assert r.status_code == 413
    assert '<html lang="de"' in r.text and t("de", "Your answers are too long") in r.text
    assert self_intakes(db) == []


def test_a_resend_never_makes_a_second_lead(client: TestClient, world: World, db: Session) -> None:
    token = new_token()
    first = post_form(client, "nl", answers("nl"), token=token)
    again = post_form(client, "nl", answers("nl", first_name="Changed"), token=token)
    as_json = post_form(
        client, "nl", answers("nl"), token=token, headers={"Accept": "application/json"}
    )
    assert (first.status_code, again.status_code, as_json.status_code) == (303, 303, 200)
    assert as_json.json() == {"ok": True, "thanks": "/nl/intake/thanks"}
    [lead] = self_intakes(db)
    assert lead.first_name == "Amina"
    # Resends are not counted against the client.
    hits = db.execute(select(func.count()).select_from(IntakeHit)).scalar_one()
    assert hits == 1


def test_json_validation_errors_are_translated(client: TestClient, db: Session) -> None:
    r = post_form(
        client, "ro", answers("ro", first_name=""), headers={"Accept": "application/json"}
    )
    assert r.status_code == 422
    body: dict[str, Any] = r.json()
    assert body["error"] == "validation_error"
    assert body["fields"] == {"first_name": t("ro", "Please answer this question.")}


def _race(engine: Engine, limit: int, clients: int) -> list[int | None]:
    rules = (ratelimit.Rule(limit, 600),)
    results: list[int | None] = []
    gate = threading.Barrier(clients)

    def one() -> None:
        with Session(engine) as session:
            gate.wait()
            results.append(ratelimit.take(session, client="e" * 64, rules=rules))

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_submissions_never_pass_the_limit(live_database: str) -> None:
    """Twelve requests at once against a limit of 5: exactly 5 get through, on SQLite
    (one writer at a time) and on PostgreSQL (advisory lock per client)."""
    engine = make_engine(live_database)
    try:
        results = _race(engine, limit=5, clients=12)
        assert sum(r is None for r in results) == 5
        with Session(engine) as session:
            session.execute(delete(IntakeHit))
            session.commit()
    finally:
        engine.dispose()
