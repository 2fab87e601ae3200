"""Which records a write may point at: one rule per kind of reference, used by the REST
services and the sync mutators alike.

A reference must name a record the caller may see. One the caller cannot see and one that
does not exist get the same answer (same status, code and message), so a write never tells
which ids exist in another team.

Rows come as SQLModel objects (REST) or as plain mappings (the sync store).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from api.errors import InvalidInput
from api.scope import Viewer, can_see_team_record
from i18n import N_

# column → (code, English message): the one answer for "missing or not yours".
UNKNOWN: dict[str, tuple[str, str]] = {
    "session_id": ("unknown_session", N_("This session does not exist.")),
    "venue_id": ("unknown_venue", N_("This venue does not exist.")),
    "partner_id": ("unknown_partner", N_("This partner does not exist.")),
}


def _value(row: Any, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def unknown(column: str) -> InvalidInput:
    code, message = UNKNOWN[column]
    return InvalidInput(message, code=code)


def may_refer(
    actor: Viewer,
    column: str,
    row: Any,
    *,
    organisation_id: uuid.UUID | None,
) -> bool:
    """May `actor` point a record's `column` at `row` (None: no such row)?

    Sessions and venues: the ones the caller sees (their teams', or for an agent the ones
    they created or ran). Partners: their organisation's. A deleted session or venue is
    refused like a missing one, on both paths (a phone's queued change naming one is
    rejected and shown under "needs attention"; "Fix this" sends it again without it)."""
    if row is None:
        return False
    if column == "partner_id":
        return bool(_value(row, "organisation_id") == organisation_id)
    if _value(row, "deleted_at") is not None:
        return False
    return can_see_team_record(
        actor, _value(row, "team_id"), _value(row, "created_by"), _value(row, "agent_id")
    )


def check_reference(
    actor: Viewer,
    column: str,
    row: Any,
    *,
    organisation_id: uuid.UUID | None,
) -> None:
    if not may_refer(actor, column, row, organisation_id=organisation_id):
        raise unknown(column)
