"""Retention (privacy-security.md, policy): people are not kept for ever.

`terrain purge` (and `serve`, once a day) erases, through the same erasure as a person's
request (lead.erase), the leads with no activity for `retention_inactive_days` (12 months)
and the self-intakes nobody answered for `retention_unanswered_intake_days` (6 months); then
removes for good the tombstones of erased people older than the tombstone horizon (phones
away longer get a full reset anyway, I9) and throttle rows past their window. Running it
twice changes nothing the second time; `--dry-run` only counts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlmodel import Session, col

from api.config import Settings
from api.db import begin_write
from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Lead
from api.privacy import service
from api.privacy.system import RETENTION
from api.users.models import LoginFailure
from api.vocab import Channel, LeadStatus
from sync.sqltypes import utcnow

BATCH = 100


@dataclass
class PurgeReport:
    inactive: int = 0
    unanswered_intakes: int = 0
    tombstones: int = 0
    throttle_rows: int = 0
    erased_ids: list[uuid.UUID] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"leads with no activity: {self.inactive}",
            f"unanswered self-intakes: {self.unanswered_intakes}",
            f"tombstones past the horizon: {self.tombstones}",
            f"login throttle rows past their window: {self.throttle_rows}",
        ]


def stale_conditions(now: datetime, settings: Settings) -> tuple[ColumnElement[bool], ...]:
    """(no activity, unanswered self-intake) for leads not yet erased."""
    live = col(Lead.erased_at).is_(None)
    # updated_at moves with every change of the lead (an interaction touches it too).
    idle_since = now - timedelta(days=settings.retention_inactive_days)
    inactive = and_(live, col(Lead.updated_at) < idle_since, col(Lead.last_touch_at) < idle_since)
    unanswered = and_(
        live,
        col(Lead.channel) == Channel.self_intake.value,
        col(Lead.status) == LeadStatus.new.value,
        col(Lead.created_at) < now - timedelta(days=settings.retention_unanswered_intake_days),
    )
    return inactive, unanswered


def purge(
    session: Session, *, settings: Settings, now: datetime | None = None, dry_run: bool = False
) -> PurgeReport:
    now = now or utcnow()
    report = PurgeReport()
    inactive, unanswered = stale_conditions(now, settings)
    ids_inactive = set(session.execute(select(col(Lead.id)).where(inactive)).scalars())
    ids_intake = set(session.execute(select(col(Lead.id)).where(unanswered)).scalars())
    report.unanswered_intakes = len(ids_intake)
    report.inactive = len(ids_inactive - ids_intake)
    report.erased_ids = sorted(ids_inactive | ids_intake)
    horizon = now - timedelta(days=settings.tombstone_horizon_days)
    old = select(col(Lead.id)).where(
        col(Lead.erased_at).is_not(None), col(Lead.erased_at) < horizon
    )
    tombstones = list(session.execute(old).scalars())
    report.tombstones = len(tombstones)
    window = now - timedelta(seconds=settings.login_window_s)
    report.throttle_rows = session.execute(
        select(func.count()).select_from(LoginFailure).where(col(LoginFailure.at) < window)
    ).scalar_one()
    session.rollback()
    if dry_run:
        return report
    for start in range(0, len(report.erased_ids), BATCH):
        chunk = report.erased_ids[start : start + BATCH]
        service.erase(session, actor=RETENTION, lead_ids=chunk, settings=settings)
    _drop_tombstones(session, tombstones)
    begin_write(session)
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < window))
    session.commit()
    return report


def _drop_tombstones(session: Session, lead_ids: list[uuid.UUID]) -> None:
    """Erased people's rows, gone for good once no phone can still need them."""
    for start in range(0, len(lead_ids), BATCH):
        chunk = lead_ids[start : start + BATCH]
        begin_write(session)
        for model in (Interaction, Followup):
            session.execute(delete(model).where(col(model.lead_id).in_(chunk)))
        session.execute(
            delete(Lead).where(col(Lead.id).in_(chunk), col(Lead.erased_at).is_not(None))
        )
        session.commit()
