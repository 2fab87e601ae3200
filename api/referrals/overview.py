"""Referrals across the leads a coordinator may see: the list (with the lead's name) and
the counts per partner, in and out, by echoed status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from api.leads.models import Lead
from api.partners.models import Partner
from api.referrals.models import Referral
from api.scope import Viewer, lead_visible

MAX_PAGE = 200


def _visible() -> list[Any]:
    return [col(Lead.deleted_at).is_(None)]


def list_all(
    session: Session,
    *,
    actor: Viewer,
    direction: str | None,
    status: str | None,
    partner_id: Any | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Referral, Partner, Lead]], int]:
    where = [lead_visible(actor), *_visible()]
    if direction:
        where.append(col(Referral.direction) == direction)
    if status:
        where.append(col(Referral.status) == status)
    if partner_id:
        where.append(col(Referral.partner_id) == partner_id)
    base = (
        select(Referral, Partner, Lead)
        .join(Partner, col(Partner.id) == col(Referral.partner_id))
        .join(Lead, col(Lead.id) == col(Referral.lead_id))
        .where(*where)
    )
    total = session.execute(
        select(func.count())
        .select_from(Referral)
        .join(Lead, col(Lead.id) == col(Referral.lead_id))
        .where(*where)
    ).scalar_one()
    rows = session.execute(
        base.order_by(col(Referral.updated_at).desc(), col(Referral.id))
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).all()
    return [(r, p, lead) for r, p, lead in rows], total


def counts_per_partner(session: Session, *, actor: Viewer) -> list[dict[str, Any]]:
    """[{partner_id, name, in, out, by_status: {status: n}}] for partners with referrals."""
    rows = session.execute(
        select(
            col(Partner.id),
            col(Partner.name),
            col(Referral.direction),
            col(Referral.status),
            func.count(),
        )
        .select_from(Referral)
        .join(Partner, col(Partner.id) == col(Referral.partner_id))
        .join(Lead, col(Lead.id) == col(Referral.lead_id))
        .where(lead_visible(actor), *_visible())
        .group_by(col(Partner.id), col(Partner.name), col(Referral.direction), col(Referral.status))
    ).all()
    partners: dict[Any, dict[str, Any]] = {}
    for pid, name, direction, status, n in rows:
        entry = partners.setdefault(
            pid, {"partner_id": pid, "name": name, "in": 0, "out": 0, "by_status": {}}
        )
        entry[direction] += n
        entry["by_status"][status] = entry["by_status"].get(status, 0) + n
    return sorted(partners.values(), key=lambda p: str(p["name"]).casefold())
