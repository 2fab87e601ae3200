"""Quiet hours: wall-clock spans in Europe/Brussels, possibly over midnight (22:00 to 07:00)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from api.leads.rules import BRUSSELS


def in_quiet_hours(at: time, start: time | None, end: time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def quiet_until(now: datetime, start: time | None, end: time | None) -> datetime | None:
    """When the quiet hours around `now` end (UTC), or None if `now` is not in them."""
    local = now.astimezone(BRUSSELS)
    if end is None or not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    # Built from the wall-clock time, so a DST change overnight still ends at `end`.
    return datetime.combine(day, end, tzinfo=BRUSSELS).astimezone(UTC)
