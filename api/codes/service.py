"""Attribution codes: create, list, disable; resolve a scanned code; count scans.

A lead a code brings carries the code in `campaign` (and the code's agent, session, venue or
partner in its own attribution columns), so submissions and the funnel per code are counts
over leads, and a code is a funnel group like any campaign.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select, update
from sqlmodel import Session, col

from api.codes.lookup import ALPHABET, find_active
from api.codes.models import AttributionCode
from api.codes.schemas import KIND_FIELD, CodeCreate
from api.db import begin_write
from api.errors import InvalidInput, NotFound, PermissionDenied
from api.leads.models import Lead
from api.partners.models import Partner
from api.references import check_reference
from api.sessions.models import OutreachSession
from api.users.actor import Actor
from api.users.models import TeamMember, User
from api.venues.models import Venue
from api.vocab import Channel, CodeKind, Role
from sync.sqltypes import utcnow

LENGTH = 6  # 31**6 ≈ 900 million codes
MAX_PAGE = 200


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _team_rule(actor: Actor) -> list[ColumnElement[bool]]:
    if actor.role == Role.admin:
        return []
    return [col(AttributionCode.team_id).in_(actor.team_ids)]


def _check_team(actor: Actor, team_id: uuid.UUID) -> None:
    if actor.role != Role.admin and team_id not in actor.team_ids:
        raise InvalidInput("Unknown team.", code="unknown_team")


def _reference_team(session: Session, data: CodeCreate, actor: Actor) -> uuid.UUID | None:
    """The team of what the code credits (None for partners and campaigns)."""
    if data.kind == CodeKind.agent:
        user = session.get(User, data.agent_id)
        if user is None or not user.is_active or user.role != Role.agent:
            raise InvalidInput("This person cannot take this lead.", code="invalid_assignee")
        teams = session.execute(
            select(col(TeamMember.team_id)).where(col(TeamMember.user_id) == user.id)
        ).scalars()
        mine = sorted(t for t in teams if actor.role == Role.admin or t in actor.team_ids)
        if not mine:
            raise InvalidInput("This person cannot take this lead.", code="invalid_assignee")
        return data.team_id if data.team_id in mine else mine[0]
    organisation = actor.user.organisation_id
    if data.kind == CodeKind.session:
        row = session.get(OutreachSession, data.session_id)
        check_reference(actor, "session_id", row, organisation_id=organisation)
        assert row is not None
        return row.team_id
    if data.kind == CodeKind.venue:
        venue = session.get(Venue, data.venue_id)
        check_reference(actor, "venue_id", venue, organisation_id=organisation)
        assert venue is not None
        return venue.team_id
    if data.kind == CodeKind.partner:
        partner = session.get(Partner, data.partner_id)
        check_reference(actor, "partner_id", partner, organisation_id=organisation)
    return None


def create_code(session: Session, *, actor: Actor, data: CodeCreate) -> AttributionCode:
    """A new code for one agent, session, venue, partner or campaign (coordinators, admins)."""
    if actor.role not in (Role.coordinator, Role.admin):
        raise PermissionDenied()
    # A writer from the start: reads then an insert in a read transaction can meet
    # "database is locked" on SQLite when another writer went first.
    begin_write(session)
    team_id = _reference_team(session, data, actor) or data.team_id
    if team_id is None:
        if not actor.team_ids:
            raise InvalidInput("Unknown team.", code="unknown_team")
        team_id = sorted(actor.team_ids)[0]
    _check_team(actor, team_id)
    # A code credits one thing: only the reference of its kind is kept.
    own = KIND_FIELD[data.kind]

    def ref(name: str) -> uuid.UUID | None:
        value = getattr(data, name)
        return value if name == own else None

    code = new_code()
    while session.execute(
        select(col(AttributionCode.id)).where(col(AttributionCode.code) == code)
    ).first():
        code = new_code()
    row = AttributionCode(
        code=code,
        kind=data.kind.value,
        team_id=team_id,
        agent_id=ref("agent_id"),
        session_id=ref("session_id"),
        venue_id=ref("venue_id"),
        partner_id=ref("partner_id"),
        campaign=data.campaign,
        label=data.label,
        language=data.language.value if data.language else None,
        created_by=actor.id,
    )
    session.add(row)
    session.commit()
    return row


def list_codes(
    session: Session,
    *,
    actor: Actor,
    kind: CodeKind | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AttributionCode], int]:
    where = _team_rule(actor)
    if kind is not None:
        where.append(col(AttributionCode.kind) == kind.value)
    total = session.execute(
        select(func.count()).select_from(AttributionCode).where(*where)
    ).scalar_one()
    rows = session.execute(
        select(AttributionCode)
        .where(*where)
        .order_by(col(AttributionCode.created_at).desc(), col(AttributionCode.id))
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).scalars()
    return list(rows), total


def visible_code(session: Session, *, actor: Actor, code_id: uuid.UUID) -> AttributionCode:
    row = session.get(AttributionCode, code_id)
    if row is None or (actor.role != Role.admin and row.team_id not in actor.team_ids):
        raise NotFound()
    return row


def disable_code(session: Session, *, actor: Actor, code_id: uuid.UUID) -> AttributionCode:
    """Stop crediting a code (scans still reach the form, without attribution)."""
    if actor.role not in (Role.coordinator, Role.admin):
        raise PermissionDenied()
    begin_write(session)
    row = visible_code(session, actor=actor, code_id=code_id)
    if row.disabled_at is None:
        row.disabled_at = utcnow()
        session.commit()
    return row


def _self_intakes(codes: Sequence[str]) -> list[ColumnElement[bool]]:
    return [
        col(Lead.campaign).in_(codes),
        col(Lead.channel) == Channel.self_intake.value,
        col(Lead.deleted_at).is_(None),
    ]


def submissions(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Self-intake leads per code."""
    if not codes:
        return {}
    rows = session.execute(
        select(col(Lead.campaign), func.count())
        .where(*_self_intakes(codes))
        .group_by(col(Lead.campaign))
    ).all()
    return {str(code): int(count) for code, count in rows}


def funnel(session: Session, code: str) -> dict[str, int]:
    """The code's self-intake leads per status."""
    rows = session.execute(
        select(col(Lead.status), func.count())
        .where(*_self_intakes([code]))
        .group_by(col(Lead.status))
    ).all()
    return {str(status): int(count) for status, count in rows}


# ---------------------------------------------------------------- the public side


def record_scan(session: Session, code: str) -> AttributionCode | None:
    """Count one scan of an active code (one atomic UPDATE); the code, or None."""
    begin_write(session)  # many phones scan at once: the read must not be upgraded
    row = find_active(session, code)
    if row is None:
        return None
    session.execute(
        update(AttributionCode)
        .where(col(AttributionCode.id) == row.id)
        .values(scans=AttributionCode.scans + 1)
    )
    session.commit()
    return row
