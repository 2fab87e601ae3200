"""Data-subject rights as use cases: access export, rectification, erasure, consent
withdrawal, the register of requests. Every change to a person's data is a mutator applied
through api/syncapi/local.py (the one write path); every act is audited by pseudonym."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.audit import trail as audit
from api.config import Settings
from api.db import begin_write
from api.errors import InvalidInput, NotFound, PermissionDenied
from api.leads.models import Consent, Lead
from api.leads.rules import brussels_today
from api.privacy import export as exporter
from api.privacy.models import Erasure, PrivacyRequest
from api.privacy.pseudonym import pseudonym
from api.privacy.system import SELF_SERVICE, System
from api.syncapi import local
from api.users.actor import Actor
from api.vocab import Role
from sync.sqltypes import utcnow

REQUEST_KINDS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "portability",
    "withdrawal",
)
REQUEST_CHANNELS = ("self", "agent", "office", "mail", "email", "phone")


def _lead(session: Session, lead_id: uuid.UUID) -> Lead:
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None or lead.erased_at is not None:
        raise NotFound()
    return lead


def _admin(actor: Actor) -> None:
    if actor.role != Role.admin:
        raise PermissionDenied()


# ---------------------------------------------------------------- access


def access_export(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> dict[str, Any]:
    """Everything about the person, audited with its row count."""
    _admin(actor)
    _lead(session, lead_id)
    export = exporter.access_export(session.connection(), lead_id)
    assert export is not None
    session.rollback()
    audit.record_person(
        session,
        actor=actor,
        action="lead.access_export",
        lead_id=lead_id,
        row_count=exporter.row_count(export),
    )
    return export


# ---------------------------------------------------------------- rectification


def rectify(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, changes: Mapping[str, Any]
) -> Lead:
    """Correct fields of a person's record at their request (Art. 16): a lead.patch based
    on what is stored now, audited with the number of fields."""
    if actor.role not in (Role.admin, Role.coordinator):
        raise PermissionDenied()
    lead = _lead(session, lead_id)
    if not changes:
        raise InvalidInput("Nothing to change.", code="nothing_to_change")
    base = {name: lead.field_hlc.get(name) for name in changes}
    session.rollback()
    args = {"id": str(lead_id), "set": dict(changes), "base": base}
    local.apply(session, actor=actor, mutations=[("lead.patch", args)])
    audit.record_person(
        session, actor=actor, action="lead.rectify", lead_id=lead_id, row_count=len(changes)
    )
    return _lead(session, lead_id)


# ---------------------------------------------------------------- erasure


def erase(
    session: Session, *, actor: Actor | System, lead_ids: list[uuid.UUID], settings: Settings
) -> int:
    """Erase people (Art. 17) in one transaction; appends them to the erasure log file.
    Returns how many were erased now (erasing twice is harmless)."""
    known = session.execute(select(Lead.id, Lead.erased_at).where(col(Lead.id).in_(lead_ids))).all()
    todo = [row.id for row in known if row.erased_at is None]
    if len(known) < len(set(lead_ids)) and not isinstance(actor, System):
        raise NotFound()
    session.rollback()
    if not todo:
        return 0
    local.apply(session, actor=actor, mutations=[("lead.erase", {"id": str(i)}) for i in todo])
    append_erasure_log(settings, [pseudonym(i) for i in todo])
    return len(todo)


def append_erasure_log(settings: Settings, subjects: list[str]) -> None:
    """The ledger outside the database (a restore brings back the database's own)."""
    path = settings.resolved_erasure_log()
    path.parent.mkdir(parents=True, exist_ok=True)
    now = utcnow().isoformat()
    with path.open("a", encoding="utf-8") as fp:
        for subject in subjects:
            fp.write(json.dumps({"subject": subject, "erased_at": now}) + "\n")


def erased_subjects(session: Session, settings: Settings) -> set[str]:
    """Everyone erased, by the database's ledger and the log file."""
    found = set(session.execute(select(Erasure.subject)).scalars())
    path = settings.resolved_erasure_log()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.add(json.loads(line)["subject"])
    return found


def replay_erasures(session: Session, *, settings: Settings, actor: System) -> int:
    """Erase again whoever a restored backup brought back; returns how many."""
    erased = erased_subjects(session, settings)
    if not erased:
        return 0
    live = session.execute(select(col(Lead.id)).where(col(Lead.erased_at).is_(None))).scalars()
    back = [lead_id for lead_id in live if pseudonym(lead_id) in erased]
    session.rollback()
    for start in range(0, len(back), 100):
        erase(session, actor=actor, lead_ids=back[start : start + 100], settings=settings)
    return len(back)


# ---------------------------------------------------------------- consent


def withdraw_consent(
    session: Session, *, actor: Actor | System, lead_id: uuid.UUID, purposes: list[str]
) -> None:
    """The person takes back some or all of their consent (consent.withdraw)."""
    _lead(session, lead_id)
    session.rollback()
    args = {"id": str(lead_id), "purposes": purposes}
    local.apply(session, actor=actor, mutations=[("consent.withdraw", args)])


# ---------------------------------------------------------------- the register


@dataclass(frozen=True)
class NewRequest:
    kind: str
    lead_id: uuid.UUID
    channel: str
    received_at: datetime | None = None


def open_request(
    session: Session, *, actor: Actor | None, data: NewRequest, settings: Settings
) -> PrivacyRequest:
    """Register a request; it is due a month after it was received."""
    if data.kind not in REQUEST_KINDS or data.channel not in REQUEST_CHANNELS:
        raise InvalidInput("This kind of request is not known.", code="invalid_request")
    _lead(session, data.lead_id)
    received = min(data.received_at or utcnow(), utcnow())
    begin_write(session)
    request = PrivacyRequest(
        kind=data.kind,
        lead_id=data.lead_id,
        subject=pseudonym(data.lead_id),
        channel=data.channel,
        received_at=received,
        due_on=brussels_today(received) + timedelta(days=settings.privacy_request_days),
        created_by=actor.id if actor else None,
    )
    session.add(request)
    session.commit()
    return request


def close_request(
    session: Session, *, actor: Actor, request_id: uuid.UUID, status: str
) -> PrivacyRequest:
    if status not in ("done", "refused"):
        raise InvalidInput("A request is closed as done or refused.", code="invalid_status")
    begin_write(session)
    request = session.get(PrivacyRequest, request_id)
    if request is None:
        session.rollback()
        raise NotFound()
    if request.status == "open":
        request.status = status
        request.closed_at = utcnow()
        request.closed_by = actor.id
        session.add(request)
    session.commit()
    return request


def list_requests(
    session: Session, *, status: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[PrivacyRequest], int]:
    """Open requests first, the most urgent first."""
    where = [col(PrivacyRequest.status) == status] if status else []
    total = session.execute(
        select(func.count()).select_from(PrivacyRequest).where(*where)
    ).scalar_one()
    rows = session.execute(
        select(PrivacyRequest)
        .where(*where)
        .order_by(
            (col(PrivacyRequest.status) != "open"),
            col(PrivacyRequest.due_on),
            col(PrivacyRequest.received_at),
        )
        .limit(limit)
        .offset(offset)
    ).scalars()
    return list(rows), total


# ---------------------------------------------------------------- the person's own link


def active_purposes(session: Session, lead_id: uuid.UUID) -> tuple[str, ...] | None:
    """What the person agreed to and has not taken back; None when there is no such
    (or an erased) person."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.erased_at is not None:
        return None
    given: set[str] = set()
    for consent in session.execute(
        select(Consent).where(col(Consent.lead_id) == lead_id)
    ).scalars():
        withdrawn = consent.withdrawn_purposes
        if consent.withdrawn_at is not None and withdrawn is None:
            continue
        given |= set(consent.purposes) - set(withdrawn or [])
    return tuple(sorted(given))


def self_service(
    session: Session,
    *,
    lead_id: uuid.UUID,
    purposes: list[str],
    erase_all: bool,
    settings: Settings,
) -> None:
    """What the person chose on their own page: the withdrawal at once (and registered as
    a request already done), an erasure as a request due within the month."""
    if purposes:
        withdraw_consent(session, actor=SELF_SERVICE, lead_id=lead_id, purposes=purposes)
        done = open_request(
            session,
            actor=None,
            data=NewRequest("withdrawal", lead_id, "self"),
            settings=settings,
        )
        begin_write(session)
        done.status, done.closed_at = "done", utcnow()
        session.add(done)
        session.commit()
    if erase_all:
        open_request(
            session, actor=None, data=NewRequest("erasure", lead_id, "self"), settings=settings
        )
