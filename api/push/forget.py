"""Forgetting subscriptions when a device or user loses access.

Called inside the users service's own transactions (log-out, device revocation, disabling
a user, a new password): a signed-out phone stops receiving pushes at the same moment it
loses its token, and its queued messages go with its subscription (ON DELETE CASCADE).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, delete
from sqlmodel import col

from api.push.models import PushSubscription


def forget_device(conn: Connection, device_id: uuid.UUID) -> None:
    conn.execute(delete(PushSubscription).where(col(PushSubscription.device_id) == device_id))


def forget_user(conn: Connection, user_id: uuid.UUID) -> None:
    conn.execute(delete(PushSubscription).where(col(PushSubscription.user_id) == user_id))


def forget_all(conn: Connection) -> int:
    """Every subscription (after a key rotation); how many there were."""
    return int(conn.execute(delete(PushSubscription)).rowcount)
