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
