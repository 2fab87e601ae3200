"""HTTP routes for sync (thin: parse → service → response)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from api.config import get_settings
from api.db import SessionDep, get_session, request_session
from api.deps import CoordinatorUser, SettingsDep, request_actor
from api.errors import NotAuthenticated
from api.params import Offset, RowId, page_limit
from api.syncapi import conflict_list, conflicts, onehop, service
from api.syncapi.visibility import topics_for
from api.users import service as user_service
from api.users.actor import Actor
from sync import events
from sync.protocol import MAX_BODY_BYTES, PullRequest, PullResponse, PushRequest, PushResponse

router = APIRouter(tags=["sync"])

HEARTBEAT_S = 15.0
# A stream ends after this long and the client reconnects: an open stream would otherwise
# hold up a graceful server shutdown indefinitely.
STREAM_MAX_S = 60.0


@router.post(
    "/api/sync/push",
    response_model=PushResponse,
    response_model_exclude_none=True,
    openapi_extra=onehop.request_body_schema(PushRequest),
)
async def push(request: Request) -> Response:
    """Apply the client's queued mutations, each exactly once and in order."""
    # Over 2 MB → 413 before anything is parsed (the client halves its batch).
    body = await onehop.read_body(request, MAX_BODY_BYTES)
    return await onehop.in_worker(_push, request, body)


def _push(request: Request, body: bytes) -> Response:
    with request_session(request) as session:
        actor = request_actor(request, session)
        answer = service.push(session, actor=actor, request=onehop.parse(PushRequest, body))
    return onehop.json_response(answer.model_dump(mode="json", exclude_none=True))


# A pull request is a cookie and a few ids; anything near this size is not one.
_PULL_BODY_LIMIT = 64 * 1024


@router.post(
    "/api/sync/pull",
    response_model=PullResponse,
    openapi_extra=onehop.request_body_schema(PullRequest),
)
async def pull(request: Request) -> Response:
    """One page of the changes the caller may see since the cookie."""
    body = await onehop.read_body(request, _PULL_BODY_LIMIT)
    return await onehop.in_worker(_pull, request, body)


def _pull(request: Request, body: bytes) -> Response:
    with request_session(request) as session:
        actor = request_actor(request, session)
        data = service.pull(
            session, actor=actor, request=onehop.parse(PullRequest, body), settings=get_settings()
        )
    # The page's ops arrive as JSON text from the database: no object per row.
    return onehop.json_response(data)


_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


@dataclass(frozen=True)
class StreamCaller:
    actor: Actor
    dsn: str | None  # PostgreSQL: where the process's LISTEN connection goes


def stream_caller(
    # Function scope: the session is closed before the (long) stream starts.
    session: Annotated[Session, Depends(get_session, scope="function")],
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> StreamCaller:
    if not token:
        raise NotAuthenticated()
    actor = user_service.authenticate(session, token=token, settings=settings)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    dsn = None
    if engine.dialect.name == "postgresql":
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return StreamCaller(actor, dsn)


async def _stream(topics: set[str]) -> AsyncIterator[str]:
    sub = events.broadcaster.subscribe(topics)
    try:
        yield "retry: 3000\n: connected\n\n"
        loop = asyncio.get_running_loop()
        end = loop.time() + STREAM_MAX_S
        while (left := end - loop.time()) > 0:
            if await sub.wait(min(HEARTBEAT_S, left)):
                yield "event: poke\ndata: {}\n\n"
            else:
                yield ": heartbeat\n\n"
    finally:
        events.broadcaster.unsubscribe(sub)


@router.get(
    "/api/sync/events",
    response_model=None,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def sync_events(caller: Annotated[StreamCaller, Depends(stream_caller)]) -> StreamingResponse:
    """Server-Sent Events: `poke` when something the caller may see changed, else a heartbeat."""
    if caller.dsn:
        events.ensure_listener(caller.dsn)
    return StreamingResponse(
        _stream(topics_for(caller.actor)),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


@router.get("/api/sync/conflicts", response_model=conflict_list.LeadConflictList)
def open_conflicts(
    actor: CoordinatorUser,
    session: SessionDep,
    limit: Annotated[int, page_limit(conflict_list.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> conflict_list.LeadConflictList:
    """Unresolved sync conflicts on the leads I may see, oldest first."""
    return conflict_list.list_open(session, actor=actor, limit=limit, offset=offset)


@router.get("/api/leads/{lead_id}/conflicts", response_model=conflicts.ConflictList)
def lead_conflicts(
    lead_id: uuid.UUID, actor: CoordinatorUser, session: SessionDep
) -> conflicts.ConflictList:
    """Unresolved sync conflicts of a lead (values that lost a same-field race)."""
    return conflicts.list_for_lead(session, actor=actor, lead_id=lead_id)


@router.post("/api/sync/conflicts/{conflict_id}/resolve", response_model=conflicts.ConflictPublic)
def resolve_conflict(
    conflict_id: RowId, body: conflicts.ResolveIn, actor: CoordinatorUser, session: SessionDep
) -> conflicts.ConflictPublic:
    """Keep the current value, or pick the losing one (applied as a new patch)."""
    return conflicts.resolve(session, actor=actor, conflict_id=conflict_id, pick=body.pick)
