"""A code as the public side meets it: typed or scanned, the active code it names, and what
that code puts on a self-intake lead. Public (not the codes service) because the intake
form reads codes too; the codes service builds on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from api.codes.models import AttributionCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed by hand


def normalise(code: str) -> str | None:
    """A code as typed or scanned ('k7qx2m') in its stored form, or None if it cannot be one."""
    value = code.strip().upper()
    if 4 <= len(value) <= 16 and all(c in ALPHABET for c in value):
        return value
    return None


@dataclass(frozen=True)
class Attribution:
    """What an active code puts on a self-intake lead."""

    code: str
    team_id: uuid.UUID
    agent_id: uuid.UUID | None
    session_id: uuid.UUID | None
    venue_id: uuid.UUID | None
    partner_id: uuid.UUID | None


def find_active(session: Session, code: str) -> AttributionCode | None:
    value = normalise(code)
    if value is None:
        return None
    row = session.execute(
        select(AttributionCode).where(col(AttributionCode.code) == value)
    ).scalar_one_or_none()
    return row if row is not None and row.disabled_at is None else None


def attribution(session: Session, code: str | None) -> Attribution | None:
    row = find_active(session, code) if code else None
    if row is None:
        return None
    return Attribution(
        row.code, row.team_id, row.agent_id, row.session_id, row.venue_id, row.partner_id
    )
