"""Hostile values and the world they are aimed at, shared by the generated write tests.

A hostile value is one no write may accept: text with a C0 control character (tab aside;
line breaks are left out here, being fine in multi-line text), a lone UTF-16 surrogate,
10,000 characters; a date in year 1 or 9999; an integer past 64 bits; the id of a record
of another team (or organisation), or an id that does not exist.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from api.partners.models import Partner
from api.users.models import Organisation
from tests.conftest import World
from tests.leads.helpers import lead_body

# CI default keeps the whole class check in seconds; raise it to dig (e.g. 2000).
EXAMPLES = int(os.environ.get("TERRAIN_HOSTILE_EXAMPLES", "60"))

# Every C0 control character and DEL, except tab, and except the line breaks (LF, and CR
# which multi-line text turns into LF): a single-line field refuses those too, but the
# same probe cannot know which fields are multi-line (tests/test_fields.py checks them).
CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"]


def hostile_texts(*, surrogates: bool = True) -> st.SearchStrategy[str]:
    # Inside the text: at its ends, whitespace-like ones (\x0b, \x1c …) are stripped away
    # with the spaces, which is not storing them.
    with_control = st.tuples(
        st.text(alphabet="abcdeé ", max_size=6),
        st.sampled_from(CONTROLS),
        st.text(min_size=1, max_size=3).filter(lambda t: not t[0].isspace()),
    ).map(lambda t: f"a{t[0]}{t[1]}{t[2]}")
    surrogate = st.tuples(st.text(alphabet="abc", max_size=3), st.integers(0xD800, 0xDFFF)).map(
        lambda t: f"{t[0]}{chr(t[1])}"
    )
    long = st.sampled_from(["x" * 10_000, "\u00e9" * 10_000])
    return st.one_of(with_control, surrogate, long) if surrogates else st.one_of(with_control, long)


DATES = ["0001-01-01", "9999-12-31"]
DATETIMES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
]
INTEGERS = [2**63, -(2**63) - 1, 2**64, 10**30]


@dataclass
class Arena:
    """Records of the caller's team (`own`) and of another team (`other`), made through
    the API, plus a partner of another organisation."""

    world: World
    own: dict[str, str] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)

    def foreign_ids(self) -> list[str]:
        return sorted(set(self.other.values()))


def _post(client: TestClient, world: World, who: str, url: str, body: Any) -> dict[str, Any]:
    r = client.post(url, json=body, headers=world.auth(who))
    assert r.status_code in (200, 201), (url, r.text)
    out: dict[str, Any] = r.json()
    return out


def _team_records(client: TestClient, world: World, agent: str, partner: str) -> dict[str, str]:
    lead = _post(client, world, agent, "/api/leads", lead_body())
    lid = lead["id"]
    twin = _post(client, world, agent, "/api/leads", lead_body(phone="0470 99 88 77"))
    interaction = _post(
        client, world, agent, f"/api/leads/{lid}/interactions", {"kind": "conversation"}
    )
    followup = _post(client, world, agent, f"/api/leads/{lid}/followups", {"due_on": "2027-01-10"})
    venue = _post(client, world, agent, "/api/venues", {"name": "Chez Fatou"})
    session = _post(
        client, world, agent, "/api/sessions", {"channel": "coffee_stand", "venue_id": venue["id"]}
    )
    referral = _post(
        client,
        world,
        agent,
        f"/api/leads/{lid}/referrals",
        {"partner_id": partner, "direction": "out"},
    )
    return {
        "lead": lid,
        "twin": twin["id"],  # a second lead (a merge's other record)
        "interaction": interaction["id"],
        "followup": followup["id"],
        "venue": venue["id"],
        "session": session["id"],
        "referral": referral["id"],
        "agent": str(getattr(world, agent).id),
    }


def build_arena(client: TestClient, world: World, db: Session) -> Arena:
    partner = _post(
        client,
        world,
        "coordinator",
        "/api/partners",
        {"name": "Actiris", "kind": "employment_service"},
    )
    arena = Arena(world)
    arena.own = _team_records(client, world, "agent", partner["id"])
    arena.own["partner"] = partner["id"]
    spare = {
        "email": "spare@test.terrain",
        "name": "Spare",
        "role": "agent",
        "password": "a long enough passphrase",
        "team_ids": [str(world.brussels.id)],
    }
    # Admin actions on people aim at someone who is not making the requests.
    arena.own["user"] = _post(client, world, "admin", "/api/admin/users", spare)["id"]
    arena.own["team"] = str(world.brussels.id)
    arena.other = _team_records(client, world, "agent2", partner["id"])
    arena.other["team"] = str(world.antwerp.id)
    code = _post(client, world, "coordinator2", "/api/codes", {"kind": "campaign", "campaign": "x"})
    arena.other["code"] = code["id"]
    arena.own["code"] = _post(
        client, world, "coordinator", "/api/codes", {"kind": "campaign", "campaign": "y"}
    )["id"]
    elsewhere = Organisation(name="Another microfinance")
    db.add(elsewhere)
    db.flush()
    foreign_partner = Partner(organisation_id=elsewhere.id, name="Elsewhere", kind="other")
    db.add(foreign_partner)
    db.commit()
    arena.other["partner"] = str(foreign_partner.id)
    return arena


# -- the database before and after -------------------------------------------------------

# Rows every request may write (a device's last use, login throttling, intake throttling).
VOLATILE = {"device", "login_failure", "intake_hit"}
# A refused sync mutation is still acknowledged: the client's bookkeeping moves on.
SYNC_BOOKKEEPING = {"sync_client", "sync_client_group", "sync_rejected", "sync_space"}


def snapshot(db: Session, *, skip: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    db.expire_all()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name, table in sorted(SQLModel.metadata.tables.items()):
        if name in skip:
            continue
        rows = db.execute(select(table)).all()
        out[name] = sorted((tuple(repr(v) for v in row) for row in rows), key=repr)
    return out


def new_rows(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of `after` that `before` did not have (new or changed)."""
    out: list[tuple[Any, ...]] = []
    for name, rows in after.items():
        old = set(before.get(name, []))
        out.extend(row for row in rows if row not in old)
    return out


def changed_tables(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


# -- requests ------------------------------------------------------------------------------


def send(
    client: TestClient,
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str],
    *,
    form: bool = False,
) -> Any:
    """JSON (ASCII-escaped, so a lone surrogate travels as `\\ud800`) or a form."""
    if body is None:
        return client.request(method, url, headers=headers)
    if form:
        encoded = urlencode(body, encoding="utf-8", errors="surrogatepass").encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        encoded = json.dumps(body).encode()
        content_type = "application/json"
    return client.request(
        method, url, content=encoded, headers={**headers, "Content-Type": content_type}
    )


def assert_refused(response: Any, context: object) -> dict[str, Any]:
    """A 4xx in the usual error shape."""
    assert 400 <= response.status_code < 500, (context, response.status_code, response.text[:500])
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("error"), str) and isinstance(body.get("detail"), str), (
        context,
        body,
    )
    if body["error"] == "validation_error":
        assert isinstance(body.get("fields"), list) and body["fields"], (context, body)
    return body


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, leaf) of a JSON value; lists count as leaves."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    else:
        yield path, value


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    out = dict(value or {})
    inner = out.get(path[0])
    out[path[0]] = replaced(inner if isinstance(inner, dict) else {}, path[1:], new)
    return out


def new_uuid() -> str:
    return str(uuid.uuid4())
