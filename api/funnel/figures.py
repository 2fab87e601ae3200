"""A funnel as the funnel service computes it: what its readers (the funnel page, the
exports) are handed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FunnelRow:
    key: str | None
    label: str | None = None
    counts: dict[str, int | None] = field(default_factory=dict)
    conversion: dict[str, float | None] = field(default_factory=dict)
    median_days: dict[str, float | None] = field(default_factory=dict)
    suppressed: list[str] = field(default_factory=list)


@dataclass
class Funnel:
    group_by: str | None
    total: FunnelRow
    groups: list[FunnelRow]
    months: list[str]
