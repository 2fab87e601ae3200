"""What the funnel counts, as plain data and pure functions (no database): the stages, what
each converts from, the medians and the small-cell suppression of marker breakdowns."""

from __future__ import annotations

from collections.abc import Mapping

# Stages in funnel order. "reached" are people met at outreach sessions (tallies) plus the
# leads that came without a session; the others are leads that reached the stage.
STAGES = ("reached", "leads", "contacted", "qualified", "applied", "financed", "coached")
EXITS = ("referred", "not_eligible", "unreachable", "withdrawn")
# The stage each conversion is measured from (financed and coached both follow applied;
# side exits are shares of the leads).
CONVERTS_FROM = {
    "leads": "reached",
    "contacted": "leads",
    "qualified": "contacted",
    "applied": "qualified",
    "financed": "applied",
    "coached": "applied",
    "referred": "leads",
    "not_eligible": "leads",
    "unreachable": "leads",
    "withdrawn": "leads",
}
# Days in stage: from reaching the stage to reaching the next one, over the leads that
# moved on ("applied" ends at the first decision, financed or coached).
DURATION_STAGES = ("leads", "contacted", "qualified", "applied")

MARKERS = (
    "gender",
    "age_band",
    "single_parent",
    "education_level",
    "job_seeker",
    "welfare_income",
    "no_stable_income",
    "migrant_background",
)
PLAIN_GROUPS = (
    "channel",
    "commune",
    "agent",
    "team",
    "partner",
    "language",
    "campaign",
    "cohort",
)
GROUPS = PLAIN_GROUPS + MARKERS
NOT_ANSWERED = "not_answered"
SMALL_CELL = 5  # privacy-security.md: no cell under 5 people in marker breakdowns


def conversion(counts: Mapping[str, int | None], stage: str) -> float | None:
    """Share of the previous stage that reached `stage` (None when either is unknown or 0)."""
    base = counts.get(CONVERTS_FROM[stage])
    value = counts.get(stage)
    if not base or value is None:
        return None
    return round(value / base, 4)


def median_of(histogram: Mapping[int, int]) -> float | None:
    """The median of whole days given as {days: how many leads}."""
    n = sum(histogram.values())
    if n == 0:
        return None
    middle = ((n - 1) // 2, n // 2)  # the two middle positions (the same one when n is odd)
    found: list[int] = []
    seen = 0
    for days in sorted(histogram):
        count = histogram[days]
        for position in middle:
            if seen <= position < seen + count:
                found.append(days)
        seen += count
    return (found[0] + found[1]) / 2


def suppress_column(cells: Mapping[str, int]) -> set[str]:
    """Which groups' cells of one column to hide: every cell under 5, and when exactly one
    is hidden, the next smallest too, so it cannot be worked out from the total."""
    hidden = {key for key, n in cells.items() if n < SMALL_CELL}
    if len(hidden) == 1 and len(cells) > 1:
        rest = sorted((n, key) for key, n in cells.items() if key not in hidden)
        hidden.add(rest[0][1])
    return hidden
