"""In-memory working set of one push: rows loaded in bulk, changed in memory, written in bulk.

A push touches a few hundred rows. Loading them one by one (or through the ORM) costs a
round trip and an object per row; here every entity type is read with one `WHERE key IN
(...)` query, mutators work on plain dicts, and `flush` writes each type with one
executemany per column set. A mutation runs inside `begin()`/`rollback()`, so a rejected
one leaves no trace in the working set.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table

from sync.bulk import delete_rows, insert_rows, select_by_keys, update_rows

Row = dict[str, Any]


@dataclass(frozen=True)
class Entity:
    """A table the push may read or write, keyed by one UUID column."""

    name: str
    table: Table
    key: str = "id"
    # (parent entity, foreign key column): loading a child also loads its parent, so
    # authorisation against the parent never needs a query per row.
    parent: tuple[str, str] | None = None
    # Syncable tables carry the space version of their last change.
    versioned: bool = True


# "Not in this dict" (a unique object; None means "known not to exist").
_MISSING: Row = {}
# Undo marker of a delete (its key leaves the deleted set again).
_DELETED: Row = {}
# An undo record: (entity, key, previous row, previous new row, previous changed columns).
_Undo = tuple[str, uuid.UUID, Any, Any, Any]


class Store:
    def __init__(self, conn: Connection, entities: Sequence[Entity]) -> None:
        self._conn = conn
        self.connection = conn
        self.entities = {e.name: e for e in entities}
        self._rows: dict[str, dict[uuid.UUID, Row | None]] = {e.name: {} for e in entities}
        self._wanted: dict[str, set[uuid.UUID]] = {e.name: set() for e in entities}
        self._new: dict[str, dict[uuid.UUID, Row]] = {e.name: {} for e in entities}
        self._dirty: dict[str, dict[uuid.UUID, Row]] = {e.name: {} for e in entities}
        self._deleted: dict[str, set[uuid.UUID]] = {e.name: set() for e in entities}
        self._journal: list[_Undo] | None = None
        self.queries = 0

    # -- reading -------------------------------------------------------------------------

    def want(self, keys: Iterable[tuple[str, uuid.UUID | None]]) -> None:
        for entity, key in keys:
            if key is not None and key not in self._rows[entity]:
                self._wanted[entity].add(key)

    def absent(self, keys: Iterable[tuple[str, uuid.UUID]]) -> None:
        """Record rows the caller knows cannot exist (derived from a row that does not),
        so they are neither loaded nor looked up."""
        for entity, key in keys:
            self._rows[entity].setdefault(key, None)

    def load(self) -> None:
        """Read every wanted row, one query per entity, then the parents of what came back."""
        while any(self._wanted.values()):
            for name, keys in list(self._wanted.items()):
                if keys:
                    self._wanted[name] = set()
                    self._fetch(self.entities[name], keys)
            for entity in self.entities.values():
                if entity.parent is None:
                    continue
                parent, column = entity.parent
                self.want((parent, row[column]) for row in self._rows[entity.name].values() if row)

    def _fetch(self, entity: Entity, keys: set[uuid.UUID]) -> None:
        rows = select_by_keys(self._conn, entity.table, entity.key, list(keys))
        self.queries += 1
        found = self._rows[entity.name]
        for row in rows:
            found[row[entity.key]] = row
        for key in keys:
            found.setdefault(key, None)

    def get(self, entity: str, key: uuid.UUID) -> Mapping[str, Any] | None:
        """The row as this push sees it so far (None: it does not exist)."""
        row = self._rows[entity].get(key, _MISSING)
        if row is _MISSING:
            # Not announced by the mutator: correct, only slower.
            self._wanted[entity].add(key)
            self.load()
            row = self._rows[entity][key]
        return row

    # -- writing -------------------------------------------------------------------------

    def insert(self, entity: str, row: Row) -> None:
        key = row[self.entities[entity].key]
        if self.get(entity, key) is not None:
            raise KeyError(f"{entity} {key} exists")
        if self._journal is not None:
            # It did not exist, so it is neither new nor changed yet.
            self._journal.append((entity, key, None, _MISSING, _MISSING))
        self._rows[entity][key] = row
        self._new[entity][key] = row

    def update(self, entity: str, key: uuid.UUID, changes: Mapping[str, Any]) -> None:
        current = self.get(entity, key)
        if current is None:
            raise KeyError(f"{entity} {key} missing")
        if not changes:
            return
        new, dirty = self._new[entity], self._dirty[entity]
        row = {**current, **changes}
        self._rows[entity][key] = row
        if key in new:
            if self._journal is not None:
                self._journal.append((entity, key, current, current, _MISSING))
            new[key] = row
        else:
            before = dirty.get(key, _MISSING)
            if self._journal is not None:
                self._journal.append((entity, key, current, _MISSING, before))
            dirty[key] = dict(changes) if before is _MISSING else {**before, **changes}

    def delete(self, entity: str, key: uuid.UUID) -> None:
        """Remove a stored row for good (erasure: a tombstone would keep its values)."""
        current = self.get(entity, key)
        if current is None:
            raise KeyError(f"{entity} {key} missing")
        if key in self._new[entity]:
            raise KeyError(f"{entity} {key} was inserted by this push")
        before = self._dirty[entity].pop(key, _MISSING)
        if self._journal is not None:
            self._journal.append((entity, key, current, _DELETED, before))
        self._rows[entity][key] = None
        self._deleted[entity].add(key)

    def loaded(self, entity: str) -> list[Mapping[str, Any]]:
        """Every row of this entity the push holds (loaded or written), as it sees them."""
        return [row for row in self._rows[entity].values() if row is not None]

    def written(self, entity: str) -> Iterator[Mapping[str, Any]]:
        """Rows inserted or changed so far (their current state)."""
        rows = self._rows[entity]
        for key in (*self._new[entity], *self._dirty[entity]):
            row = rows[key]
            if row is not None:
                yield row

    def is_new(self, entity: str, key: uuid.UUID) -> bool:
        """Inserted by this push (not loaded)."""
        return key in self._new[entity]

    def count_written(self) -> int:
        return sum(
            len(self._new[name]) + len(self._dirty[name]) + len(self._deleted[name])
            for name in self.entities
        )

    # -- one mutation as a unit ----------------------------------------------------------

    def begin(self) -> None:
        self._journal = []

    def release(self) -> None:
        self._journal = None

    def rollback(self) -> None:
        """Undo every change since begin(), newest first."""
        for entity, key, row, new, dirty in reversed(self._journal or []):
            self._rows[entity][key] = row
            if new is _DELETED:
                self._deleted[entity].discard(key)
                if dirty is not _MISSING:
                    self._dirty[entity][key] = dirty
                continue
            for target, value in ((self._new[entity], new), (self._dirty[entity], dirty)):
                if value is _MISSING:
                    target.pop(key, None)
                else:
                    target[key] = value
        self._journal = None

    # -- to the database -----------------------------------------------------------------

    def flush(self, *, version: int, now: datetime) -> None:
        """Write deletes (children first), then inserts and updates entity by entity in
        declaration order (parents first), so foreign keys hold at every statement."""
        for entity in reversed(self.entities.values()):
            gone = self._deleted[entity.name]
            if gone:
                delete_rows(self._conn, entity.table, entity.key, sorted(gone))
        for entity in self.entities.values():
            new = self._new[entity.name]
            if new:
                self._insert_all(entity, list(new.values()), version=version, now=now)
            dirty = self._dirty[entity.name]
            if dirty:
                self._update_all(entity, dirty, version=version, now=now)

    def _insert_all(self, entity: Entity, rows: list[Row], *, version: int, now: datetime) -> None:
        columns = entity.table.c
        stamp: Row = {name: now for name in ("created_at", "updated_at") if name in columns}
        if entity.versioned:
            stamp["version"] = version
        insert_rows(self._conn, entity.table, rows, stamp)

    def _update_all(
        self, entity: Entity, dirty: dict[uuid.UUID, Row], *, version: int, now: datetime
    ) -> None:
        extra: Row = {}
        if entity.versioned:
            extra["version"] = version
        if "updated_at" in entity.table.c:
            extra["updated_at"] = now
        # executemany needs one column set per statement: group rows by what changed.
        groups: dict[tuple[str, ...], list[tuple[uuid.UUID, Row]]] = {}
        for key, changes in dirty.items():
            params = {**changes, **extra}
            params.pop(entity.key, None)
            groups.setdefault(tuple(sorted(params)), []).append((key, params))
        for names, rows in groups.items():
            update_rows(self._conn, entity.table, entity.key, names, rows)
