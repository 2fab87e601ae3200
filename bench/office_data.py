"""Leads with funnel histories for the coordinator benchmarks (performance.md P3, P4):
written with the bulk writer in 5,000-lead transactions; the database's triggers derive
each lead's progress as they would for any other write."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from api.interactions.models import Interaction
from api.leads.models import Lead, LeadMarker
from api.vocab import STATUS_TRANSITIONS, LeadStatus
from sync.bulk import insert_rows
from sync.sqltypes import table_of

CHANNELS = ("coffee_stand", "shop_visit", "community_meeting", "self_intake", "partner_referral")
COMMUNES = tuple(f"Commune {n:02d}" for n in range(19))
KINDS = ("call", "call_failed", "note", "visit", "conversation")
START = datetime(2025, 1, 1, tzinfo=UTC)


def populate(
    engine: Engine,
    teams: list[uuid.UUID],
    agents: list[uuid.UUID],
    *,
    leads: int,
    interactions: int,
    seed: int = 7,
) -> list[uuid.UUID]:
    """`leads` leads over 18 months, `interactions` interactions in all (status changes
    first, then calls and notes), a third with markers; returns the lead ids."""
    rng = random.Random(seed)
    per_lead = interactions / leads
    ids: list[uuid.UUID] = []
    lead_t, interaction_t, marker_t = table_of(Lead), table_of(Interaction), table_of(LeadMarker)
    made = 0
    for start in range(0, leads, 5000):
        lead_rows: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        markers: list[dict[str, Any]] = []
        for n in range(start, min(leads, start + 5000)):
            lead_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            ids.append(lead_id)
            created = START + timedelta(seconds=rng.randrange(540 * 86400))
            want = round(per_lead * (n + 1)) - made
            history = _history(rng, lead_id, created, want)
            made += len(history)
            steps.extend(history)
            status = next(
                (h["to_status"] for h in reversed(history) if h["kind"] == "status_change"), "new"
            )
            lead_rows.append(
                {
                    "id": lead_id,
                    "team_id": teams[n % len(teams)],
                    "first_name": f"Bench{n}",
                    "last_name": "Lead",
                    "phone": f"+3247{n:07d}",
                    "language": rng.choice(("fr", "nl", "ar", "en")),
                    "commune": rng.choice(COMMUNES),
                    "needs": ["credit"],
                    "channel": rng.choice(CHANNELS),
                    "agent_id": rng.choice(agents),
                    "assigned_to": rng.choice([*agents, None]),
                    "first_touch_at": created,
                    "last_touch_at": created,
                    "status": status,
                    "status_changed_at": created,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                    "field_hlc": {},
                }
            )
            if n % 3 == 0:
                markers.append(
                    {
                        "lead_id": lead_id,
                        "gender": rng.choice(("woman", "man", "prefer_not_to_say", None)),
                        "age_band": rng.choice(("under_25", "30_39", "50_59", None)),
                        "updated_at": created,
                    }
                )
        with engine.begin() as conn:
            insert_rows(conn, lead_t, lead_rows)
            insert_rows(conn, marker_t, markers)
            insert_rows(conn, interaction_t, steps)
    return ids


def _history(
    rng: random.Random, lead_id: uuid.UUID, created: datetime, count: int
) -> list[dict[str, Any]]:
    rows = []
    status, at = LeadStatus.new, created
    while len(rows) < count:
        at += timedelta(hours=rng.uniform(1, 400))
        options = sorted(STATUS_TRANSITIONS[status])
        if rng.random() < 0.35 and options:
            new = rng.choice(options)
            rows.append(_row(lead_id, "status_change", at, status.value, new.value))
            status = new
        else:
            rows.append(_row(lead_id, rng.choice(KINDS), at, None, None))
    return rows


def _row(
    lead_id: uuid.UUID, kind: str, at: datetime, old: str | None, new: str | None
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "lead_id": lead_id,
        "kind": kind,
        "occurred_at": at,
        "from_status": old,
        "to_status": new,
        "created_at": at,
        "version": 1,
    }


def vacuum(engine: Engine) -> None:
    """What autovacuum (PostgreSQL) or a routine ANALYZE would have done by the time anyone
    reads: the triggers rewrote each lead once per status change while seeding, and those
    dead row versions and stale statistics are not what a coordinator's query meets."""
    if engine.dialect.name == "sqlite":
        # In a transaction of its own: under AUTOCOMMIT the BEGIN that api/db.py's hook
        # emits was never committed, and SQLite's statistics were silently not kept.
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
