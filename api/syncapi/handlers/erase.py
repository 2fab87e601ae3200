"""lead.erase — the right to erasure (GDPR Art. 17), as a mutator so that it is written like
every other change: one transaction, a new space version, phones told at their next pull.

What it does is generated from the column tags and the catalog (api/privacy/catalog.py):
- the lead, its interactions and follow-ups stay as tombstones with every personal column
  emptied (phones need their ids to drop them; the retention job removes them after the
  tombstone horizon), and the lead is marked erased, so nothing can bring it back;
- its consents, markers and referrals are deleted;
- the person's phone, e-mail and full name are cut out of free text anywhere, and rows that
  copy values (conflicts, rejected mutations) mentioning them or their ids are deleted;
- the request register keeps its rows without the lead id, the audit trail and the
  erasure ledger name the person by pseudonym only.

Admins only (and Terrain itself: the retention purge, a restore's replay).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Table, Uuid, delete, insert, or_, select, update

from api.audit.models import AuditEvent
from api.privacy import traces
from api.privacy.catalog import LEAD_LINKS, Erase, columns_of_kind, table
from api.privacy.models import Erasure
from api.privacy.pseudonym import pseudonym
from api.privacy.system import System
from api.syncapi.entities import CONSENT, ENTITIES, FOLLOWUP, INTERACTION, LEAD, MARKER
from api.syncapi.handlers.common import not_found
from api.syncapi.handlers.leads import parse_id
from api.users.actor import Actor
from api.vocab import Role
from sync.personal import Kind, personal_columns
from sync.push import Apply, Key, Mutator, Rejected
from sync.sqltypes import table_of
from sync.store import Store

_BY_TABLE = {e.table.name: e for e in ENTITIES}
_TOMBSTONES = (LEAD, INTERACTION, FOLLOWUP)
_DELETED_IN_STORE = (CONSENT, MARKER)


def may_erase(actor: Any) -> bool:
    return isinstance(actor, System) or (isinstance(actor, Actor) and actor.role == Role.admin)


def _ids(conn: Connection, t: Table, column: str, lead_id: uuid.UUID) -> list[Any]:
    key = t.primary_key.columns.values()[0]
    return list(conn.execute(select(key).where(t.c[column] == lead_id)).scalars())


def _children(conn: Connection, lead_id: uuid.UUID) -> Iterator[Key]:
    for entity in (INTERACTION, FOLLOWUP, CONSENT):
        t = _BY_TABLE_NAME[entity]
        for key in _ids(conn, t, "lead_id", lead_id):
            yield entity, key
    yield MARKER, lead_id


_BY_TABLE_NAME = {e.name: e.table for e in ENTITIES}


def _mentions(conn: Connection, found: list[str]) -> Iterator[Key]:
    """Synced rows whose free text names the person (their versions move, so phones get
    the redacted text)."""
    for t, column in columns_of_kind({Kind.free_text}):
        entity = _BY_TABLE.get(t.name)
        if entity is None or not found:
            continue
        rows = conn.execute(select(t.c[entity.key]).where(traces.matches(t.c[column], found)))
        for key in rows.scalars():
            yield entity.name, key


def needs_erase(lead_id: uuid.UUID, _hlc: str) -> Iterator[Key]:
    yield LEAD, lead_id


def then_erase(lead_id: uuid.UUID, store: Store) -> Iterator[Key]:
    lead = store.get(LEAD, lead_id)
    if lead is None or lead["erased_at"] is not None:
        return
    yield from _children(store.connection, lead_id)
    yield from _mentions(store.connection, traces.needles(lead))


def blank(t: Table) -> dict[str, Any]:
    """Every personal column of a table at its empty value."""
    out: dict[str, Any] = {}
    for c in personal_columns(t):
        if c.nullable:
            out[c.name] = None
        else:
            out[c.name] = [] if c.type.__class__.__name__ == "JSON" else ""
    return out


def apply_erase(ctx: Apply, lead_id: uuid.UUID) -> None:
    if not may_erase(ctx.actor):
        raise Rejected("permission_denied", "Only an administrator can erase a person.")
    store = ctx.store
    lead = store.get(LEAD, lead_id)
    if lead is None:
        raise not_found()
    if lead["erased_at"] is not None:
        return  # erasing twice is harmless
    found = traces.needles(lead)
    children = {e: list(_keys(store, e, lead_id)) for e in (*_TOMBSTONES[1:], *_DELETED_IN_STORE)}
    skip = {(e, k) for e, ks in children.items() for k in ks} | {(LEAD, lead_id)}
    _redact_mentions(store, found, skip)
    gone = lead["deleted_at"] or ctx.now
    store.update(
        LEAD, lead_id, {**blank(_BY_TABLE_NAME[LEAD]), "deleted_at": gone, "erased_at": ctx.now}
    )
    for key in children[INTERACTION]:
        store.update(INTERACTION, key, blank(_BY_TABLE_NAME[INTERACTION]))
    for key in children[FOLLOWUP]:
        row = store.get(FOLLOWUP, key)
        gone = (row or {}).get("deleted_at") or ctx.now
        store.update(FOLLOWUP, key, {**blank(_BY_TABLE_NAME[FOLLOWUP]), "deleted_at": gone})
    for entity in (MARKER, CONSENT):  # markers first: they refer to consents
        for key in children[entity]:
            store.delete(entity, key)
    # Rows outside the sync store, last: nothing after this may refuse the mutation.
    ids = [lead_id, *children[INTERACTION], *children[FOLLOWUP], *children[CONSENT]]
    _erase_elsewhere(store.connection, lead_id, ids, found)
    _record(ctx, lead_id)


def _keys(store: Store, entity: str, lead_id: uuid.UUID) -> Iterator[uuid.UUID]:
    if entity == MARKER:
        if store.get(MARKER, lead_id) is not None:
            yield lead_id
        return
    for key in _ids(store.connection, _BY_TABLE_NAME[entity], "lead_id", lead_id):
        if store.get(entity, key) is not None:
            yield key


def _redact_mentions(store: Store, found: list[str], skip: set[tuple[str, Any]]) -> None:
    for t, column in columns_of_kind({Kind.free_text}):
        entity = _BY_TABLE.get(t.name)
        if entity is None:
            continue
        for row in store.loaded(entity.name):
            key = row[entity.key]
            if (entity.name, key) in skip or not row.get(column):
                continue
            text = traces.redact(row[column], found)
            if text != row[column]:
                store.update(entity.name, key, {column: text})


def _erase_elsewhere(
    conn: Connection, lead_id: uuid.UUID, ids: list[Any], found: list[str]
) -> None:
    for name, (column, how) in LEAD_LINKS.items():
        if name in _BY_TABLE:
            continue  # synced tables: done through the store above
        t = table(name)
        if how is Erase.delete:
            conn.execute(delete(t).where(t.c[column] == lead_id))
        elif how is Erase.unlink:
            conn.execute(update(t).where(t.c[column] == lead_id).values({column: None}))
    texts = [str(i) for i in ids] + found
    for t, column in columns_of_kind({Kind.copy}):
        # Copies name the person in their values, or refer to their rows by id.
        by_id = [c.in_(ids) for c in t.columns if isinstance(c.type, Uuid)]
        conn.execute(delete(t).where(or_(traces.matches(t.c[column], texts), *by_id)))
    for t, column in columns_of_kind({Kind.free_text}):
        if t.name not in _BY_TABLE:
            _redact_rows(conn, t, column, found)


def _redact_rows(conn: Connection, t: Table, column: str, found: list[str]) -> None:
    if not found:
        return
    key = t.primary_key.columns.values()[0]
    rows = conn.execute(select(key, t.c[column]).where(traces.matches(t.c[column], found)))
    for row_key, text in rows.all():
        conn.execute(update(t).where(key == row_key).values({column: traces.redact(text, found)}))


_audit = table_of(AuditEvent)
_ledger = table_of(Erasure)


def _record(ctx: Apply, lead_id: uuid.UUID) -> None:
    """The audit row and the ledger entry, both by pseudonym."""
    subject = pseudonym(lead_id)
    conn = ctx.store.connection
    actor = ctx.actor
    conn.execute(
        insert(_audit).values(
            at=ctx.now,
            actor_id=actor.id,
            action="lead.erase",
            object_type="person",
            object_ref=subject,
        )
    )
    reason = actor.reason if isinstance(actor, System) else "request"
    exists = conn.execute(select(_ledger.c.subject).where(_ledger.c.subject == subject)).first()
    if exists is None:
        conn.execute(insert(_ledger).values(subject=subject, erased_at=ctx.now, reason=reason))


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("lead.erase", parse_id, needs_erase, apply_erase, then=then_erase),
)
