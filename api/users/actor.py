"""The authenticated caller, as every domain sees it.

Its own module (not api.users.service) so that the other domains' services can take an Actor
without depending on the accounts service: the services stay independent of each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.users.models import Device, User
from api.vocab import Role


@dataclass(frozen=True)
class Actor:
    """The authenticated caller, as every service sees it."""

    user: User
    device: Device
    team_ids: frozenset[uuid.UUID]

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def role(self) -> Role:
        return Role(self.user.role)


@dataclass(frozen=True)
class PublicForm:
    """The public self-intake form as the author of a lead.create: the person themself, on
    no account. The lead joins `team_id`'s queue (the attribution code's team, else the
    intake team) credited to `agent_id` (the code's agent, if any). Nobody created it (`id`
    None, as for Terrain itself), so nobody holds its first call until a coordinator assigns
    it. Built only by api/intake for a form it took; a push always acts as its user."""

    team_id: uuid.UUID
    agent_id: uuid.UUID | None = None
    id: None = None
