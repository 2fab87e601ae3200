"""PD-5 retention: with the clock moved on, `purge` erases exactly the leads with no activity
for 12 months and the self-intakes unanswered for 6 months (0 false purges), reports the same
in a dry run, and a second run finds nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.config import Settings
from api.leads.models import Lead
from api.privacy import retention
from tests.privacy.conftest import PhoneFactory, canary_fields
from tests.privacy.scan import text_traces

# The leads are dated back from now; the horizon check moves the clock forward.
NOW = datetime.now(UTC)
DAY = timedelta(days=1)

# name -> (channel, status, created days ago, last activity days ago, purged?)
CASES: dict[str, tuple[str, str, int, int, bool]] = {
    "idle_13_months": ("coffee_stand", "contacted", 500, 400, True),
    "idle_11_months": ("coffee_stand", "contacted", 500, 330, False),
    "idle_financed_13_months": ("info_session", "financed", 700, 366, True),
    "intake_7_months_new": ("self_intake", "new", 213, 213, True),
    "intake_5_months_new": ("self_intake", "new", 150, 150, False),
    "intake_7_months_answered": ("self_intake", "contacted", 213, 200, False),
    "agent_lead_7_months_new": ("coffee_stand", "new", 213, 213, False),
}


def _seed(phone: PhoneFactory, db: Session) -> dict[str, uuid.UUID]:
    agent = phone("agent")
    ids = {name: uuid.uuid4() for name in CASES}
    agent.push(
        [
            agent.mutation(
                "lead.create",
                {
                    "id": str(i),
                    "fields": canary_fields(first_name=f"Retention{n}", channel=CASES[n][0]),
                },
            )
            for n, i in ids.items()
        ]
    )
    for name, (_channel, status, created, active, _purged) in CASES.items():
        values: dict[str, Any] = {
            "status": status,
            "created_at": NOW - created * DAY,
            "updated_at": NOW - active * DAY,
            "last_touch_at": NOW - active * DAY,
        }
        db.execute(update(Lead).where(col(Lead.id) == ids[name]).values(values))
    db.commit()
    return ids


def test_pd_5_retention_purges_exactly_the_stale_leads(
    db: Session, phone: PhoneFactory, settings: Settings
) -> None:
    ids = _seed(phone, db)
    expected = {ids[n] for n, case in CASES.items() if case[4]}
    dry = retention.purge(db, settings=settings, now=NOW, dry_run=True)
    assert set(dry.erased_ids) == expected
    assert (dry.inactive, dry.unanswered_intakes) == (2, 1)
    assert db.execute(select(Lead.id).where(col(Lead.erased_at).is_not(None))).all() == []

    report = retention.purge(db, settings=settings, now=NOW)
    assert set(report.erased_ids) == expected
    db.expire_all()
    erased = set(db.execute(select(Lead.id).where(col(Lead.erased_at).is_not(None))).scalars())
    assert erased == expected
    names = [f"Retention{n}" for n, case in CASES.items() if case[4]]
    assert text_traces(db.connection(), names) == []
    kept = [f"Retention{n}" for n, case in CASES.items() if not case[4]]
    assert {t for t, _c, _n in text_traces(db.connection(), kept)} >= {"lead"}

    # Idempotent: nothing left to purge at the same time.
    again = retention.purge(db, settings=settings, now=NOW)
    assert again.erased_ids == [] and again.tombstones == 0
    # After the tombstone horizon the erased rows go for good.
    later = NOW + timedelta(days=settings.tombstone_horizon_days + 1)
    gone = retention.purge(db, settings=settings, now=later, dry_run=True)
    assert gone.tombstones == len(expected)
    retention.purge(db, settings=settings, now=later)
    db.expire_all()
    assert all(db.get(Lead, i) is None for i in expected)


def test_pd_5_serve_runs_the_purge_by_itself(settings: Settings, engine: Any) -> None:
    from api.privacy.daily import DailyPurge, start_daily_purge

    assert start_daily_purge(engine, settings) is None  # only `terrain serve` turns it on
    job = DailyPurge(engine, settings, first_run_s=3600)
    report = job.run_once()
    assert report is not None and report.erased_ids == []
    job.start()
    job.stop()  # stops at once, before its first run
