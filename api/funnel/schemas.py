"""Funnel answer shapes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class FunnelRowPublic(BaseModel):
    """One group (or the whole funnel): counts per stage and side exit (null when not
    applicable or suppressed), conversions from the previous stage, median days in stage."""

    model_config = ConfigDict(from_attributes=True)
    key: str | None
    label: str | None
    counts: dict[str, int | None]
    conversion: dict[str, float | None]
    median_days: dict[str, float | None]
    suppressed: list[str]


class FunnelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    stages: list[str]
    exits: list[str]
    group_by: str | None
    total: FunnelRowPublic
    groups: list[FunnelRowPublic]
    months: list[str]


class GroupBy(StrEnum):
    """How to split the funnel (api/funnel/rules.py GROUPS; a test keeps the two equal)."""

    channel = "channel"
    commune = "commune"
    agent = "agent"
    team = "team"
    partner = "partner"
    language = "language"
    campaign = "campaign"  # campaign or QR/short-link code (api/codes)
    cohort = "cohort"
    gender = "gender"
    age_band = "age_band"
    single_parent = "single_parent"
    education_level = "education_level"
    job_seeker = "job_seeker"
    welfare_income = "welfare_income"
    no_stable_income = "no_stable_income"
    migrant_background = "migrant_background"
