"""The cohort month's CASE tree puts a time in the Brussels month it falls in, at the
bounds too, on both databases (the funnel groups every lead by it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import literal, select
from sqlmodel import Session

from api.funnel.service import month_of, months_between
from api.leads.filters import month_bounds
from sync.sqltypes import UTCDateTime
from tests.funnel.builders import month


def test_the_month_case_tree_finds_the_brussels_month(db: Session) -> None:
    months = months_between(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    times: list[datetime | None] = [None, datetime(2024, 6, 1, tzinfo=UTC)]
    for m in months:
        start, end = month_bounds(m)
        times += [start, start + timedelta(microseconds=1), end - timedelta(microseconds=1)]
        times += [start - timedelta(hours=1), start + timedelta(hours=1, seconds=1)]
    times.append(datetime(2027, 3, 1, tzinfo=UTC))
    for months_given in (months, months[:1], months[:2], months[:7]):
        for at in times:
            found = db.execute(
                select(month_of(literal(at, type_=UTCDateTime()), months_given))
            ).scalar_one()
            want = None if at is None else month(at)
            # Before the first month: the first month (the pass never asks before it).
            if want is not None and want < months_given[0]:
                want = months_given[0]
            if want is not None and want > months_given[-1]:
                want = None
            assert found == want, (at, months_given[0], months_given[-1])
