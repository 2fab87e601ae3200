"""Request dependencies: the authenticated actor, role checks, the request language."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

import i18n
from api.config import Settings, get_settings
from api.db import SessionDep, request_session
from api.errors import NotAuthenticated, PermissionDenied
from api.proxies import client_address
from api.users import service as user_service
from api.users.actor import Actor
from api.vocab import Role

# auto_error=False: a missing token gets our own 401 body, not FastAPI's.
_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)

SettingsDep = Annotated[Settings, Depends(get_settings)]
# The bearer token as sent (None without one), read on the event loop: for an endpoint that
# authenticates on its own worker thread (`as_actor`); it documents the security scheme.
BearerToken = Annotated[str | None, Depends(_bearer)]

T = TypeVar("T")


def current_actor(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Actor:
    # The settings are read here rather than through SettingsDep, which would be a thread
    # hop of its own for every authenticated request (get_settings is not async); a test's
    # dependency_overrides[get_settings] is honoured all the same.
    settings = request.app.dependency_overrides.get(get_settings, get_settings)()
    return actor_for(request, session, settings, token)


def actor_for(request: Request, session: Session, settings: Settings, token: str | None) -> Actor:
    """The caller of a request with this bearer token (401 without a valid one); sets the
    request language to theirs unless the request chose one."""
    if not token:
        raise NotAuthenticated()
    actor = user_service.authenticate(session, token=token, settings=settings)
    if not getattr(request.state, "language_explicit", False):
        # No URL prefix or cookie choice: the profile language beats Accept-Language.
        accept = request.headers.get("accept-language")
        i18n.set_language(i18n.staff_language(actor.user.language, accept))
    return actor


CurrentUser = Annotated[Actor, Depends(current_actor)]


async def as_actor(
    request: Request, session: Session, token: str | None, work: Callable[[Actor], T]
) -> T:
    """`work(actor)` for the caller of this request, authenticated as `CurrentUser` does,
    in one worker-thread hop with the work itself (performance.md P4: a hop of its own for
    the actor cost the event loop's time and held the session's connection, and its
    snapshot on SQLite, while the endpoint waited for a thread). For an `async def`
    endpoint on an `AuthFirstRoute` that takes `SessionDep` and `BearerToken`."""

    def run() -> T:
        return work(current_actor(request, session, token))

    return await run_in_threadpool(run)


class AuthFirstRoute(APIRoute):
    """The route of an endpoint that authenticates through `as_actor`: its parameters are
    validated before the token is checked, so a refusal of them is followed by the check,
    and a caller without a valid token gets the 401 that a `CurrentUser` dependency gives
    (first, before any 422) instead of learning which of its parameters were wrong."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def token_first(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError:
                await run_in_threadpool(_check_token, request)
                raise

        return token_first


def _check_token(request: Request) -> None:
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    with request_session(request) as session:
        current_actor(request, session, token if scheme.lower() == "bearer" else None)


def require_role(*roles: Role) -> Callable[[Actor], Actor]:
    def check(actor: CurrentUser) -> Actor:
        if actor.role not in roles:
            raise PermissionDenied()
        return actor

    return check


CoordinatorUser = Annotated[Actor, Depends(require_role(Role.coordinator, Role.admin))]
AdminUser = Annotated[Actor, Depends(require_role(Role.admin))]


def client_ip(request: Request) -> str:
    """The caller's IP (api/proxies.py: X-Forwarded-For only from a trusted proxy)."""
    return client_address(request.scope)


ClientIP = Annotated[str, Depends(client_ip)]
