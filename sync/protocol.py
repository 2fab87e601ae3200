"""Wire shapes of sync protocol v1 (shared/design/sync-protocol.md) and its limits.

Field names are the protocol's (camelCase), not Python's: the browser client and the stress
tests speak exactly these.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

PROTOCOL = 1
MIN_SCHEMA_VERSION = 1
CURRENT_SCHEMA_VERSION = 1
# The client sends <= 100 mutations / 512 KB; the server accepts up to these, else 413.
MAX_MUTATIONS = 500
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_PULL_LIMIT = 500
# Every integer a client sends has both bounds (issue 8): ids and counters are JSON numbers a
# browser can hold exactly (2**53 - 1), which also fit the 64-bit columns they are stored in;
# counts that go into 32-bit columns stay below 2**31.
MAX_JSON_INT = 2**53 - 1


def _no_bool(value: Any) -> Any:
    # JSON Schema's integer takes 1.0 but not `false` (pydantic alone takes both).
    if isinstance(value, bool):
        raise ValueError("a boolean is not an integer")
    return value


JsonInt = Annotated[int, BeforeValidator(_no_bool)]
MAX_INT32 = 2**31 - 1

# The schema documents the supported versions; others are well-formed and answered 426.
_SUPPORTED: dict[str, Any] = {"minimum": MIN_SCHEMA_VERSION, "maximum": CURRENT_SCHEMA_VERSION}

# Unknown keys are ignored so a newer client can add fields without breaking an older server.
_LENIENT = ConfigDict(extra="ignore")


class Pending(BaseModel):
    model_config = _LENIENT
    count: JsonInt = Field(default=0, ge=0, le=MAX_INT32)
    oldestAgeS: int | None = Field(default=None, ge=0, le=MAX_INT32)


class MutationIn(BaseModel):
    model_config = _LENIENT
    id: JsonInt = Field(ge=1, le=MAX_JSON_INT)
    name: str = Field(max_length=60)
    v: JsonInt = Field(default=1, ge=0, le=MAX_INT32)
    hlc: str = Field(max_length=80)
    args: dict[str, Any] = Field(default_factory=dict)


class PushRequest(BaseModel):
    model_config = _LENIENT
    protocol: JsonInt = Field(default=PROTOCOL, ge=0, le=MAX_INT32)
    clientGroupID: uuid.UUID
    clientID: uuid.UUID
    schemaVersion: JsonInt = Field(ge=0, le=MAX_INT32, json_schema_extra=_SUPPORTED)
    appVersion: str | None = Field(default=None, max_length=40)
    pending: Pending | None = None
    mutations: list[MutationIn] = Field(default_factory=list)


class ConflictOut(BaseModel):
    type: str
    id: uuid.UUID
    field: str
    kind: str
    won: bool


class MutationResult(BaseModel):
    id: int
    status: Literal["applied", "rejected"]
    code: str | None = None
    detail: str | None = None
    conflicts: list[ConflictOut] | None = None


class Gap(BaseModel):
    expected: int


class PushResponse(BaseModel):
    lastMutationID: int
    results: list[MutationResult]
    serverHLC: str
    version: int
    gap: Gap | None = None


class PullRequest(BaseModel):
    model_config = _LENIENT
    protocol: JsonInt = Field(default=PROTOCOL, ge=0, le=MAX_INT32)
    clientGroupID: uuid.UUID
    schemaVersion: JsonInt = Field(ge=0, le=MAX_INT32, json_schema_extra=_SUPPORTED)
    cookie: str | None = None
    # Larger pages are asked for at times; the server serves at most MAX_PULL_LIMIT.
    limit: JsonInt = Field(default=MAX_PULL_LIMIT, ge=1, le=MAX_INT32)


class PatchOp(BaseModel):
    """`put` carries the whole record (absent keys are null; `_hlc` holds field stamps,
    `"*"` being the stamp of every field not listed); `del` only type and id."""

    op: Literal["put", "del"]
    type: str
    id: uuid.UUID
    version: int | None = None
    value: dict[str, Any] | None = None


class PullResponse(BaseModel):
    reset: bool
    patch: list[PatchOp]
    cookie: str
    more: bool
    lastMutationIDChanges: dict[str, int] | None = None
    serverHLC: str


class SyncError(Exception):
    """A refusal of the whole request; the API maps `kind` to its HTTP status."""

    kind = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        self.extra = extra
        super().__init__(message)


class VersionNotSupported(SyncError):
    kind = "VersionNotSupported"  # 426


class ClientStateNotFound(SyncError):
    kind = "ClientStateNotFound"  # 409


class TooLarge(SyncError):
    kind = "payload_too_large"  # 413


class WrongOwner(SyncError):
    kind = "permission_denied"  # 403


def check_schema_version(version: int) -> None:
    if not MIN_SCHEMA_VERSION <= version <= CURRENT_SCHEMA_VERSION:
        raise VersionNotSupported(
            "This version of the app is no longer supported. Please update it.",
            min=MIN_SCHEMA_VERSION,
            current=CURRENT_SCHEMA_VERSION,
        )
