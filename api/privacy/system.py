"""Terrain itself as the actor of a change: the retention purge, the person's own
self-service link, the replay of erasures after a restore. Never reachable from a phone:
a push always acts as its authenticated user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from api.vocab import Role


@dataclass(frozen=True)
class System:
    reason: str  # retention | self | restore | request
    id: uuid.UUID | None = None
    role: Role = Role.admin
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


RETENTION = System("retention")
SELF_SERVICE = System("self")
RESTORE = System("restore")
# The server's operator at the command line, acting on a person's request.
OPERATOR = System("request")
