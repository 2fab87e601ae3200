"""Interaction rules shared by the REST service and the sync mutators."""

from __future__ import annotations

from api.errors import Conflict
from api.vocab import InteractionKind


def check_voidable(kind: str) -> None:
    """A status change stays on the timeline: the funnel's history is corrected by another
    status change, never by voiding one (REST and interaction.void alike)."""
    if kind == InteractionKind.status_change:
        raise Conflict(
            "A status change cannot be voided; change the status again instead.",
            code="status_change_immutable",
        )
