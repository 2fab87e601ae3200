"""One write path (issue 11): a REST write and the equivalent pushed mutation leave the same
rows — the lead and everything hanging off it (follow-ups, interactions, consents, markers,
conflicts), the same fields stamped, and the same audit rows.

Each case runs twice on its own fresh lead made the same way: once through the REST call,
once as a one-mutation push from a phone of the same user. The two results are compared
after the values that must differ are made neutral: the rows' own ids, timestamps, version
numbers and the stamps' values (their set of stamped fields is kept)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select
from sqlmodel import Session, SQLModel

from api.audit.models import AuditEvent
from api.followups.models import Followup
from api.intake import answers, form, render
from api.leads.models import Lead
from api.leads.rules import first_followup_id
from api.syncapi import local
from api.users.actor import PublicForm
from tests.conftest import World
from tests.intake.helpers import answers as intake_answers
from tests.intake.helpers import new_token, post_form
from tests.sync.helpers import Phone, lead_fields

# Tables whose rows belong to one lead (a `lead_id` column), plus the lead itself.
_SKIP_TABLES = {"sync_rejected_mutation", "push_outbox"}


def _tables() -> dict[str, Table]:
    """The models' tables (not reflected: reflection warns on expression indexes)."""
    import api.models  # noqa: F401  (every model registered)

    return dict(SQLModel.metadata.tables)


def _lead_tables(db: Session) -> list[Table]:
    return [
        t for name, t in sorted(_tables().items()) if "lead_id" in t.c and name not in _SKIP_TABLES
    ]


def _neutral(value: Any, known: dict[str, str]) -> Any:
    """A value with what must differ between two runs made neutral."""
    if isinstance(value, datetime | date):
        return "<time>"
    if isinstance(value, uuid.UUID | str):
        text = str(value)
        try:
            uuid.UUID(text)
        except ValueError:
            return value
        return known.get(str(uuid.UUID(text)), "<id>")
    if isinstance(value, dict):
        return {k: _neutral(v, known) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_neutral(v, known) for v in value]
    return value


def snapshot(db: Session, world: World, lead_id: uuid.UUID) -> dict[str, Any]:
    """The lead and its rows, neutral; the audit rows' actions about it."""
    db.expire_all()
    known = {
        str(u.id): name
        for name, u in (
            ("agent", world.agent),
            ("coordinator", world.coordinator),
            ("brussels", world.brussels),
            ("antwerp", world.antwerp),
        )
    }
    tables = _tables()
    out: dict[str, Any] = {}
    lead = tables["lead"]
    [row] = db.execute(select(lead).where(lead.c.id == lead_id)).mappings().all()
    out["lead"] = _row(row, known)
    for table in _lead_tables(db):
        rows = db.execute(select(table).where(table.c.lead_id == lead_id)).mappings().all()
        out[table.name] = sorted((_row(r, known) for r in rows), key=repr)
    conflict = tables["sync_conflict"]
    rows = db.execute(select(conflict).where(conflict.c.entity_id == lead_id)).mappings().all()
    out["sync_conflict"] = sorted(
        (_row(r, known, drop={"client_id", "mutation_id"}) for r in rows), key=repr
    )
    return out


def audit_since(db: Session, after: int) -> list[tuple[str, str | None]]:
    """The audit rows written since row `after`: (action, object type)."""
    rows = db.execute(
        select(AuditEvent.action, AuditEvent.object_type)  # type: ignore[call-overload]
        .where(AuditEvent.id > after)
        .order_by(AuditEvent.id)
    ).all()
    return [(a, t) for a, t in rows]


def last_audit(db: Session) -> int:
    db.expire_all()
    found = db.execute(select(func.max(AuditEvent.id))).scalar_one()  # type: ignore[arg-type]
    return int(found or 0)


def _row(row: Any, known: dict[str, str], drop: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    values = {k: v for k, v in row.items() if k not in drop and k != "version"}
    if isinstance(values.get("field_hlc"), dict):
        values["field_hlc"] = sorted(values["field_hlc"])
    return {k: _neutral(v, known) for k, v in values.items()}


@dataclass
class Case:
    """One write, as REST (method, path, body) and as a mutation (name, args), on a lead
    made by `setup` (the same way for both runs)."""

    name: str
    rest: Callable[[uuid.UUID], tuple[str, str, dict[str, Any] | None]]
    push: Callable[[uuid.UUID], tuple[str, dict[str, Any]]]
    # Mutations pushed after the lead is made, before the case (e.g. an interaction to void).
    setup: Callable[[uuid.UUID], list[tuple[str, dict[str, Any]]]] = lambda _: []
    who: str = "agent"  # who writes (the lead is always the agent's)


def _rest_lead(lead_id: uuid.UUID) -> dict[str, Any]:
    body = lead_fields()
    consent = dict(body.pop("consent"))
    return {"id": str(lead_id), **body, "consent": consent}


CASES = [
    Case(
        "lead.create",
        rest=lambda i: ("POST", "/api/leads", _rest_lead(i)),
        push=lambda i: ("lead.create", {"id": str(i), "fields": lead_fields()}),
    ),
    Case(
        "lead.patch",
        rest=lambda i: ("PATCH", f"/api/leads/{i}", {"commune": "Anderlecht", "sector": "food"}),
        # The phone saw the stored values, as the REST editor did: their stamps are its base.
        push=lambda i: (
            "lead.patch",
            {"id": str(i), "set": {"commune": "Anderlecht", "sector": "food"}, "base": BASE[i]},
        ),
    ),
    Case(
        "lead.delete",
        rest=lambda i: ("DELETE", f"/api/leads/{i}", None),
        push=lambda i: ("lead.delete", {"id": str(i)}),
    ),
    Case(
        "followup.create",
        rest=lambda i: (
            "POST",
            f"/api/leads/{i}/followups",
            {"id": str(uuid.uuid5(i, "f")), "due_on": _soon(), "kind": "visit", "note": "Shop"},
        ),
        push=lambda i: (
            "followup.create",
            {
                "id": str(uuid.uuid5(i, "f")),
                "lead_id": str(i),
                "due_on": _soon(),
                "kind": "visit",
                "note": "Shop",
            },
        ),
    ),
    Case(
        "interaction.add",
        rest=lambda i: (
            "POST",
            f"/api/leads/{i}/interactions",
            {
                "id": str(uuid.uuid5(i, "i")),
                "kind": "call",
                "note": "Called",
                "outcome": "reached",
                "occurred_at": _earlier(),
            },
        ),
        push=lambda i: (
            "interaction.add",
            {
                "id": str(uuid.uuid5(i, "i")),
                "lead_id": str(i),
                "kind": "call",
                "note": "Called",
                "outcome": "reached",
                "occurred_at": _earlier(),
            },
        ),
    ),
]
CASES += [
    Case(
        "lead.status",
        rest=lambda i: (
            "POST",
            f"/api/leads/{i}/status",
            {"status": "contacted", "comment": "Reached on the phone"},
        ),
        push=lambda i: (
            "lead.patch",
            {
                "id": str(i),
                "set": {"status": "contacted"},
                "base": BASE[i],
                "comment": "Reached on the phone",
            },
        ),
    ),
    Case(
        "lead.restore",
        who="coordinator",  # agents may not restore
        setup=lambda i: [("lead.delete", {"id": str(i)})],
        rest=lambda i: ("POST", f"/api/leads/{i}/restore", None),
        push=lambda i: ("lead.restore", {"id": str(i)}),
    ),
    Case(
        "followup.patch",
        rest=lambda i: (
            "PATCH",
            f"/api/followups/{first_followup_id(i)}",
            {"note": "Call after 5 pm", "due_on": _soon()},
        ),
        push=lambda i: (
            "followup.patch",
            {
                "id": str(first_followup_id(i)),
                "set": {"note": "Call after 5 pm", "due_on": _soon()},
                "base": FOLLOWUP_BASE[i],
            },
        ),
    ),
    Case(
        "interaction.void",
        setup=lambda i: [
            (
                "interaction.add",
                {
                    "id": str(uuid.uuid5(i, "i")),
                    "lead_id": str(i),
                    "kind": "call",
                    "occurred_at": _earlier(),
                },
            )
        ],
        rest=lambda i: (
            "POST",
            f"/api/interactions/{uuid.uuid5(i, 'i')}/void",
            {"reason": "Wrong person"},
        ),
        push=lambda i: (
            "interaction.void",
            {"id": str(uuid.uuid5(i, "i")), "reason": "Wrong person"},
        ),
    ),
]
# The stamps each lead's fields carry when a case starts (the base a phone sends).
BASE: dict[uuid.UUID, dict[str, str]] = {}
FOLLOWUP_BASE: dict[uuid.UUID, dict[str, str]] = {}


def _earlier() -> str:
    return (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0).isoformat()


def _soon() -> str:
    return (date.today() + timedelta(days=5)).isoformat()


def _made(client: TestClient, world: World, db: Session, case: Case) -> uuid.UUID:
    """A lead of the agent's, made the same way for both runs (a push), and the case's
    setup pushed after it."""
    lead_id = uuid.uuid4()
    phone = Phone(client, world.auth("agent"))
    create = phone.create_lead(lead_id)
    setup = [phone.mutation(name, args) for name, args in case.setup(lead_id)]
    result = phone.push([create, *setup])
    assert {r["status"] for r in result["results"]} == {"applied"}, result
    db.expire_all()
    lead = db.get(Lead, lead_id)
    followup = db.get(Followup, first_followup_id(lead_id))
    assert lead is not None and followup is not None
    BASE[lead_id] = dict(lead.field_hlc)
    FOLLOWUP_BASE[lead_id] = dict(followup.field_hlc)
    return lead_id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rest_and_push_leave_the_same_rows(
    case: Case, client: TestClient, world: World, db: Session
) -> None:
    creating = case.name == "lead.create"
    by_rest = uuid.uuid4() if creating else _made(client, world, db, case)
    by_push = uuid.uuid4() if creating else _made(client, world, db, case)

    method, path, body = case.rest(by_rest)
    before = last_audit(db)
    answer = client.request(method, path, json=body, headers=world.auth(case.who))
    assert answer.status_code < 300, answer.text
    rest_audit = audit_since(db, before)
    phone = Phone(client, world.auth(case.who))
    name, args = case.push(by_push)
    before = last_audit(db)
    result = phone.push([phone.mutation(name, args)])
    assert result["results"][0]["status"] == "applied", result
    push_audit = audit_since(db, before)

    rest, push = snapshot(db, world, by_rest), snapshot(db, world, by_push)
    assert differences(rest, push) == []
    assert rest_audit == push_audit


def differences(a: Any, b: Any, at: str = "") -> list[str]:
    """Where two snapshots differ, one line each (a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d for k in sorted(set(a) | set(b)) for d in differences(a.get(k), b.get(k), f"{at}.{k}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for n, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{at}[{n}]")
        ]
    return [] if a == b else [f"{at}: REST {a!r} != push {b!r}"]


# -- team records: outreach sessions, their tallies, venues ---------------------------


@dataclass
class PlaceCase:
    """A write on a session or venue made by `setup` (a push), as REST and as a mutation."""

    name: str
    table: str
    setup: Callable[[uuid.UUID], list[tuple[str, dict[str, Any]]]]
    rest: Callable[[uuid.UUID], tuple[str, str, dict[str, Any] | None]]
    push: Callable[[uuid.UUID], tuple[str, dict[str, Any]]]


def _new_session(i: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    fields = {"channel": "coffee_stand", "commune": "Molenbeek", "started_at": _earlier()}
    return [("session.create", {"id": str(i), "fields": fields})]


def _new_venue(i: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    return [("venue.create", {"id": str(i), "fields": {"name": "Épicerie", "commune": "Forest"}})]


PLACE_CASES = [
    PlaceCase(
        "session.create",
        "outreach_session",
        setup=lambda i: [],
        rest=lambda i: (
            "POST",
            "/api/sessions",
            {"id": str(i), "channel": "coffee_stand", "commune": "Molenbeek"},
        ),
        push=lambda i: (
            "session.create",
            {
                "id": str(i),
                "fields": {
                    "channel": "coffee_stand",
                    "commune": "Molenbeek",
                    "started_at": _earlier(),
                },
            },
        ),
    ),
    PlaceCase(
        "session.patch",
        "outreach_session",
        setup=_new_session,
        rest=lambda i: ("PATCH", f"/api/sessions/{i}", {"title": "Market", "notes": "Rain"}),
        push=lambda i: (
            "session.patch",
            {"id": str(i), "set": {"title": "Market", "notes": "Rain"}, "base": {}},
        ),
    ),
    PlaceCase(
        "tally.add",
        "outreach_session",
        setup=_new_session,
        rest=lambda i: (
            "POST",
            f"/api/sessions/{i}/tallies",
            {
                "id": str(uuid.uuid5(i, "t")),
                "kind": "coffees",
                "delta": 3,
                "occurred_at": _earlier(),
            },
        ),
        push=lambda i: (
            "tally.add",
            {
                "id": str(uuid.uuid5(i, "t")),
                "session_id": str(i),
                "kind": "coffees",
                "delta": 3,
                "occurred_at": _earlier(),
            },
        ),
    ),
    PlaceCase(
        "venue.create",
        "venue",
        setup=lambda i: [],
        rest=lambda i: (
            "POST",
            "/api/venues",
            {"id": str(i), "name": "Épicerie", "commune": "Forest"},
        ),
        push=lambda i: _new_venue(i)[0],
    ),
    PlaceCase(
        "venue.patch",
        "venue",
        setup=_new_venue,
        rest=lambda i: ("PATCH", f"/api/venues/{i}", {"kind": "grocery", "next_visit_on": _soon()}),
        push=lambda i: (
            "venue.patch",
            {"id": str(i), "set": {"kind": "grocery", "next_visit_on": _soon()}, "base": {}},
        ),
    ),
]


def place_snapshot(db: Session, world: World, table_name: str, row_id: uuid.UUID) -> dict[str, Any]:
    db.expire_all()
    known = {str(world.agent.id): "agent", str(world.brussels.id): "brussels"}
    tables = _tables()
    table = tables[table_name]
    [row] = db.execute(select(table).where(table.c.id == row_id)).mappings().all()
    out: dict[str, Any] = {table_name: _row(row, known)}
    for child in tables.values():
        if "session_id" in child.c and child.name != "lead" and table_name == "outreach_session":
            rows = db.execute(select(child).where(child.c.session_id == row_id)).mappings().all()
            out[child.name] = sorted((_row(r, known) for r in rows), key=repr)
    conflict = tables["sync_conflict"]
    rows = db.execute(select(conflict).where(conflict.c.entity_id == row_id)).mappings().all()
    out["sync_conflict"] = sorted(
        (_row(r, known, drop={"id", "client_id", "mutation_id"}) for r in rows), key=repr
    )
    return out


@pytest.mark.parametrize("case", PLACE_CASES, ids=lambda c: c.name)
def test_rest_and_push_leave_the_same_place_rows(
    case: PlaceCase, client: TestClient, world: World, db: Session
) -> None:
    phone = Phone(client, world.auth("agent"))
    by_rest, by_push = uuid.uuid4(), uuid.uuid4()
    for made in (by_rest, by_push):
        setup = [phone.mutation(name, args) for name, args in case.setup(made)]
        if setup:
            assert {r["status"] for r in phone.push(setup)["results"]} == {"applied"}

    method, path, body = case.rest(by_rest)
    answer = client.request(method, path, json=body, headers=world.auth("agent"))
    assert answer.status_code < 300, answer.text
    name, args = case.push(by_push)
    result = phone.push([phone.mutation(name, args)])
    assert result["results"][0]["status"] == "applied", result

    rest = place_snapshot(db, world, case.table, by_rest)
    push = place_snapshot(db, world, case.table, by_push)
    assert differences(rest, push) == []


# -- the public form: its lead is a lead.create like any other ------------------------


def test_the_public_forms_lead_is_a_pushed_lead_create(
    client: TestClient, world: World, db: Session
) -> None:
    """A person's own answers on the public form, through an agent's code, and the same
    answers pushed by that agent's phone as a lead.create: the same lead, consent, markers,
    first follow-up, stamped fields and audit. What differs is the credit alone: the code's
    agent is credited on both, but nobody created the form's lead, so nobody holds its
    first call until a coordinator assigns it."""
    made = client.post(
        "/api/codes",
        json={"kind": "agent", "agent_id": str(world.agent.id)},
        headers=world.auth("coordinator"),
    )
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    posted = intake_answers(
        "nl",
        c=code,
        consent=["contact", "sensitive_markers"],
        gender="woman",
        migrant_background="yes",
    )
    token = new_token()
    before = last_audit(db)
    r = post_form(client, "nl", posted, token=token)
    assert r.status_code == 303, r.text
    form_audit = audit_since(db, before)
    by_form = answers.lead_id(uuid.UUID(token))

    # What the page made of the answers, as the agent's phone would send it.
    pairs = [
        (name, item)
        for name, value in {"token": token, **posted}.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    consent = form.definition("nl", render.notice())["consent"]
    data, errors = answers.validate(answers.read(pairs), language="nl", consent=consent)
    assert data is not None, errors
    fields = data.model_dump(mode="json", exclude_unset=True, exclude={"id"})
    fields["campaign"] = code  # the code's attribution, which the phone names itself
    by_push = uuid.uuid4()
    phone = Phone(client, world.auth("agent"))
    before = last_audit(db)
    result = phone.push([phone.mutation("lead.create", {"id": str(by_push), "fields": fields})])
    assert result["results"][0]["status"] == "applied", result
    push_audit = audit_since(db, before)

    from_form, from_push = snapshot(db, world, by_form), snapshot(db, world, by_push)
    # (`differences` names its first side REST: here it is the form's lead.)
    assert differences(from_form, from_push) == [
        ".followup[0].assigned_to: REST None != push 'agent'",
        ".followup[0].created_by: REST None != push 'agent'",
        ".lead.created_by: REST None != push 'agent'",
    ]
    assert form_audit == push_audit


def test_the_public_form_never_changes_a_lead_it_already_made(
    client: TestClient, world: World, db: Session
) -> None:
    """The page's script resends what it held offline, and two sends of one form may cross:
    the second lead.create finds the first's lead and leaves it exactly as it is (a phone's
    replayed create would patch it; a stranger's form must never)."""
    token = new_token()
    assert post_form(client, "fr", intake_answers("fr"), token=token).status_code == 303
    lead_id = answers.lead_id(uuid.UUID(token))
    before = snapshot(db, world, lead_id)
    fields = lead_fields(first_name="Someone", channel="self_intake")
    fields["consent"]["channel"] = "self"
    local.apply(
        db,
        actor=PublicForm(team_id=world.antwerp.id),
        mutations=[("lead.create", {"id": str(lead_id), "fields": fields})],
    )
    assert differences(before, snapshot(db, world, lead_id)) == []
