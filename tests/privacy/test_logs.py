"""PD-7 logs: JSON lines with a request id; names, phones, e-mails, free text, tokens and
exception messages never written (the whole run is watched by tests/support/logcanary.py;
here its detector and the formats are checked)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.logs import JsonFormatter, PlainFormatter, RequestIdFilter, safe_path
from tests.conftest import World
from tests.support import canary
from tests.support.logcanary import Catcher


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the app's loggers write, as production writes it (JSON lines)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(n) for n in ("terrain", "api", "uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    yield out
    for logger in loggers:
        logger.removeHandler(handler)


def _records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_pd_7_access_lines_are_json_with_a_request_id_and_no_query(
    client: TestClient, world: World, lines: io.StringIO
) -> None:
    r = client.get(f"/api/leads?q={canary.LAST}", headers=world.auth("agent"))
    assert r.status_code == 200
    rid = r.headers["x-request-id"]
    access = [x for x in _records(lines) if x["logger"] == "terrain.access"]
    assert access[-1]["request_id"] == rid and access[-1]["status"] == 200
    assert access[-1]["message"] == "GET /api/leads 200"
    assert canary.LAST not in lines.getvalue()


def test_pd_7_consent_link_tokens_are_masked() -> None:
    assert safe_path("/fr/consent/abcDEF_123?x=1") == "/fr/consent/…"
    assert safe_path("/api/leads/1?q=Amina") == "/api/leads/1"


def test_pd_7_errors_are_logged_without_their_message(app: FastAPI, lines: io.StringIO) -> None:
    secret = f"{canary.FIRST} {canary.PHONE}"

    @app.get("/api/boom")
    def boom() -> None:
        try:
            raise ValueError(f"inner {secret}")
        except ValueError as exc:
            raise RuntimeError(f"outer {secret}") from exc

    app.router.routes.insert(0, app.router.routes.pop())  # before the PWA's catch-all
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "server_error" and len(body["request_id"]) == 16
    text = lines.getvalue()
    assert secret not in text and canary.FIRST not in r.text
    error = next(x for x in _records(lines) if x["logger"] == "terrain.errors")
    assert error["request_id"] == body["request_id"]
    assert "builtins.RuntimeError (message withheld)" in str(error["error"])
    assert "builtins.ValueError (message withheld)" in str(error["error"])
    plain = PlainFormatter().formatException((RuntimeError, RuntimeError(secret), None))
    assert secret not in plain


def test_the_canary_detector_finds_a_canary() -> None:
    catcher = Catcher()
    logger = logging.getLogger(f"terrain.test.{uuid.uuid4().hex}")
    logger.addHandler(catcher)
    logger.propagate = False
    logger.warning("all good")
    logger.warning("called %s", canary.PHONE)
    try:
        raise KeyError(canary.EMAIL)
    except KeyError:
        logger.exception("failed")  # the message is withheld: not a hit
    logger.warning("sent to https://fcm.googleapis.com/fcm/send/abcdef")
    logger.warning("Authorization: Bearer zR0EXPNuwLix7peXDar48D8nG7ghmH05cjMB1oHZPtA")
    assert catcher.checked == 5
    assert [h[2][:12] for h in catcher.hits] == [canary.PHONE[:12], "fcm.googleap", "bearer zr0ex"]
