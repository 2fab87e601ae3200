"""Partners: everyone logged in reads them; coordinators and admins maintain the list.

A partner is never deleted (referrals and attribution point at it); it is deactivated.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.db import all_or_nothing, begin_write
from api.errors import NotFound, PermissionDenied
from api.partners.models import Partner
from api.partners.schemas import PartnerCreate, PartnerUpdate, partner_changes
from api.search import like_pattern
from api.users.actor import Actor
from api.vocab import Role
from sync.sqltypes import utcnow

MAX_PAGE = 200
_MAINTAINERS = (Role.coordinator, Role.admin)


def list_partners(
    session: Session,
    *,
    actor: Actor,
    include_inactive: bool = False,
    kind: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Partner], int]:
    """One page of the organisation's partners, by name."""
    where: list[Any] = [col(Partner.organisation_id) == actor.user.organisation_id]
    if not include_inactive:
        where.append(col(Partner.is_active).is_(True))
    if kind:
        where.append(col(Partner.kind) == kind)
    if q and q.strip():
        where.append(col(Partner.name).ilike(like_pattern(q), escape="\\"))
    total = session.execute(select(func.count()).select_from(Partner).where(*where)).scalar_one()
    rows = session.execute(
        select(Partner)
        .where(*where)
        .order_by(func.lower(col(Partner.name)), col(Partner.id))
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).scalars()
    return list(rows), total


def get_partner(session: Session, *, actor: Actor, partner_id: uuid.UUID) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None or partner.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return partner


def _check_maintainer(actor: Actor) -> None:
    if actor.role not in _MAINTAINERS:
        raise PermissionDenied()


@all_or_nothing
def create_partner(session: Session, *, actor: Actor, data: PartnerCreate) -> Partner:
    _check_maintainer(actor)
    begin_write(session)
    now = utcnow()
    partner = Partner(
        organisation_id=actor.user.organisation_id,
        **partner_changes(data),
        created_at=now,
        updated_at=now,
    )
    session.add(partner)
    session.commit()
    return partner


@all_or_nothing
def update_partner(
    session: Session, *, actor: Actor, partner_id: uuid.UUID, data: PartnerUpdate
) -> Partner:
    _check_maintainer(actor)
    begin_write(session)
    partner = get_partner(session, actor=actor, partner_id=partner_id)
    for name, value in partner_changes(data).items():
        setattr(partner, name, value)
    partner.updated_at = utcnow()
    session.add(partner)
    session.commit()
    return partner


@all_or_nothing
def set_partner_active(
    session: Session, *, actor: Actor, partner_id: uuid.UUID, active: bool
) -> Partner:
    """Deactivated partners stay on old records but are no longer offered for new ones."""
    _check_maintainer(actor)
    begin_write(session)
    partner = get_partner(session, actor=actor, partner_id=partner_id)
    if partner.is_active != active:
        partner.is_active = active
        partner.updated_at = utcnow()
        session.add(partner)
    session.commit()
    return partner
