"""The push algorithm (sync-protocol.md, `POST /api/sync/push`), one transaction per request.

The caller first `prepare`s the request (checks and argument validation, no database),
then opens the write transaction (BEGIN IMMEDIATE on SQLite), hands over its connection,
commits after `push` returns and pokes listeners after the commit. Everything here happens
before that commit, so a crash at any point leaves either all of a push or none of it
(I1, I2).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Update, bindparam, select, update

from sync import hlc as hlc_mod
from sync.hlc import Clock
from sync.merge import FieldConflict
from sync.models import SyncClient, SyncClientGroup, SyncConflict, SyncRejected
from sync.protocol import (
    MAX_MUTATIONS,
    ClientStateNotFound,
    ConflictOut,
    Gap,
    MutationIn,
    MutationResult,
    PushRequest,
    PushResponse,
    TooLarge,
    WrongOwner,
    check_schema_version,
)
from sync.space import bump_version
from sync.sqltypes import table_of, utcnow
from sync.store import Entity, Store

P = TypeVar("P")
Key = tuple[str, uuid.UUID | None]

_client = table_of(SyncClient)
_group = table_of(SyncClientGroup)
_conflict = table_of(SyncConflict)
_rejected = table_of(SyncRejected)


class Rejected(Exception):
    """The mutation is refused: stored in sync_rejected, acknowledged, never applied."""

    def __init__(self, code: str, detail: str = "", *, keep_args: bool = True) -> None:
        self.code = code
        self.detail = detail
        # False: the stored rejection leaves the args out (they name an erased person).
        self.keep_args = keep_args
        super().__init__(code)


@dataclass(slots=True)
class Apply:
    """What a mutator sees while applying one mutation (slots: a push makes 100 of them)."""

    store: Store
    actor: Any
    user_id: uuid.UUID
    client_id: uuid.UUID
    mutation_id: int
    hlc: str
    now: datetime
    conflicts: list[tuple[str, uuid.UUID, FieldConflict]] = field(default_factory=list)

    @property
    def hlc_time(self) -> datetime:
        """When the change was made, by its stamp's wall clock (at most the allowed drift ahead)."""
        return datetime.fromtimestamp(hlc_mod.parse(self.hlc).wall_ms / 1000, UTC)

    def conflict(self, entity: str, entity_id: uuid.UUID, found: Iterable[FieldConflict]) -> None:
        self.conflicts.extend((entity, entity_id, c) for c in found)


@dataclass(frozen=True)
class Mutator(Generic[P]):
    """A named mutation: parse its args, say which rows it reads, apply it in memory.

    `needs` names the rows to load with everyone else's; `then`, if given, names more
    once those are loaded (rows that can only exist if the first ones do)."""

    name: str
    parse: Callable[[Mapping[str, Any]], P]
    needs: Callable[[P, str], Iterable[Key]]
    apply: Callable[[Apply, P], None]
    version: int = 1
    then: Callable[[P, Store], Iterable[Key]] | None = None


Upcaster = Callable[[MutationIn], MutationIn]


class Registry:
    """Mutators by name, and upcasters that lift an older (name, v) one step forward."""

    def __init__(self) -> None:
        self._mutators: dict[str, Mutator[Any]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def add(self, mutator: Mutator[Any]) -> None:
        self._mutators[mutator.name] = mutator

    def remove(self, name: str) -> None:
        self._mutators.pop(name, None)

    def names(self) -> list[str]:
        """Every registered mutator's name (tests iterate over them)."""
        return sorted(self._mutators)

    def get(self, name: str) -> Mutator[Any] | None:
        return self._mutators.get(name)

    def add_upcaster(self, name: str, v: int, upcaster: Upcaster) -> None:
        self._upcasters[(name, v)] = upcaster

    def remove_upcaster(self, name: str, v: int) -> None:
        self._upcasters.pop((name, v), None)

    def upcast(self, mutation: MutationIn) -> MutationIn:
        for _ in range(32):  # a chain, never a loop
            step = self._upcasters.get((mutation.name, mutation.v))
            if step is None:
                return mutation
            mutation = step(mutation)
        raise Rejected("unsupported_version", "This change was made by a much older app.")


Translate = Callable[[Exception], Rejected | None]


@dataclass
class PushOutcome:
    response: PushResponse
    store: Store
    version: int


@dataclass
class _Prepared:
    mutation: MutationIn
    mutator: Mutator[Any] | None = None
    parsed: Any = None
    stamp: str = ""
    checked: hlc_mod.Stamp | None = None
    rejected: Rejected | None = None


@dataclass
class Batch:
    """A push request with its mutations parsed: everything that needs no database, done
    before the write transaction so that no lock is held while arguments are validated."""

    request: PushRequest
    ordered: list[MutationIn]
    prepared: dict[int, _Prepared]


def prepare(
    request: PushRequest,
    *,
    registry: Registry,
    clock: Clock,
    translate: Translate | None = None,
) -> Batch:
    """Check the request and parse every mutation (a refused one carries its rejection).

    Mutations the server already has are parsed too (which ones they are is only known in
    the transaction); their outcome is read back from the first time, never re-applied."""
    check_schema_version(request.schemaVersion)
    if len(request.mutations) > MAX_MUTATIONS:
        raise TooLarge("Too many changes in one request.")
    ordered = _ordered(request.mutations)
    return Batch(request, ordered, {m.id: _prepare(m, registry, clock, translate) for m in ordered})


def push(
    conn: Connection,
    batch: Batch,
    *,
    user_id: uuid.UUID,
    actor: Any,
    entities: Sequence[Entity],
    clock: Clock,
    translate: Translate | None = None,
    now: datetime | None = None,
) -> PushOutcome:
    """Apply one prepared push. Raises a SyncError (nothing to keep: the caller rolls back)."""
    request, ordered = batch.request, batch.ordered
    now = now or utcnow()
    # First: the row lock (PostgreSQL) / write lock (SQLite) orders every commit.
    version = bump_version(conn)
    last = _client_last_id(conn, request, user_id, ordered, now)
    replays = [m for m in ordered if m.id <= last]
    run, gap = _contiguous([m for m in ordered if m.id > last], last)

    store = Store(conn, entities)
    results: list[MutationResult] = []
    conflicts: list[dict[str, Any]] = []
    rejections: list[dict[str, Any]] = []
    if run:
        ctx = _RunContext(request, user_id, actor, translate, now, store)
        results, conflicts, rejections = ctx.apply([batch.prepared[m.id] for m in run])
        # Only the stamps of ops that applied reach the clock (a refused op moves nothing).
        for r in results:
            checked = batch.prepared[r.id].checked
            if r.status == "applied" and checked is not None:
                clock.fold(checked)
    store.flush(version=version, now=now)
    if conflicts:
        conn.execute(_conflict.insert(), conflicts)
    if rejections:
        conn.execute(_rejected.insert(), rejections)
    new_last = run[-1].id if run else last
    _save_client(conn, request, new_last, version if run else None, now)
    replayed = _replay_results(conn, request.clientID, replays)
    return PushOutcome(
        response=PushResponse(
            lastMutationID=new_last,
            results=replayed + results,
            serverHLC=clock.now(),
            version=version,
            gap=Gap(expected=gap) if gap is not None else None,
        ),
        store=store,
        version=version,
    )


def _ordered(mutations: Sequence[MutationIn]) -> list[MutationIn]:
    seen: dict[int, MutationIn] = {}
    for m in mutations:
        seen.setdefault(m.id, m)
    return [seen[k] for k in sorted(seen)]


def _contiguous(fresh: list[MutationIn], last: int) -> tuple[list[MutationIn], int | None]:
    """The run last+1, last+2, … and, when something beyond it was sent, where to resume."""
    run: list[MutationIn] = []
    expected = last + 1
    for m in fresh:
        if m.id != expected:
            return run, expected
        run.append(m)
        expected += 1
    return run, None


def _bind_group(conn: Connection, request: PushRequest, user_id: uuid.UUID) -> bool:
    """Bind the client group to the caller (first use) or check it is theirs; True if
    it existed before."""
    row = conn.execute(
        select(_group.c.user_id, _group.c.schema_version).where(
            _group.c.id == request.clientGroupID
        )
    ).first()
    if row is None:
        conn.execute(
            _group.insert().values(
                id=request.clientGroupID,
                user_id=user_id,
                schema_version=request.schemaVersion,
                created_at=utcnow(),
            )
        )
        return False
    if row.user_id != user_id:
        raise WrongOwner("This sync client belongs to another user.")
    if row.schema_version != request.schemaVersion:
        conn.execute(
            update(_group)
            .where(_group.c.id == request.clientGroupID)
            .values(schema_version=request.schemaVersion)
        )
    return True


# Statements every push runs, built once: building one costs more than running it.
_CLIENT_STATE = (
    select(
        _client.c.client_group_id,
        _client.c.last_mutation_id,
        _group.c.user_id,
        _group.c.schema_version,
    )
    .select_from(_client.join(_group, _group.c.id == _client.c.client_group_id))
    .where(_client.c.id == bindparam("client_id"))
)


@lru_cache(maxsize=16)
def _client_update(columns: tuple[str, ...]) -> Update:
    return (
        update(_client)
        .where(_client.c.id == bindparam("client_id"))
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


def _client_last_id(
    conn: Connection,
    request: PushRequest,
    user_id: uuid.UUID,
    ordered: list[MutationIn],
    now: datetime,
) -> int:
    """The client's last mutation id; its group must be the caller's. One query for a
    known client; a new one is registered (and its group bound to the caller)."""
    row = conn.execute(_CLIENT_STATE, {"client_id": request.clientID}).first()
    if row is not None:
        if row.client_group_id != request.clientGroupID or row.user_id != user_id:
            raise WrongOwner("This sync client belongs to another client group.")
        if row.schema_version != request.schemaVersion:
            conn.execute(
                update(_group)
                .where(_group.c.id == request.clientGroupID)
                .values(schema_version=request.schemaVersion)
            )
        last = row.last_mutation_id
        assert isinstance(last, int)
        return last
    known_group = _bind_group(conn, request, user_id)
    if known_group and ordered and ordered[0].id > 1:
        # We knew this browser profile but hold nothing for this client (restored backup,
        # purged state): it must re-send its pending mutations under a new clientID. A
        # client of a profile never seen sends later ids only when its first batches are
        # still on their way: it gets a gap (expected 1) like any other client.
        raise ClientStateNotFound("The server has no record of this sync client.")
    conn.execute(
        _client.insert().values(
            id=request.clientID,
            client_group_id=request.clientGroupID,
            last_mutation_id=0,
            version=0,
            last_seen_at=now,
        )
    )
    return 0


def _save_client(
    conn: Connection, request: PushRequest, last: int, version: int | None, now: datetime
) -> None:
    values: dict[str, Any] = {
        "last_mutation_id": last,
        "last_seen_at": now,
        "app_version": request.appVersion,
    }
    if request.pending is not None:
        values["pending_count"] = request.pending.count
        values["pending_oldest_age_s"] = request.pending.oldestAgeS
    if version is not None:
        # The version at which last_mutation_id moved: a pull reports it only once its
        # snapshot includes this version, so the acknowledgement never precedes the effects.
        values["version"] = version
    params = {f"v_{name}": value for name, value in values.items()}
    conn.execute(_client_update(tuple(values)), {**params, "client_id": request.clientID})


def _replay_results(
    conn: Connection, client_id: uuid.UUID, replays: list[MutationIn]
) -> list[MutationResult]:
    """Mutations already processed: report what happened to them the first time, so a
    client that lost the response still learns about its rejections (I3)."""
    if not replays:
        return []
    rows = conn.execute(
        select(_rejected.c.mutation_id, _rejected.c.code, _rejected.c.detail).where(
            _rejected.c.client_id == client_id,
            _rejected.c.mutation_id.in_([m.id for m in replays]),
        )
    )
    refused = {r.mutation_id: r for r in rows}
    out: list[MutationResult] = []
    for m in replays:
        r = refused.get(m.id)
        if r is None:
            out.append(MutationResult(id=m.id, status="applied"))
        else:
            out.append(MutationResult(id=m.id, status="rejected", code=r.code, detail=r.detail))
    return out


def jsonable(value: Any) -> Any:
    """A value as it can be stored in a JSON column."""
    if value is None or isinstance(value, str | int | float | bool):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def _as_rejected(exc: Exception, translate: Translate | None) -> Rejected | None:
    if isinstance(exc, Rejected):
        return exc
    return translate(exc) if translate else None


def _prepare(
    m: MutationIn, registry: Registry, clock: Clock, translate: Translate | None
) -> _Prepared:
    prepared = _Prepared(mutation=m)
    try:
        current = registry.upcast(m)
        mutator = registry.get(current.name)
        if mutator is None or mutator.version != current.v:
            raise Rejected("unknown_mutator", "This kind of change is not known.")
        try:
            # Checked only: the clock folds a stamp in once its op has applied.
            checked = clock.check(current.hlc)
        except hlc_mod.StampInFuture as exc:
            raise Rejected(
                "clock_ahead",
                "The device's clock is ahead of the server's: set its date and time, "
                "then make the change again.",
            ) from exc
        except ValueError as exc:
            raise Rejected("invalid_hlc", "The change has a malformed timestamp.") from exc
        prepared.parsed = mutator.parse(current.args)
        prepared.mutator, prepared.stamp, prepared.checked = mutator, str(checked), checked
    except Exception as exc:
        rejected = _as_rejected(exc, translate)
        if rejected is None:
            raise
        prepared.rejected = rejected
    return prepared


@dataclass
class _RunContext:
    request: PushRequest
    user_id: uuid.UUID
    actor: Any
    translate: Translate | None
    now: datetime
    store: Store

    def apply(
        self, prepared: list[_Prepared]
    ) -> tuple[list[MutationResult], list[dict[str, Any]], list[dict[str, Any]]]:
        # Refusals found here stay here: a prepared batch is never changed by applying it.
        refused: dict[int, Rejected] = {
            p.mutation.id: p.rejected for p in prepared if p.rejected is not None
        }
        live = [p for p in prepared if p.rejected is None and p.mutator is not None]
        for p in live:
            assert p.mutator is not None
            try:
                self.store.want(p.mutator.needs(p.parsed, p.stamp))
            except Exception as exc:
                refused[p.mutation.id] = self._refusal(exc)
        # Every row any mutation announced: one query per entity type (and per round).
        self.store.load()
        for p in live:
            then = p.mutator.then if p.mutator is not None else None
            if then is not None and p.mutation.id not in refused:
                self.store.want(then(p.parsed, self.store))
        self.store.load()
        results: list[MutationResult] = []
        conflicts: list[dict[str, Any]] = []
        rejections: list[dict[str, Any]] = []
        for p in prepared:
            rejected = refused.get(p.mutation.id)
            if rejected is None and p.mutator is not None:
                ctx = Apply(
                    store=self.store,
                    actor=self.actor,
                    user_id=self.user_id,
                    client_id=self.request.clientID,
                    mutation_id=p.mutation.id,
                    hlc=p.stamp,
                    now=self.now,
                )
                self.store.begin()
                try:
                    p.mutator.apply(ctx, p.parsed)
                except Exception as exc:
                    self.store.rollback()
                    rejected = self._refusal(exc)
                else:
                    self.store.release()
                    results.append(self._applied(p.mutation, ctx, conflicts))
                    continue
            assert rejected is not None
            rejections.append(self._rejection_row(p.mutation, rejected))
            results.append(
                MutationResult(
                    id=p.mutation.id,
                    status="rejected",
                    code=rejected.code,
                    detail=rejected.detail or None,
                )
            )
        return results, conflicts, rejections

    def _refusal(self, exc: Exception) -> Rejected:
        """The rejection an exception stands for; anything else is a bug and propagates."""
        rejected = _as_rejected(exc, self.translate)
        if rejected is None:
            raise exc
        return rejected

    def _applied(
        self, m: MutationIn, ctx: Apply, conflicts: list[dict[str, Any]]
    ) -> MutationResult:
        out: list[ConflictOut] = []
        for entity, entity_id, c in ctx.conflicts:
            conflicts.append(
                {
                    "entity": entity,
                    "entity_id": entity_id,
                    "field": c.field,
                    "kind": c.kind,
                    "losing_value": jsonable(c.losing_value),
                    "losing_hlc": c.losing_hlc,
                    "winning_value": jsonable(c.winning_value),
                    "winning_hlc": c.winning_hlc,
                    "client_id": self.request.clientID,
                    "mutation_id": m.id,
                    "user_id": self.user_id,
                    "created_at": self.now,
                }
            )
            won = c.winning_hlc == ctx.hlc and c.losing_hlc != ctx.hlc
            out.append(ConflictOut(type=entity, id=entity_id, field=c.field, kind=c.kind, won=won))
        return MutationResult(id=m.id, status="applied", conflicts=out or None)

    def _rejection_row(self, m: MutationIn, rejected: Rejected) -> dict[str, Any]:
        return {
            "client_id": self.request.clientID,
            "mutation_id": m.id,
            "user_id": self.user_id,
            "name": m.name[:60],
            "v": m.v,
            "args": jsonable(m.args) if rejected.keep_args else None,
            "code": rejected.code[:60],
            "detail": (rejected.detail or None) and rejected.detail[:500],
            "created_at": self.now,
        }
