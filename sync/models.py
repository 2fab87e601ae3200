"""Sync bookkeeping tables (sync-protocol.md): space version, clients, conflicts, rejections."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class SyncSpace(SQLModel, table=True):
    """One row: the global version. Bumped first by every writer, which serialises commits."""

    __tablename__ = "sync_space"
    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)


class SyncClientGroup(SQLModel, table=True):
    __tablename__ = "sync_client_group"
    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    schema_version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SyncClient(SQLModel, table=True):
    __tablename__ = "sync_client"
    id: uuid.UUID = Field(primary_key=True)
    client_group_id: uuid.UUID = Field(foreign_key="sync_client_group.id", index=True)
    last_mutation_id: int = Field(default=0, sa_type=BigInteger)
    # Version of the space at which last_mutation_id last moved (drives lastMutationIDChanges).
    version: int = Field(default=0, sa_type=BigInteger)
    app_version: str | None = Field(default=None, max_length=40)
    pending_count: int | None = None
    pending_oldest_age_s: int | None = None
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SyncConflict(SQLModel, table=True):
    """A value that lost a same-field race (or arrived after a delete); coordinators may pick it."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=30)
    entity_id: uuid.UUID
    field: str = Field(max_length=60)
    kind: str = Field(max_length=20)  # concurrent | after_delete
    losing_value: Any = Field(default=None, sa_column=Column(JSON))
    losing_hlc: str | None = Field(default=None, max_length=80)
    winning_value: Any = Field(default=None, sa_column=Column(JSON))
    winning_hlc: str | None = Field(default=None, max_length=80)
    client_id: uuid.UUID | None = None
    mutation_id: int | None = Field(default=None, sa_type=BigInteger)
    user_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: uuid.UUID | None = None
    resolution: str | None = Field(default=None, max_length=20)  # kept | picked


class SyncRejected(SQLModel, table=True):
    """A mutation the server refused: stored, never silently dropped (invariant I8)."""

    __tablename__ = "sync_rejected"
    __table_args__ = (Index("ix_sync_rejected_client", "client_id", "mutation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: uuid.UUID
    mutation_id: int = Field(sa_type=BigInteger)
    user_id: uuid.UUID | None = None
    name: str = Field(max_length=60)
    v: int = 1
    args: Any = Field(default=None, sa_column=Column(JSON))
    code: str = Field(max_length=60)
    detail: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


tag(
    SyncConflict,
    personal={"losing_value": Kind.copy, "winning_value": Kind.copy},
    plain=("entity", "field", "kind", "losing_hlc", "winning_hlc", "resolution"),
)
tag(SyncRejected, personal={"args": Kind.copy}, plain=("name", "code", "detail"))
tag(SyncClient, plain=("app_version",))
