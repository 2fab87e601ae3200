"""Submissions per client on the public form: "5/10 minutes;20/day" (policy, settings).

Hits are rows in the database, counted and written inside one writer transaction per client
(SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock on the client), so
several app instances share one count and two requests can never both take the last slot.
The client is a keyed hash of its address: no IP address is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlmodel import Session, col

from api.db import begin_write
from api.intake.models import IntakeHit
from sync.sqltypes import utcnow

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RULE = re.compile(r"\s*(\d+)\s*/\s*(\d+)?\s*(second|minute|hour|day)s?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    limit: int
    window_s: int


def parse_rules(setting: str) -> tuple[Rule, ...]:
    """'5/10 minutes;20/day' → (Rule(5, 600), Rule(20, 86400)); ValueError when malformed."""
    rules: list[Rule] = []
    for part in setting.split(";"):
        if not part.strip():
            continue
        match = _RULE.fullmatch(part)
        if match is None:
            raise ValueError(f"not a rate rule: {part!r} (expected e.g. '5/10 minutes')")
        count, size, unit = int(match[1]), int(match[2] or 1), match[3].lower()
        if count < 1 or size < 1:
            raise ValueError(f"not a rate rule: {part!r}")
        rules.append(Rule(count, size * _UNITS[unit]))
    return tuple(rules)


def client_key(address: str, secret: str) -> str:
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


def _lock(session: Session, client: str) -> None:
    """Serialise one client's check-and-record across connections and instances."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(client[:16]), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def take(
    session: Session, *, client: str, rules: tuple[Rule, ...], now: datetime | None = None
) -> int | None:
    """Record one submission for the client and return None; or, when a rule is already at
    its limit, record nothing and return the seconds until a slot frees up."""
    now = now or utcnow()
    begin_write(session)
    try:
        _lock(session, client)
        longest = max((r.window_s for r in rules), default=0)
        # Hits older than every window are of no use to anyone: forget them as we go.
        session.execute(
            delete(IntakeHit).where(col(IntakeHit.at) < now - timedelta(seconds=longest))
        )
        for rule in rules:
            since = now - timedelta(seconds=rule.window_s)
            count, oldest = session.execute(
                select(func.count(), func.min(col(IntakeHit.at))).where(
                    col(IntakeHit.client) == client, col(IntakeHit.at) >= since
                )
            ).one()
            if count >= rule.limit:
                session.commit()  # keeps the clean-up, records no hit
                return max(
                    1, int((oldest + timedelta(seconds=rule.window_s) - now).total_seconds()) + 1
                )
        session.add(IntakeHit(client=client, at=now))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return None
