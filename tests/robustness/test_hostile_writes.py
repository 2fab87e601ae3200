"""Bad input never breaks a write (issue 8): generated over EVERY write operation of the
OpenAPI schema and EVERY sync mutator of the registry, not over a hand-picked list.

Each example takes one operation (or mutator) with a valid baseline request, changes ONE
input to a hostile value (text with a control character or a lone surrogate, 10,000
characters, a date in year 1 or 9999, an integer past 64 bits, the id of another team's or
organisation's record, an id that does not exist) and checks:

- REST: a 4xx in the usual error shape `{error, detail[, fields]}`, never a 5xx;
- sync: the mutation is `rejected` with a code, the push itself answers 200;
- the database is the same before and after (every table, minus request bookkeeping).

A new endpoint or mutator is covered without touching this file: its inputs come from the
schema (REST) or from the generic arguments (sync); a baseline below only makes the probe
sharper (hostile values then hit one field of an otherwise valid request).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from api.clock import server_clock
from api.main import create_app
from api.syncapi.handlers import REGISTRY
from sync import hlc
from tests.conftest import World
from tests.leads.helpers import lead_body
from tests.robustness.hostile import (
    DATES,
    DATETIMES,
    EXAMPLES,
    INTEGERS,
    SYNC_BOOKKEEPING,
    VOLATILE,
    Arena,
    assert_refused,
    build_arena,
    changed_tables,
    hostile_texts,
    leaves,
    new_rows,
    new_uuid,
    replaced,
    send,
    snapshot,
)
from tests.sync.helpers import Phone, lead_fields

WRITE_METHODS = ("post", "put", "patch", "delete")
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- the operations, read from the OpenAPI schema -------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    params: tuple[str, ...]
    body: dict[str, Any] | None  # the resolved request body schema
    form: bool

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """$ref and `X | None` (anyOf with null) to the object schema underneath."""
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].split("/")[-1]]
        elif "anyOf" in schema:
            options = [s for s in schema["anyOf"] if s.get("type") != "null"]
            schema = options[0] if len(options) == 1 else {"anyOf": options}
            if "anyOf" in schema:
                return schema
        else:
            return schema


def write_operations() -> list[Operation]:
    spec = create_app().openapi()
    components = spec.get("components", {}).get("schemas", {})
    ops: list[Operation] = []
    for path, items in spec["paths"].items():
        for method, op in items.items():
            if method not in WRITE_METHODS:
                continue
            params = tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
            content = op.get("requestBody", {}).get("content", {})
            body, form = None, False
            for media, item in content.items():
                body = _resolve(item["schema"], components)
                form = media == "application/x-www-form-urlencoded"
            ops.append(Operation(method, path, params, body, form))
    return ops


OPERATIONS = write_operations()
# Logging out has no input at all: nothing to make hostile (and it ends the caller's token).
NO_INPUT = {"POST /api/auth/logout"}


def _who(op: Operation) -> str:
    path = op.path
    if path.startswith(("/api/admin", "/api/privacy")):
        return "admin"
    if (
        path.startswith(("/api/codes", "/api/sync/conflicts"))
        or (path.startswith("/api/partners") and op.method != "get")
        or path.endswith(("/assign", "/restore", "/send-back", "/merge"))
    ):
        return "coordinator"
    return "agent"


# Creations whose body carries the new record's id → the kind of record it names (another
# team's record of that kind is a taken id).
NEW_IDS = {
    "POST /api/leads": "lead",
    "POST /api/leads/{lead_id}/interactions": "interaction",
    "POST /api/leads/{lead_id}/followups": "followup",
    "POST /api/sessions": "session",
    "POST /api/venues": "venue",
    "POST /api/leads/{lead_id}/referrals": "referral",
}

# Path parameter → the record of the caller's team it names in the baseline.
_PATH_RECORDS = {
    "lead_id": "lead",
    "interaction_id": "interaction",
    "followup_id": "followup",
    "session_id": "session",
    "venue_id": "venue",
    "partner_id": "partner",
    "referral_id": "referral",
    "code_id": "code",
    "team_id": "team",
    "user_id": "user",
}


def _baselines(arena: Arena) -> dict[str, dict[str, Any]]:
    """A valid body per operation (what a careful client sends)."""
    own = arena.own
    return {
        "POST /api/leads": lead_body(
            session_id=own["session"],
            venue_id=own["venue"],
            partner_id=own["partner"],
            email="amina@example.org",
            project_idea="A bakery",
            id=new_uuid(),
        ),
        "PATCH /api/leads/{lead_id}": {
            "first_name": "Amina",
            "commune": "Schaerbeek",
            "session_id": own["session"],
            "venue_id": own["venue"],
            "partner_id": own["partner"],
            "project_idea": "Two lines\nof idea",
        },
        "POST /api/leads/{lead_id}/status": {"status": "contacted", "comment": "ok"},
        "POST /api/leads/{lead_id}/assign": {"agent_id": own["agent"]},
        "POST /api/leads/{lead_id}/send-back": {"comment": "Which street?\nAnd the phone?"},
        "POST /api/leads/{lead_id}/merge": {"other_id": own["twin"]},
        "POST /api/leads/{lead_id}/answer": {"note": "Rue Haute 12\nanswered"},
        "POST /api/leads/{lead_id}/interactions": {
            "kind": "call",
            "occurred_at": "2026-01-02T10:00:00Z",
            "body": "Called",
            "id": new_uuid(),
        },
        "POST /api/interactions/{interaction_id}/void": {"reason": "Wrong lead"},
        "POST /api/leads/{lead_id}/followups": {
            "due_on": "2027-02-01",
            "kind": "visit",
            "note": "Bring the form",
            "assigned_to": own["agent"],
            "id": new_uuid(),
        },
        "PATCH /api/followups/{followup_id}": {"due_on": "2027-03-01", "note": "Later"},
        "POST /api/sessions": {
            "channel": "coffee_stand",
            "title": "Market",
            "venue_id": own["venue"],
            "partner_id": own["partner"],
            "started_at": "2026-11-01T09:00:00Z",
            "ended_at": "2026-11-01T12:00:00Z",
            "notes": "Busy",
            "id": new_uuid(),
        },
        "PATCH /api/sessions/{session_id}": {"title": "Market 2", "venue_id": own["venue"]},
        "POST /api/sessions/{session_id}/tallies": {
            "kind": "coffees",
            "delta": 3,
            "occurred_at": "2026-11-01T10:00:00Z",
            "id": new_uuid(),
        },
        "POST /api/venues": {
            "name": "Bakery",
            "kind": "shop",
            "address": "Rue Haute 1",
            "next_visit_on": "2027-01-15",
            "id": new_uuid(),
        },
        "PATCH /api/venues/{venue_id}": {"name": "Bakery 2", "next_visit_on": "2027-02-15"},
        "POST /api/venues/{venue_id}/visits": {
            "visited_at": "2026-11-02T10:00:00Z",
            "next_visit_on": "2027-01-20",
        },
        "POST /api/partners": {"name": "VDAB", "kind": "employment_service", "city": "Gent"},
        "PATCH /api/partners/{partner_id}": {"city": "Antwerpen"},
        "POST /api/leads/{lead_id}/referrals": {
            "partner_id": own["partner"],
            "direction": "out",
            "note": "Sent",
            "id": new_uuid(),
        },
        "PATCH /api/referrals/{referral_id}": {"status": "accepted", "note": "Taken"},
        "POST /api/privacy/leads/{lead_id}/rectify": {"set": {"last_name": "Benali"}},
        "POST /api/leads/{lead_id}/consent/withdraw": {"purposes": ["markers"]},
        "POST /api/privacy/requests": {
            "kind": "access",
            "lead_id": own["lead"],
            "channel": "email",
            "received_at": "2026-11-01T10:00:00Z",
        },
        "POST /api/codes": {"kind": "venue", "venue_id": own["venue"], "label": "Shop"},
        "POST /api/admin/users": {
            "email": "new@test.terrain",
            "name": "New",
            "role": "agent",
            "password": "correct horse battery staple",
            "team_ids": [own["team"]],
        },
        "PATCH /api/admin/users/{user_id}": {"name": "Renamed"},
        "POST /api/admin/users/{user_id}/password": {"password": "another long passphrase"},
        "POST /api/admin/teams": {"name": "Gent", "city": "Gent"},
        "PATCH /api/admin/teams/{team_id}": {"city": "Bruxelles"},
        "POST /api/auth/token": {
            "username": "agent@test.terrain",
            "password": "wrong password",
            "device_name": "phone",
        },
    }


def _hostile_for(
    name: str, schema: dict[str, Any], arena: Arena, who: str, new_kind: str | None
) -> st.SearchStrategy[Any]:
    """Values no write may accept for one property, by its schema."""
    kind = schema.get("type")
    fmt = schema.get("format")
    if "anyOf" in schema:
        kinds = {s.get("type") for s in schema["anyOf"]}
        fmts = {s.get("format") for s in schema["anyOf"]}
        kind = "string" if "string" in kinds else next(iter(kinds))
        fmt = next((f for f in fmts if f), None)
    if fmt == "uuid":
        if name == "id":
            # A new record's own id may be any fresh one; one of another team's records of
            # the same kind is taken.
            kind_of = arena.other.get(new_kind or "")
            return st.just(kind_of) if kind_of else st.nothing()
        # Another team's records are no reference for anyone but an admin (who sees all).
        ids = arena.foreign_ids() if who != "admin" else [arena.other["partner"]]
        return st.sampled_from([*ids, new_uuid(), str(uuid.UUID(int=0))])
    if fmt == "date":
        return st.sampled_from(DATES)
    if fmt == "date-time":
        return st.sampled_from(DATETIMES)
    if kind == "integer":
        return st.sampled_from(INTEGERS)
    if kind == "array":
        items = _resolve(schema.get("items", {}), _COMPONENTS)
        if items.get("format") == "uuid":
            return st.sampled_from([new_uuid(), str(uuid.UUID(int=0))]).map(lambda i: [i])
        return hostile_texts().map(lambda text: [text])
    if kind == "object":
        return hostile_texts().map(lambda text: {"first_name": text})
    return hostile_texts()


def _properties(schema: dict[str, Any] | None, components: dict[str, Any]) -> dict[str, Any]:
    """Body properties by path (one level into nested objects: consent.*, keys.*)."""
    out: dict[str, Any] = {}
    if not schema:
        return out
    for name, prop in schema.get("properties", {}).items():
        resolved = _resolve(prop, components)
        if resolved.get("type") == "object" and resolved.get("properties"):
            for inner, inner_prop in resolved["properties"].items():
                out[f"{name}.{inner}"] = _resolve(inner_prop, components)
        else:
            out[name] = resolved
    return out


_COMPONENTS = create_app().openapi().get("components", {}).get("schemas", {})
_HOSTILE_OPS = [op for op in OPERATIONS if op.key not in NO_INPUT]


def _url(op: Operation, arena: Arena, override: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match[1]
        if name in override:
            return override[name]
        record = _PATH_RECORDS.get(name)
        return arena.own.get(record or "", new_uuid())

    return re.sub(r"\{(\w+)\}", fill, op.path)


@st.composite
def hostile_requests(draw: st.DrawFn, arena: Arena) -> tuple[Operation, str, Any, str, Any]:
    """(operation, url, body, caller, the hostile value)"""
    op = draw(st.sampled_from(_HOSTILE_OPS))
    who = _who(op)
    base = _baselines(arena).get(op.key)
    body: Any = None if op.body is None else dict(base or {})
    props = _properties(op.body, _COMPONENTS)
    targets = [f"path:{p}" for p in op.params] + sorted(props)
    if not targets:
        # Nothing to aim at (no parameter, no body): a body of junk must still be refused
        # or ignored without a 5xx; checked with an empty text body.
        junk = draw(hostile_texts())
        return op, _url(op, arena, {}), junk, who, junk
    target = draw(st.sampled_from(targets))
    if target.startswith("path:"):
        name = target[5:]
        pool = [new_uuid(), "0", "1" * 40, "%00"]
        if who != "admin":
            pool += arena.foreign_ids()
        aimed = draw(st.sampled_from(pool))
        return op, _url(op, arena, {name: aimed}), body, who, None
    new_kind = NEW_IDS.get(op.key) if target == "id" else None
    value = draw(_hostile_for(target.split(".")[-1], props[target], arena, who, new_kind))
    path = tuple(target.split("."))
    if len(path) == 2 and not isinstance(body.get(path[0]), dict):
        body[path[0]] = {}
    return op, _url(op, arena, {}), replaced(body, path, value), who, value


@pytest.fixture
def arena(client: TestClient, world: World, db: Session) -> Arena:
    return build_arena(client, world, db)


def test_every_write_operation_is_probed() -> None:
    """The operations come from the schema: the sync API and the leads are among them."""
    keys = {op.key for op in OPERATIONS}
    assert {"POST /api/leads", "PATCH /api/leads/{lead_id}", "POST /api/sync/push"} <= keys
    assert len(_HOSTILE_OPS) >= 40


def test_every_baseline_is_accepted(
    client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    """Each baseline is a valid request: a hostile value is then the only thing wrong with
    a probe. (One after the other, on one state: none of them removes what another needs.)"""
    bases = _baselines(arena)
    refused = {}
    for op in _HOSTILE_OPS:
        base = bases.get(op.key)
        if base is None:
            continue
        url = _url(op, arena, {})
        r = send(client, op.method.upper(), url, base, world.auth(_who(op)), form=op.form)
        expected = 401 if op.key == "POST /api/auth/token" else None  # wrong password
        if (expected and r.status_code != expected) or (not expected and r.status_code >= 300):
            refused[op.key] = (r.status_code, r.text[:200])
    assert refused == {}
    assert len([k for k in bases if k in {op.key for op in _HOSTILE_OPS}]) >= 25


@SETTINGS
@given(data=st.data())
def test_hostile_rest_write_is_refused_and_changes_nothing(
    data: st.DataObject, client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    op, url, body, who, aimed = data.draw(hostile_requests(arena))
    before = snapshot(db, skip=VOLATILE)
    r = send(client, op.method.upper(), url, body, world.auth(who), form=op.form)
    context = (op.key, url, body if len(repr(body)) < 400 else "<long>")
    if body is not None and not isinstance(body, dict):
        # A text where no body is read: refused, or ignored by an input-less action.
        assert r.status_code < 500, (context, r.status_code, r.text[:300])
        return
    after = snapshot(db, skip=VOLATILE)
    if r.status_code < 300 and isinstance(aimed, str) and _UUID.match(aimed):
        # An id the caller may not use can only be dropped, never stored (an agent's
        # session is their own whatever `agent_id` says; a code keeps only the reference
        # of its kind): nothing written may name it.
        assert aimed not in repr(new_rows(before, after)), (context, r.text[:300])
        return
    assert_refused(r, context)
    assert changed_tables(before, after) == [], context


# -- sync: every mutator of the registry ------------------------------------------------------


# Mutators only a coordinator (or an admin) may use are probed as one: as an agent every
# probe would stop at the permission check.
SYNC_CALLER = {
    "lead.restore": "coordinator",
    "lead.assign": "coordinator",
    "lead.send_back": "coordinator",
    "lead.merge": "coordinator",
    "lead.erase": "admin",
}


def _sync_baselines(arena: Arena) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    """mutator → (valid args, {leaf path naming the new record's own id: its kind})."""
    own = arena.own
    return {
        "lead.create": (
            {
                "id": new_uuid(),
                "fields": lead_fields(
                    session_id=own["session"],
                    venue_id=own["venue"],
                    partner_id=own["partner"],
                    email="fatima@example.org",
                    project_idea="Sewing\nworkshop",
                    campaign="spring",
                    markers={"gender": "woman"},
                ),
            },
            {"id": "lead"},
        ),
        "lead.patch": (
            {
                "id": own["lead"],
                "set": {
                    "first_name": "Fatima",
                    "last_name": "B",
                    "commune": "Jette",
                    "session_id": own["session"],
                    "venue_id": own["venue"],
                    "partner_id": own["partner"],
                    "project_idea": "Two\nlines",
                    "status": "contacted",
                },
            },
            {},
        ),
        "lead.delete": ({"id": own["lead"]}, {}),
        "lead.assign": ({"id": own["lead"], "agent_id": own["agent"]}, {}),
        "lead.send_back": ({"id": own["lead"], "comment": "Which street?"}, {}),
        "lead.answer": ({"id": own["lead"], "note": "Rue Haute\n12"}, {}),
        "lead.merge": ({"id": own["lead"], "other_id": own["twin"]}, {}),
        "lead.restore": ({"id": own["lead"]}, {}),
        "lead.erase": ({"id": own["lead"]}, {}),
        "interaction.add": (
            {
                "id": new_uuid(),
                "lead_id": own["lead"],
                "kind": "conversation",
                "occurred_at": "2026-11-20T10:00:00Z",
                "body": "Talked\nabout a bakery",
                "channel": "coffee_stand",
            },
            {"id": "interaction"},
        ),
        "interaction.void": ({"id": own["interaction"], "reason": "Wrong"}, {}),
        "followup.create": (
            {
                "id": new_uuid(),
                "lead_id": own["lead"],
                "due_on": "2027-01-05",
                "kind": "call",
                "note": "Call back",
            },
            {"id": "followup"},
        ),
        "followup.patch": (
            {"id": own["followup"], "set": {"due_on": "2027-01-06", "note": "x", "kind": "visit"}},
            {},
        ),
        "followup.delete": ({"id": own["followup"]}, {}),
        "session.create": (
            {
                "id": new_uuid(),
                "fields": {
                    "channel": "coffee_stand",
                    "title": "Market",
                    "venue_id": own["venue"],
                    "partner_id": own["partner"],
                    "started_at": "2026-11-20T09:00:00Z",
                    "ended_at": "2026-11-20T11:00:00Z",
                    "notes": "Busy\nday",
                },
            },
            {"id": "session"},
        ),
        "session.patch": (
            {"id": own["session"], "set": {"title": "Market 2", "venue_id": own["venue"]}},
            {},
        ),
        "venue.create": (
            {
                "id": new_uuid(),
                "fields": {
                    "name": "Bakery",
                    "kind": "shop",
                    "address": "Rue Haute 1",
                    "last_visit_at": "2026-11-20T09:00:00Z",
                    "next_visit_on": "2027-01-01",
                },
            },
            {"id": "venue"},
        ),
        "venue.patch": ({"id": own["venue"], "set": {"name": "Bakery 2"}}, {}),
        "tally.add": (
            {
                "id": new_uuid(),
                "session_id": own["session"],
                "kind": "coffees",
                "delta": 2,
                "occurred_at": "2026-11-20T10:00:00Z",
            },
            {"id": ""},
        ),
        "consent.withdraw": ({"id": own["lead"], "purposes": ["markers"]}, {}),
    }


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _hostile_leaf(
    path: tuple[Any, ...], value: Any, arena: Arena, new_ids: dict[str, str], who: str
) -> st.SearchStrategy[Any]:
    dotted = ".".join(str(p) for p in path)
    if isinstance(value, bool):
        return hostile_texts()
    if isinstance(value, int):
        return st.sampled_from(INTEGERS)
    if isinstance(value, list):
        return hostile_texts().map(lambda text: [text])
    if isinstance(value, str) and _UUID.match(value):
        if dotted in new_ids:
            taken = arena.other.get(new_ids[dotted])
            return st.just(taken) if taken else st.nothing()
        # Another team's records are no reference for anyone but an admin (who sees all).
        foreign = arena.foreign_ids() if who != "admin" else []
        return st.sampled_from([*foreign, new_uuid(), str(uuid.UUID(int=0))])
    if isinstance(value, str) and _DATE.match(value):
        return st.sampled_from(DATES)
    if isinstance(value, str) and _DATETIME.match(value):
        return st.sampled_from(DATETIMES)
    return hostile_texts()


def _generic_args(arena: Arena, who: str) -> st.SearchStrategy[dict[str, Any]]:
    """For a mutator without a baseline: the usual argument names, each hostile."""
    ids = st.sampled_from([*(arena.foreign_ids() if who != "admin" else []), new_uuid()])
    return st.fixed_dictionaries(
        {"id": ids},
        optional={
            "lead_id": ids,
            "session_id": ids,
            "set": hostile_texts().map(lambda t: {"first_name": t, "note": t}),
            "fields": hostile_texts().map(lambda t: {"first_name": t, "name": t}),
            "reason": hostile_texts(),
            "occurred_at": st.sampled_from(DATETIMES),
        },
    )


@st.composite
def hostile_mutations(draw: st.DrawFn, arena: Arena) -> tuple[str, dict[str, Any], str]:
    """(mutator, args with one hostile value, caller)"""
    name = draw(st.sampled_from(sorted(REGISTRY.names())))
    who = SYNC_CALLER.get(name, "agent")
    known = _sync_baselines(arena).get(name)
    if known is None:
        return name, draw(_generic_args(arena, who)), who
    args, new_ids = known
    path, value = draw(st.sampled_from(list(leaves(args))))
    hostile = draw(_hostile_leaf(path, value, arena, new_ids, who))
    return name, replaced(args, path, hostile), who


def test_every_mutator_has_a_sharp_baseline(arena: Arena) -> None:
    """Mutators without a baseline are still probed (generic args); this lists them."""
    missing = set(REGISTRY.names()) - set(_sync_baselines(arena))
    assert not missing or all("." in name for name in missing)


def test_every_sync_baseline_is_applied(
    client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    bases = _sync_baselines(arena)
    refused = {}
    # What removes a record goes last, in this order (a restore needs the delete before it).
    first = ["lead.send_back"]  # an answer needs the question
    last = ["lead.merge", "followup.delete", "lead.delete", "lead.restore", "lead.erase"]
    middle = [n for n in REGISTRY.names() if n in bases and n not in first + last]
    for name in first + middle + last:
        who = SYNC_CALLER.get(name, "agent")
        phone = Phone(client, world.auth(who))
        result = phone.push([phone.mutation(name, bases[name][0])])["results"][-1]
        if result["status"] != "applied":
            refused[name] = result
    assert refused == {}


@SETTINGS
@given(data=st.data())
def test_hostile_mutation_is_rejected_and_changes_nothing(
    data: st.DataObject, client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    name, args, who = data.draw(hostile_mutations(arena))
    phone = Phone(client, world.auth(who))
    before = snapshot(db, skip=VOLATILE | SYNC_BOOKKEEPING)
    r = client.post(
        "/api/sync/push",
        content=_json(phone.body([phone.mutation(name, args)])),
        headers={**world.auth(who), "Content-Type": "application/json"},
    )
    assert r.status_code == 200, (name, r.status_code, r.text[:300])
    [result] = r.json()["results"]
    context = f"{name} {args!r:.600} -> {r.text[:600]}"
    assert result["status"] == "rejected" and result.get("code"), context
    assert changed_tables(before, snapshot(db, skip=VOLATILE | SYNC_BOOKKEEPING)) == [], context


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


# -- query strings: every parameter of every operation ------------------------------------


def _query_parameters() -> list[tuple[str, str, str]]:
    spec = create_app().openapi()
    return [
        (method, path, p["name"])
        for path, items in spec["paths"].items()
        for method, op in items.items()
        for p in op.get("parameters", [])
        if p["in"] == "query"
    ]


QUERY_PARAMETERS = _query_parameters()


@SETTINGS
@given(
    target=st.sampled_from(QUERY_PARAMETERS),
    char=st.sampled_from([chr(c) for c in range(0x20) if chr(c) != "\t"]),
)
def test_a_control_character_in_any_query_parameter_is_refused(
    target: tuple[str, str, str], char: str, client: TestClient, world: World
) -> None:
    """A search for "a\\0b" failed the query on PostgreSQL (500): any query parameter of
    any operation is text first, and text holds no control character."""
    method, path, name = target
    url = re.sub(r"\{\w+\}", new_uuid(), path)  # refused before any record is looked up
    r = client.request(
        method.upper(), url, params={name: f"a{char}b"}, headers=world.auth("coordinator")
    )
    body = assert_refused(r, (method, path, name))
    assert r.status_code == 422 and body["fields"][0]["loc"] == ["query", name]
    assert body["fields"][0]["code"] == "control_character"


# -- references: an invisible id is answered like a missing one, exhaustively ---------------
# The sampled probes above meet a given (operation, reference) pair only now and then; the
# rule "another team's id gets the answer a made-up id gets" is checked here for EVERY
# id-typed input of every operation and of every mutator, with every foreign record.


def _names_a_record(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema, _COMPONENTS)
    options = schema.get("anyOf", [schema])
    for option in options:
        if option.get("format") == "uuid":
            return True
        items = _resolve(option.get("items", {}), _COMPONENTS)
        if option.get("type") == "array" and items.get("format") == "uuid":
            return True
    return False


def _reference_targets() -> list[tuple[Operation, str]]:
    """(operation, input) for every path parameter and every id-typed body property
    (a new record's own id, `id` or `consent.id`, aside: a taken id is no reference)."""
    out = []
    for op in _HOSTILE_OPS:
        out += [(op, f"path:{name}") for name in op.params]
        for name, schema in sorted(_properties(op.body, _COMPONENTS).items()):
            if name.split(".")[-1] != "id" and _names_a_record(schema):
                out.append((op, name))
    return out


REFERENCE_TARGETS = _reference_targets()


def _aimed_request(op: Operation, target: str, arena: Arena, value: str) -> tuple[str, Any]:
    base = _baselines(arena).get(op.key)
    body: Any = None if op.body is None else dict(base or {})
    if target.startswith("path:"):
        return _url(op, arena, {target[5:]: value}), body
    path = tuple(target.split("."))
    if len(path) == 2 and not isinstance(body.get(path[0]), dict):
        body[path[0]] = {}
    schema = _resolve(_properties(op.body, _COMPONENTS)[target], _COMPONENTS)
    is_list = any(o.get("type") == "array" for o in schema.get("anyOf", [schema]))
    return _url(op, arena, {}), replaced(body, path, [value] if is_list else value)


def _answer(response: Any, aimed: str, made_up: str) -> tuple[int, Any]:
    """What a caller learns: the status and the body, with the id aimed at blanked."""
    text = response.text.replace(aimed, "<id>").replace(made_up, "<id>")
    try:
        return response.status_code, json.loads(text)
    except ValueError:
        return response.status_code, text


def test_every_reference_is_probed() -> None:
    keys = {(op.key, target) for op, target in REFERENCE_TARGETS}
    assert ("POST /api/leads", "session_id") in keys
    assert ("PATCH /api/leads/{lead_id}", "venue_id") in keys
    assert ("POST /api/leads/{lead_id}/followups", "assigned_to") in keys
    assert len(REFERENCE_TARGETS) >= 60


def test_another_teams_id_is_answered_like_a_made_up_one_everywhere(
    client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    """Issue 8.1 over the class: for every id a write takes (path or body), each record of
    another team (or organisation) gets exactly the answer a made-up id gets, that
    answer is a refusal (or the id is dropped), and nothing is written."""
    differ: dict[str, Any] = {}
    for op, target in REFERENCE_TARGETS:
        who = _who(op)
        foreign = arena.foreign_ids() if who != "admin" else [arena.other["partner"]]
        made_up = new_uuid()
        before = snapshot(db, skip=VOLATILE)
        url, body = _aimed_request(op, target, arena, made_up)
        expected = _answer(
            send(client, op.method.upper(), url, body, world.auth(who), form=op.form),
            made_up,
            made_up,
        )
        for aimed in foreign:
            url, body = _aimed_request(op, target, arena, aimed)
            r = send(client, op.method.upper(), url, body, world.auth(who), form=op.form)
            got = _answer(r, aimed, made_up)
            where = f"{op.key} {target}={aimed}"
            if r.status_code < 300 and expected[0] < 300:
                # Dropped on both (an agent's session is their own whatever agent_id
                # says): the foreign id is stored nowhere.
                if aimed in repr(new_rows(before, snapshot(db, skip=VOLATILE))):
                    differ[where] = ("stored", r.status_code)
                continue
            if got != expected:
                differ[where] = (got, expected)
                continue
            assert_refused(r, where)
        if expected[0] >= 300:
            assert changed_tables(before, snapshot(db, skip=VOLATILE)) == [], (op.key, target)
    assert differ == {}


def _sync_reference_targets(arena: Arena) -> list[tuple[str, tuple[Any, ...]]]:
    out = []
    for name, (args, new_ids) in sorted(_sync_baselines(arena).items()):
        for path, value in leaves(args):
            dotted = ".".join(str(p) for p in path)
            if isinstance(value, str) and _UUID.match(value) and dotted not in new_ids:
                out.append((name, path))
    return out


def test_every_mutator_reference_is_probed(arena: Arena) -> None:
    names = {name for name, _ in _sync_reference_targets(arena)}
    # Every mutator but one names another record (a venue names none but its own id).
    assert set(REGISTRY.names()) - names == {"venue.create"}
    assert ("lead.create", ("fields", "session_id")) in _sync_reference_targets(arena)


def test_another_teams_id_is_rejected_like_a_made_up_one_in_every_mutator(
    client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    """The same over sync: every id-typed argument of every mutator."""
    differ: dict[str, Any] = {}
    bases = _sync_baselines(arena)
    for name, path in _sync_reference_targets(arena):
        who = SYNC_CALLER.get(name, "agent")
        foreign = arena.foreign_ids() if who != "admin" else [arena.other["partner"]]
        phone = Phone(client, world.auth(who))
        before = snapshot(db, skip=VOLATILE | SYNC_BOOKKEEPING)
        made_up = new_uuid()
        [expected] = phone.push([phone.mutation(name, replaced(bases[name][0], path, made_up))])[
            "results"
        ]
        expected = {k: v for k, v in expected.items() if k != "id"}
        for aimed in foreign:
            [result] = phone.push([phone.mutation(name, replaced(bases[name][0], path, aimed))])[
                "results"
            ]
            got = {k: v for k, v in result.items() if k != "id"}
            if got != expected or got["status"] != "rejected":
                differ[f"{name} {'.'.join(map(str, path))}={aimed}"] = (got, expected)
        after = snapshot(db, skip=VOLATILE | SYNC_BOOKKEEPING)
        assert changed_tables(before, after) == [], (name, path)
    assert differ == {}


# -- a change never leaves a record its creation would refuse (issue 8.5) ------------------
# Every PATCH of the schema is paired with the creation answering the same record (the
# POST whose 201 has the PATCH's 200 schema). Each property, and each pair of properties,
# is set to null; when the PATCH takes it, the record it answers, sent as a creation (its
# values over a valid creation's), must be accepted too: a rule the creation holds (a
# required field, a phone or an e-mail, a date window…) holds on change.


def _response_schema(op: dict[str, Any], status: str) -> str | None:
    content = op.get("responses", {}).get(status, {}).get("content", {})
    ref: str | None = content.get("application/json", {}).get("schema", {}).get("$ref")
    return ref


def _changes_and_creations() -> list[tuple[Operation, Operation]]:
    spec = create_app().openapi()
    by_key = {op.key: op for op in OPERATIONS}
    creations = {
        _response_schema(item["post"], "201"): by_key[f"POST {path}"]
        for path, item in spec["paths"].items()
        if "post" in item and "201" in item["post"].get("responses", {})
    }
    return [
        (by_key[f"PATCH {path}"], creations[_response_schema(item["patch"], "200")])
        for path, item in spec["paths"].items()
        if "patch" in item
    ]


CHANGES = _changes_and_creations()


def test_every_change_has_its_creation() -> None:
    keys = {(change.key, create.key) for change, create in CHANGES}
    assert ("PATCH /api/leads/{lead_id}", "POST /api/leads") in keys
    assert len(CHANGES) == len([op for op in OPERATIONS if op.method == "patch"]) >= 8


def test_no_change_leaves_what_a_creation_would_refuse(
    client: TestClient, world: World, arena: Arena
) -> None:
    bases = _baselines(arena)
    broken: dict[str, Any] = {}
    for change, create in CHANGES:
        props = sorted(_properties(change.body, _COMPONENTS))
        create_props = set(_properties(create.body, _COMPONENTS))
        nulls = [(p,) for p in props] + [
            (a, b) for i, a in enumerate(props) for b in props[i + 1 :]
        ]
        for names in nulls:
            body: Any = {}
            for name in names:
                body = replaced(body, tuple(name.split(".")), None)
            url = _url(change, arena, {})
            r = send(client, "PATCH", url, body, world.auth(_who(change)))
            if r.status_code >= 300:
                assert_refused(r, (change.key, names))
                continue
            record = r.json()
            again = dict(bases[create.key])
            for name in create_props & set(props):
                top = name.split(".")[0]
                if "." not in name and top in record:
                    again[top] = record[top]
            if "id" in again:
                again["id"] = new_uuid()
            created = send(client, "POST", _url(create, arena, {}), again, world.auth(_who(create)))
            # 409: the copy clashes with the record itself (a team's unique name), which
            # says nothing about the record.
            if created.status_code >= 300 and created.status_code != 409:
                broken[f"{change.key} {names}"] = created.text[:200]
    assert broken == {}


def _creation_fields(args: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Where a creation's field values sit in its args (`fields.x`, or `x` beside the id)."""
    return [
        path
        for path, _ in leaves(args)
        if (len(path) == 2 and path[0] == "fields") or (len(path) == 1 and path[0] != "id")
    ]


def test_no_mutator_change_leaves_what_its_creation_would_refuse(
    client: TestClient, world: World, arena: Arena
) -> None:
    """The same through sync: each `x.patch` of the registry with its `x.create`; each
    field of the creation, and each pair, set to null by the patch. When it is applied,
    the creation with the same nulls must be applied too."""
    bases = _sync_baselines(arena)
    pairs = [
        (name, name.replace(".patch", ".create"))
        for name in sorted(REGISTRY.names())
        if name.endswith(".patch")
    ]
    assert len(pairs) >= 4 and all(create in bases for _, create in pairs)
    broken: dict[str, Any] = {}
    for patch, create in pairs:
        phone = Phone(client, world.auth(SYNC_CALLER.get(patch, "agent")))
        # As a phone that has synced: its clock past the server's (earlier tests may have
        # moved that up to the allowed drift ahead), or its patches would lose to the
        # stored stamps as conflicts, answered `applied` without being taken.
        phone.wall_ms = max(phone.wall_ms, hlc.parse(server_clock.now()).wall_ms + 1)
        paths = [p for p in _creation_fields(bases[create][0]) if p[-1] != "lead_id"]
        target = bases[patch][0]["id"]
        for i, first in enumerate(paths):
            for chosen in [(first,), *((first, second) for second in paths[i + 1 :])]:
                change = {"id": target, "set": {path[-1]: None for path in chosen}}
                [done] = phone.push([phone.mutation(patch, change)])["results"]
                if done["status"] != "applied":
                    continue
                # Taken: no field of it lost to a newer stored stamp.
                assert all(c["won"] for c in done.get("conflicts") or []), done
                args = {**bases[create][0], "id": new_uuid()}
                for path in chosen:
                    args = replaced(args, path, None)
                [made] = phone.push([phone.mutation(create, args)])["results"]
                if made["status"] != "applied":
                    broken[f"{patch} {[p[-1] for p in chosen]}"] = made
    assert broken == {}


# -- a value outside its list is refused on every path (issue 8.5, follow-up kind) ---------


def _singular(segment: str) -> str:
    return segment[:-3] + "y" if segment.endswith("ies") else segment.removesuffix("s")


def _listed_properties() -> dict[str, set[str]]:
    """Kind of record (a mutator's prefix) → names of the properties the schema makes a
    choice from a list (enums) in the bodies of that record's operations."""
    from tests.robustness.openapi_walk import client_schemas

    kinds = {name.split(".")[0] for name in REGISTRY.names()}
    listed: dict[str, set[str]] = {}
    for where, node in client_schemas(create_app().openapi()):
        _method, path, last = where.split(" ", 2)
        if "enum" not in node or not last.startswith("body") or "." not in last:
            continue
        segments = [s for s in path.split("/") if s and not s.startswith("{")]
        kind = next((_singular(s) for s in reversed(segments) if _singular(s) in kinds), None)
        if kind is not None:
            listed.setdefault(kind, set()).add(last.rsplit(".", 1)[-1].split("<")[0])
    return listed


LISTED = _listed_properties()


def test_a_value_outside_its_list_is_rejected_by_every_mutator(
    client: TestClient, world: World, arena: Arena, db: Session
) -> None:
    """Sync once took a follow-up kind `<script>` that REST refused: every argument of
    every mutator that the REST schema makes a choice from a list is tried with a value
    outside it (plain printable text, which no text rule stops)."""
    assert {"kind", "channel", "language", "status"} <= LISTED["lead"] | LISTED["followup"]
    bases = _sync_baselines(arena)
    accepted: dict[str, Any] = {}
    tried = set()
    for name in sorted(bases):
        who = SYNC_CALLER.get(name, "agent")
        phone = Phone(client, world.auth(who))
        for path, value in leaves(bases[name][0]):
            if str(path[-1]) not in LISTED.get(name.split(".")[0], set()):
                continue
            tried.add(name)
            wrong = ["<script>"] if isinstance(value, list) else "<script>"
            before = snapshot(db, skip=VOLATILE | SYNC_BOOKKEEPING)
            args = replaced(bases[name][0], path, wrong)
            [result] = phone.push([phone.mutation(name, args)])["results"]
            if result["status"] != "rejected":
                accepted[f"{name} {'.'.join(map(str, path))}"] = result
            elif changed_tables(before, snapshot(db, skip=VOLATILE | SYNC_BOOKKEEPING)):
                accepted[f"{name} {'.'.join(map(str, path))}"] = "changed the database"
    assert {"followup.create", "followup.patch", "lead.create", "tally.add"} <= tried
    assert accepted == {}


def test_the_schema_says_query_text_holds_no_control_character() -> None:
    """What the middleware refuses is stated on every free-text query parameter."""
    from api.openapi import QUERY_TEXT_PATTERN

    spec = create_app().openapi()
    free = []
    for _path, items in spec["paths"].items():
        for _method, op in items.items():
            for p in op.get("parameters", []):
                if p["in"] != "query":
                    continue
                options = p["schema"].get("anyOf", [p["schema"]])
                for o in options:
                    if o.get("type") == "string" and not {"format", "enum"} & set(o):
                        free.append(o.get("pattern"))
    assert len(free) >= 5
    assert None not in free
    assert not [pattern for pattern in free if re.search(pattern, "a\x00b")]
    assert QUERY_TEXT_PATTERN in free
