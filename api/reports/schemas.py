"""Impact report shapes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class SharePublic(BaseModel):
    """A target group's share over the people who answered that marker (`answered`);
    all null when `suppressed` (a cell under 5 people)."""

    model_config = ConfigDict(from_attributes=True)
    answered: int | None
    count: int | None
    share: float | None
    suppressed: bool


class PeriodPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    start: date
    end: date
    figures: dict[str, int | None]
    shares: dict[str, dict[str, SharePublic]]


class ImpactPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    current: PeriodPublic
    previous: PeriodPublic
    target_groups: list[str]
