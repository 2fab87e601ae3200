"""Push subscriptions (one per device), the outbox of messages to send, preferences."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import Column, ForeignKey, Index, Uuid
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class PushSubscription(SQLModel, table=True):
    """A browser's `PushSubscription`, bound to the user and the device that logged in.

    The endpoint is a capability (whoever knows it can push to the phone): it is kept
    here and sent to nobody, and never written to a log.
    """

    __tablename__ = "push_subscription"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    # One subscription per device: subscribing again replaces it.
    device_id: uuid.UUID = Field(foreign_key="device.id", unique=True)
    endpoint: str = Field(max_length=1024, unique=True)
    p256dh: str = Field(max_length=100)
    auth: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PushOutbox(SQLModel, table=True):
    """One message waiting for one subscription, written in the transaction of the change
    that caused it; deleted once the push service took it (or gave up on it)."""

    __tablename__ = "push_outbox"
    __table_args__ = (Index("ix_push_outbox_due", "not_before", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    # The messages of a subscription go with it (404/410 from the push service, log-out).
    subscription_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(),
            ForeignKey("push_subscription.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    user_id: uuid.UUID = Field(foreign_key="user.id")
    kind: str = Field(max_length=20)  # assigned | intake | sent_back | digest
    # Only for the link the notification opens; erasing the lead removes the message.
    lead_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid(), ForeignKey("lead.id", ondelete="CASCADE"), nullable=True),
    )
    count: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PushPreference(SQLModel, table=True):
    """A user's choices (no row: the defaults). Times are Europe/Brussels wall-clock."""

    __tablename__ = "push_preference"
    user_id: uuid.UUID = Field(foreign_key="user.id", primary_key=True)
    assigned: bool = True
    intake: bool = True
    sent_back: bool = True
    digest: bool = True
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest_time: time = Field(default=time(7, 30))
    # The day whose digest was enqueued: at most one per day, across instances.
    last_digest_on: date | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The endpoint is a capability of a staff member's phone; the keys encrypt their messages.
tag(
    PushSubscription,
    personal={"endpoint": Kind.staff, "p256dh": Kind.staff, "auth": Kind.staff},
)
tag(PushOutbox, plain=("kind", "claimed_by"))
