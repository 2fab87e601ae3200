"""What the server should hold, computed from the mutations alone (invariant I7).

Per-field last-writer-wins by HLC is order independent, so the expected lead fields are
simply, per field, the value of the applied write with the highest stamp. Reading the
server's state goes through the ORM models (UUID storage differs between backends).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Lead
from api.sessions.models import Tally
from sync.models import SyncClient, SyncConflict, SyncRejected
from tests.support.sync_client import Mutation

# lead.create args carry these besides the fields themselves.
NOT_FIELDS = frozenset({"consent", "markers", "id"})


@dataclass(frozen=True)
class Sent:
    """A mutation as one client made it (client ids are stable for the model)."""

    client_id: str
    mutation: Mutation


@dataclass(frozen=True)
class FieldWrite:
    lead_id: str
    field: str
    value: Any
    hlc: str
    base: str | None
    origin: tuple[str, int]


def field_writes(sent: Iterable[Sent]) -> list[FieldWrite]:
    """Every field value the given lead mutations write, with its stamp and base."""
    writes: list[FieldWrite] = []
    for item in sent:
        m = item.mutation
        origin = (item.client_id, m.id)
        if m.name == "lead.create":
            lead_id = m.args["id"]
            for name, value in m.args["fields"].items():
                if name not in NOT_FIELDS:
                    writes.append(FieldWrite(lead_id, name, value, m.hlc, None, origin))
        elif m.name == "lead.patch":
            base = m.args.get("base") or {}
            for name, value in m.args["set"].items():
                writes.append(FieldWrite(m.args["id"], name, value, m.hlc, base.get(name), origin))
    return writes


def winners(writes: Iterable[FieldWrite]) -> dict[str, dict[str, FieldWrite]]:
    """lead id → field → the write with the highest stamp (the sequential model)."""
    out: dict[str, dict[str, FieldWrite]] = defaultdict(dict)
    for w in writes:
        current = out[w.lead_id].get(w.field)
        if current is None or w.hlc > current.hlc:
            out[w.lead_id][w.field] = w
    return out


@dataclass
class Snapshot:
    """The server's committed state for some leads and some clients."""

    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    interactions: Counter[str] = field(default_factory=Counter)
    followups: Counter[str] = field(default_factory=Counter)  # lead id → follow-up count
    tallies: dict[str, int] = field(default_factory=dict)  # tally id → delta
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rejected: Counter[tuple[str, int]] = field(default_factory=Counter)
    last_ids: dict[str, int] = field(default_factory=dict)


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    return [uuid.UUID(v) for v in values]


def snapshot(
    engine: Engine,
    *,
    lead_ids: Iterable[str] = (),
    interaction_ids: Iterable[str] = (),
    tally_ids: Iterable[str] = (),
    client_ids: Iterable[str] = (),
) -> Snapshot:
    leads, clients = _uuids(lead_ids), _uuids(client_ids)
    interactions, tallies = _uuids(interaction_ids), _uuids(tally_ids)
    snap = Snapshot()
    with Session(engine) as session:
        for lead in session.exec(select(Lead).where(col(Lead.id).in_(leads))):
            snap.leads[str(lead.id)] = lead.model_dump()
        # Interactions by id, and also every interaction of these leads (nothing extra).
        rows = session.exec(
            select(Interaction.id).where(
                col(Interaction.id).in_(interactions) | col(Interaction.lead_id).in_(leads)
            )
        )
        snap.interactions.update(str(i) for i in rows)
        counts = session.exec(
            select(Followup.lead_id, func.count())
            .where(col(Followup.lead_id).in_(leads))
            .group_by(col(Followup.lead_id))
        )
        snap.followups.update({str(lead): n for lead, n in counts})
        for tally in session.exec(select(Tally).where(col(Tally.id).in_(tallies))):
            snap.tallies[str(tally.id)] = tally.delta
        for c in session.exec(
            select(SyncConflict).where(
                col(SyncConflict.entity) == "lead", col(SyncConflict.entity_id).in_(leads)
            )
        ):
            snap.conflicts.append(c.model_dump())
        for client_id, mutation_id in session.exec(
            select(SyncRejected.client_id, SyncRejected.mutation_id).where(
                col(SyncRejected.client_id).in_(clients)
            )
        ):
            snap.rejected[(str(client_id), mutation_id)] += 1
        for sc in session.exec(select(SyncClient).where(col(SyncClient.id).in_(clients))):
            snap.last_ids[str(sc.id)] = sc.last_mutation_id
    return snap


def merge_problems(writes: list[FieldWrite], snap: Snapshot) -> list[str]:
    """I7 on the server: every lead field (value and stamp) equals the sequential model,
    and every value overwritten by someone who had not seen it is in sync_conflict."""
    problems: list[str] = []
    expected = winners(writes)
    for lead_id, fields in expected.items():
        row = snap.leads.get(lead_id)
        if row is None:
            problems.append(f"lead {lead_id} missing")
            continue
        stamps = row.get("field_hlc") or {}
        for name, w in fields.items():
            if row.get(name) != w.value:
                problems.append(f"lead {lead_id}.{name} = {row.get(name)!r}, model {w.value!r}")
            if stamps.get(name, stamps.get("*")) != w.hlc:
                problems.append(f"lead {lead_id}.{name} stamp {stamps.get(name)}, model {w.hlc}")
    problems += conflict_problems(writes, expected, snap.conflicts)
    return problems


def conflict_problems(
    writes: list[FieldWrite],
    expected: dict[str, dict[str, FieldWrite]],
    conflicts: list[dict[str, Any]],
) -> list[str]:
    """Values are unique per write in these tests, so a value names its write."""
    problems: list[str] = []
    seen_bases = {(w.lead_id, w.field, w.base) for w in writes if w.base}
    recorded: Counter[tuple[str, str, Any]] = Counter()
    for c in conflicts:
        key = (str(c["entity_id"]), c["field"], _hashable(c["losing_value"]))
        recorded[key] += 1
    written = {(w.lead_id, w.field, _hashable(w.value)) for w in writes}
    for key, count in recorded.items():
        lead_id, name, value = key
        if count > 1:
            problems.append(f"conflict recorded {count} times: {key}")
        if key not in written:
            problems.append(f"conflict with a value nobody wrote: {key}")
        final = expected.get(lead_id, {}).get(name)
        if final is not None and _hashable(final.value) == value:
            problems.append(f"the winning value is recorded as a loser: {key}")
    for w in writes:
        final = expected[w.lead_id][w.field]
        if w is final or w.value == final.value:
            continue
        if (w.lead_id, w.field, w.hlc) in seen_bases:
            continue  # someone saw it and overwrote it on purpose
        if recorded[(w.lead_id, w.field, _hashable(w.value))] == 0:
            problems.append(f"overwritten concurrent value lost: {w.lead_id}.{w.field}={w.value!r}")
    return problems


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
