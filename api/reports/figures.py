"""An impact report as the report service computes it, and the period it may cover: what
its readers (the report page, the exports, the outreach page) are handed and check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from api.errors import InvalidInput


@dataclass
class Share:
    answered: int | None
    count: int | None
    share: float | None
    suppressed: bool


@dataclass
class PeriodFigures:
    start: date
    end: date  # inclusive
    figures: dict[str, int | None] = field(default_factory=dict)
    shares: dict[str, dict[str, Share]] = field(default_factory=dict)


@dataclass
class ImpactReport:
    current: PeriodFigures
    previous: PeriodFigures


MAX_DAYS = 3660


def check_period(start: date, end: date) -> None:
    if end < start or (end - start).days >= MAX_DAYS:
        raise InvalidInput("The period must end after it starts.", code="invalid_period")
