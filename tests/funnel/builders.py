"""Leads and histories written straight into the database (the triggers derive progress),
and the brute-force funnel the tests hold the service to."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from api.funnel.rules import DURATION_STAGES, EXITS
from api.interactions.models import Interaction
from api.leads.models import Lead, LeadMarker
from api.leads.rules import BRUSSELS
from api.sessions.models import OutreachSession, Tally

RANK = {"contacted": 1, "qualified": 2, "applied": 3, "financed": 4, "coached": 4}
FORWARD = ("contacted", "qualified", "applied")


@dataclass
class FakeLead:
    team_id: uuid.UUID
    channel: str
    commune: str
    language: str
    agent_id: uuid.UUID | None
    created: datetime
    steps: list[tuple[str, datetime, bool]] = field(default_factory=list)  # to, at, voided
    contacts: list[datetime] = field(default_factory=list)  # calls
    gender: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def first(self, statuses: tuple[str, ...]) -> datetime | None:
        times = [at for to, at, voided in self.steps if to in statuses and not voided]
        return min(times) if times else None

    def reached(self, stage: str) -> datetime | None:
        if stage in RANK and stage not in ("financed", "coached"):
            return self.first(tuple(s for s, r in RANK.items() if r >= RANK[stage]))
        return self.first((stage,))

    def status(self) -> str:
        live = [(at, to) for to, at, voided in self.steps if not voided]
        return max(live)[1] if live else "new"


def insert(db: Session, lead: FakeLead) -> None:
    db.add(
        Lead(
            id=lead.id,
            team_id=lead.team_id,
            first_name="Test",
            channel=lead.channel,
            commune=lead.commune,
            language=lead.language,
            agent_id=lead.agent_id,
            status=lead.status(),
            first_touch_at=lead.created,
            last_touch_at=lead.created,
            status_changed_at=lead.created,
            created_at=lead.created,
            updated_at=lead.created,
        )
    )
    db.flush()
    if lead.gender is not None:
        db.add(LeadMarker(lead_id=lead.id, gender=lead.gender))
    for to, at, voided in lead.steps:
        db.add(
            Interaction(
                id=uuid.uuid4(),
                lead_id=lead.id,
                kind="status_change",
                occurred_at=at,
                to_status=to,
                voided_at=at if voided else None,
            )
        )
    for at in lead.contacts:
        db.add(Interaction(id=uuid.uuid4(), lead_id=lead.id, kind="call", occurred_at=at))
    db.flush()


def add_session(
    db: Session, *, team_id: uuid.UUID, channel: str, commune: str, at: datetime, talks: int
) -> None:
    sid = uuid.uuid4()
    db.add(
        OutreachSession(id=sid, team_id=team_id, channel=channel, commune=commune, started_at=at)
    )
    db.flush()
    db.add(
        Tally(id=uuid.uuid4(), session_id=sid, kind="conversations", delta=talks, occurred_at=at)
    )
    db.flush()


def days(start: datetime, end: datetime) -> int:
    return max(0, int(end.timestamp()) - int(start.timestamp())) // 86400


def month(at: datetime) -> str:
    return at.astimezone(BRUSSELS).strftime("%Y-%m")


def expected(leads: list[FakeLead], key: Any) -> dict[Any, dict[str, Any]]:
    """{group: {"counts": {...}, "median_days": {...}}} by brute force over the histories."""
    groups: dict[Any, list[FakeLead]] = {}
    for lead in leads:
        groups.setdefault(key(lead), []).append(lead)
    out = {}
    for g, members in groups.items():
        counts = {"leads": len(members)}
        for stage in (*RANK, *EXITS):
            counts[stage] = sum(1 for m in members if m.reached(stage) is not None)
        medians: dict[str, float | None] = {}
        for stage in DURATION_STAGES:
            values = []
            for m in members:
                start = m.created if stage == "leads" else m.reached(stage)
                if stage == "applied":
                    ends = [t for t in (m.reached("financed"), m.reached("coached")) if t]
                    end = min(ends) if ends else None
                else:
                    end = m.reached(FORWARD[DURATION_STAGES.index(stage)])
                if start is not None and end is not None:
                    values.append(days(start, end))
            medians[stage] = statistics.median(values) if values else None
        out[g] = {"counts": counts, "median_days": medians}
    return out


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def later(at: datetime, hours: float) -> datetime:
    return at + timedelta(hours=hours)
