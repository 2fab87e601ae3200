"""Shared pieces of the sync benchmarks (performance.md P1, P2).

Each benchmark runs its baseline in the same run on a fresh database of the same backend,
serves Terrain from a real uvicorn subprocess (one worker), prints a table and can write
JSON. The raw baseline writes exactly the rows a push writes (lead, consent, first
follow-up, interaction) with the same bookkeeping (space version bumped first, the
client's last mutation id read and advanced), through the bare driver.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, Engine, Table, text

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead
from api.leads.rules import first_followup_due, first_followup_id
from api.syncapi.handlers.leads import consent_id
from sync.models import SyncClient as SyncClientRow
from sync.models import SyncClientGroup
from sync.sqltypes import table_of
from tests.support.databases import FreshDatabase, Person, Seed, create_database, seed
from tests.support.server import ServerProcess
from tests.support.sync_client import AGENT_CONSENT

CONSENT_TEXT = AGENT_CONSENT


# ---- command line and report ------------------------------------------------------------


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--json", dest="json_path", type=Path, help="write the figures here")
    p.add_argument(
        "--pg-url",
        default=os.environ.get("TERRAIN_BENCH_PG_URL")
        or os.environ.get("TERRAIN_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server on which scratch databases are created",
    )
    return p


def backends(choice: str) -> list[str]:
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


def machine() -> dict[str, Any]:
    model = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def database_version(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return f"SQLite {conn.execute(text('select sqlite_version()')).scalar()}"
        version = str(conn.execute(text("show server_version")).scalar())
        return f"PostgreSQL {version.split()[0]}"


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_json(path: Path | None, payload: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"\nwrote {path}")


# ---- databases and the server -----------------------------------------------------------


@dataclass
class Stage:
    """A fresh seeded database, and a server on it when asked for."""

    database: FreshDatabase
    seed: Seed
    engine: Engine
    workdir: Path
    server: ServerProcess | None = None


@contextmanager
def stage(backend: str, pg_url: str, *, agents: int = 0, serve: bool = False) -> Iterator[Stage]:
    with tempfile.TemporaryDirectory(prefix="terrain-bench-") as tmp:
        workdir = Path(tmp)
        database = create_database(backend, workdir, pg_url if backend == "postgresql" else None)
        engine = database.engine()
        current = Stage(database, seed(database.url, extra_agents=agents), engine, workdir)
        try:
            if serve:
                current.server = ServerProcess(database.url, workdir / "server")
                current.server.start()
            yield current
        finally:
            if current.server is not None:
                current.server.stop()
            engine.dispose()
            database.drop()


# ---- what gets written: the same leads and interactions for Terrain and the baseline ----

_PHONE_BASE = 470_000_000


def lead_fields(n: int) -> dict[str, Any]:
    """A realistic lead as an agent fills it in at a coffee stand."""
    return {
        "first_name": f"Amina{n}",
        "last_name": f"El Idrissi {n % 97}",
        "phone": f"+32{_PHONE_BASE + n:09d}",
        "email": f"person{n}@example.org",
        "language": "fr",
        "commune": "Molenbeek-Saint-Jean",
        "postcode": "1080",
        "project_idea": "Épicerie fine et traiteur marocain, livraison dans le quartier.",
        "sector": "food",
        "project_stage": "idea",
        "needs": ["credit", "coaching"],
        "channel": "coffee_stand",
    }


INTERACTION_BODY = "Talked at the coffee stand; wants to know about microcredit conditions."


@dataclass
class Plan:
    """The mutations of one client: lead n, then its interactions, in order."""

    leads: list[tuple[uuid.UUID, dict[str, Any]]] = field(default_factory=list)
    interactions: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)  # id, lead
    order: list[tuple[str, int]] = field(default_factory=list)  # ("lead"|"interaction", index)


def plan(first: int, leads: int, interactions: int) -> Plan:
    """`leads` creates and `interactions` adds spread over them, interleaved."""
    p = Plan()
    per_lead = interactions / leads if leads else 0.0
    owed = 0.0
    for i in range(leads):
        p.leads.append((uuid.uuid4(), lead_fields(first + i)))
        p.order.append(("lead", i))
        owed += per_lead
        while owed >= 1:
            owed -= 1
            p.interactions.append((uuid.uuid4(), p.leads[i][0]))
            p.order.append(("interaction", len(p.interactions) - 1))
    return p


def chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


# ---- the raw push model -------------------------------------------------------------------


class RawWriter:
    """One client's push done with the bare driver: per batch, one transaction that bumps
    the space version first, reads the client's last mutation id, inserts every row a
    push inserts (values converted exactly as the app stores them) and advances the id."""

    def __init__(self, engine: Engine, person: Person, *, copy: bool = False) -> None:
        self.engine = engine
        # copy: PostgreSQL rows through COPY, as Terrain writes a push's larger tables
        # (sync/bulk.py); the raw model of performance.md is executemany (the default).
        self.copy = copy and engine.dialect.name == "postgresql"
        self.dialect = engine.dialect
        self.sqlite = engine.dialect.name == "sqlite"
        self.person = person
        self.team_id = sorted(person.team_ids)[0]
        self.client_id = uuid.uuid4()
        self.group_id = uuid.uuid4()
        self.last = 0
        self.tables = {
            "lead": table_of(Lead),
            "consent": table_of(Consent),
            "followup": table_of(Followup),
            "interaction": table_of(Interaction),
            "client": table_of(SyncClientRow),
            "group": table_of(SyncClientGroup),
        }
        self.sql = {name: self._insert_sql(t) for name, t in self.tables.items()}
        self.convert = {name: self._converter(t) for name, t in self.tables.items()}
        self.raw = engine.raw_connection()
        ph = "?" if self.sqlite else "%s"
        self.bump = "UPDATE sync_space SET version = version + 1 WHERE id = 1 RETURNING version"
        self.read_last = f"SELECT last_mutation_id FROM sync_client WHERE id = {ph}"
        self.save_last = (
            f"UPDATE sync_client SET last_mutation_id = {ph}, version = {ph}, "
            f"last_seen_at = {ph} WHERE id = {ph}"
        )
        self.update_uuid = self.tables["client"].c.id.type.bind_processor(self.dialect)
        self.update_time = self.tables["client"].c.last_seen_at.type.bind_processor(self.dialect)

    def _insert_sql(self, table: Table) -> str:
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        ph = ", ".join(["?" if self.sqlite else "%s"] * len(table.columns))
        return f'INSERT INTO "{table.name}" ({names}) VALUES ({ph})'

    def _converter(self, table: Table) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        steps = [(c.name, self._processor(c.type)) for c in table.columns]

        def convert(row: dict[str, Any]) -> tuple[Any, ...]:
            return tuple((fn(row[name]) if fn is not None else row[name]) for name, fn in steps)

        return convert

    def _processor(self, type_: Any) -> Callable[[Any], Any] | None:
        if not self.sqlite and isinstance(type_, JSON):
            # SQLAlchemy adapts JSON per statement; with the bare driver it is psycopg's Json.
            return lambda value: None if value is None else Json(value)
        fn: Callable[[Any], Any] | None = type_.bind_processor(self.dialect)
        return fn

    def close(self) -> None:
        self.raw.close()

    def _begin(self, cur: Any) -> None:
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")

    def write(self, p: Plan, batch: Sequence[tuple[str, int]]) -> None:
        """One push of `batch` (indexes into the plan), one transaction."""
        conn = self.raw.driver_connection
        assert conn is not None
        cur = conn.cursor()
        self._begin(cur)
        cur.execute(self.bump)
        version = cur.fetchone()[0]
        now = datetime.now(UTC)
        cid = self.update_uuid(self.client_id) if self.update_uuid else self.client_id
        cur.execute(self.read_last, (cid,))
        found = cur.fetchone()
        if found is None:
            self._new_client(cur, now)
        rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in self.sql}
        for kind, index in batch:
            if kind == "lead":
                lead_id, fields = p.leads[index]
                self._lead_rows(rows, lead_id, fields, version, now)
            else:
                interaction_id, lead_id = p.interactions[index]
                rows["interaction"].append(
                    self.convert["interaction"](
                        interaction_row(interaction_id, lead_id, self.person, version, now)
                    )
                )
        for name in ("lead", "consent", "followup", "interaction"):
            if rows[name] and self.copy:
                columns = ", ".join(f'"{c.name}"' for c in self.tables[name].columns)
                with cur.copy(f'COPY "{self.tables[name].name}" ({columns}) FROM STDIN') as cp:
                    for values in rows[name]:
                        cp.write_row(values)
            elif rows[name]:
                cur.executemany(self.sql[name], rows[name])
        self.last += len(batch)
        when = self.update_time(now) if self.update_time else now
        cur.execute(self.save_last, (self.last, version, when, cid))
        conn.commit()

    def _new_client(self, cur: Any, now: datetime) -> None:
        group = {
            "id": self.group_id,
            "user_id": self.person.id,
            "schema_version": 1,
            "created_at": now,
        }
        client = {
            "id": self.client_id,
            "client_group_id": self.group_id,
            "last_mutation_id": 0,
            "version": 0,
            "app_version": "bench",
            "pending_count": None,
            "pending_oldest_age_s": None,
            "last_seen_at": now,
        }
        cur.execute(self.sql["group"], self.convert["group"](group))
        cur.execute(self.sql["client"], self.convert["client"](client))

    def _lead_rows(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        lead_id: uuid.UUID,
        fields: dict[str, Any],
        version: int,
        now: datetime,
    ) -> None:
        person = self.person
        stamp = f"{int(now.timestamp() * 1000):013d}-0000-{self.client_id}"
        rows["lead"].append(
            self.convert["lead"](
                lead_row(lead_id, fields, self.team_id, person, version, now, stamp)
            )
        )
        rows["consent"].append(self.convert["consent"](consent_row(lead_id, person, now)))
        rows["followup"].append(
            self.convert["followup"](followup_row(lead_id, person, version, now))
        )


def lead_row(
    lead_id: uuid.UUID,
    fields: dict[str, Any],
    team_id: uuid.UUID,
    person: Person,
    version: int,
    now: datetime,
    stamp: str,
) -> dict[str, Any]:
    row: dict[str, Any] = {c.name: None for c in table_of(Lead).columns}
    row.update(fields)
    row.update(
        id=lead_id,
        team_id=team_id,
        agent_id=person.id,
        created_by=person.id,
        first_touch_at=now,
        last_touch_at=now,
        status="new",
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        version=version,
        field_hlc=dict.fromkeys(fields, stamp),
    )
    return row


def consent_row(lead_id: uuid.UUID, person: Person, now: datetime) -> dict[str, Any]:
    return {
        "id": consent_id(lead_id, None),
        "lead_id": lead_id,
        "purposes": list(CONSENT_TEXT["purposes"]),
        "text_version": CONSENT_TEXT["text_version"],
        "text_sha256": CONSENT_TEXT["text_sha256"],
        "language": CONSENT_TEXT["language"],
        "given_at": now,
        "channel": "agent",
        "agent_id": person.id,
        "withdrawn_at": None,
        "withdrawn_purposes": None,
    }


def followup_row(lead_id: uuid.UUID, person: Person, version: int, now: datetime) -> dict[str, Any]:
    due: date = first_followup_due(now)
    return {
        "id": first_followup_id(lead_id),
        "lead_id": lead_id,
        "due_on": due,
        "kind": "call",
        "note": None,
        "assigned_to": person.id,
        "done_at": None,
        "created_by": person.id,
        "created_at": now,
        "updated_at": now,
        "version": version,
        "field_hlc": {},
        "deleted_at": None,
    }


# Interactions logged an hour before: the lead's last touch does not move (no extra write).
OCCURRED_AGO = timedelta(hours=1)


def interaction_row(
    interaction_id: uuid.UUID, lead_id: uuid.UUID, person: Person, version: int, now: datetime
) -> dict[str, Any]:
    return {
        "id": interaction_id,
        "lead_id": lead_id,
        "kind": "conversation",
        "occurred_at": now - OCCURRED_AGO,
        "body": INTERACTION_BODY,
        "channel": None,
        "from_status": None,
        "to_status": None,
        "author_id": person.id,
        "created_at": now,
        "voided_at": None,
        "voided_by": None,
        "void_reason": None,
        "version": version,
    }


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


def timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def in_threads(jobs: Sequence[Callable[[], None]]) -> float:
    """Run the jobs at once, one thread each; the wall time they took (the first error
    raised again)."""
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed
