"""Request dependencies: the authenticated actor, role checks, the request language."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request, Response
from fastapi._compat import ModelField, field_annotation_is_sequence
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import QueryParams

import i18n
from api.config import Settings, get_settings
from api.db import SessionDep, get_session, request_session
from api.errors import NotAuthenticated, PermissionDenied
from api.proxies import client_address
from api.users import service as user_service
from api.users.actor import Actor
from api.vocab import Role

# auto_error=False: a missing token gets our own 401 body, not FastAPI's.
_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)

SettingsDep = Annotated[Settings, Depends(get_settings)]


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


class OneHopRoute(APIRoute):
    """A GET route answered in one worker-thread hop: the session, the actor, the parameters
    and the endpoint's work together (performance.md P4, the coordinators' queue and lead
    detail). Through FastAPI's dependency solving the same request cost the event loop its
    dependency graph, a parameter at a time, an async session generator and two thread
    hops — more of the one interpreter than the work itself.

    For a plain `def` endpoint whose parameters are only a `SessionDep`, a `CurrentUser`,
    path parameters and at most one query model (`Annotated[Model, Query()]`); anything
    else is refused when the route is made. The schema is FastAPI's, from the signature, and
    the answers are the same as FastAPI's: the actor first (a bad token is the 401 before any
    422), then the path and the query, refused with the errors FastAPI gives, then the
    endpoint, which returns its own `Response`. A test's `dependency_overrides` of
    `get_session` and `get_settings` are honoured."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        dependant = self.dependant
        names: dict[Callable[..., Any], str] = {}
        for sub in dependant.dependencies:
            if sub.call not in (get_session, current_actor) or sub.name is None:
                raise TypeError(f"{self.path}: OneHopRoute takes SessionDep and CurrentUser only")
            names[sub.call] = sub.name
        if current_actor not in names:
            raise TypeError(f"{self.path}: OneHopRoute needs a CurrentUser")
        query = _query_model(self.path, dependant.query_params)
        if dependant.header_params or dependant.cookie_params or dependant.body_params:
            raise TypeError(f"{self.path}: OneHopRoute takes path and query parameters only")
        endpoint = dependant.call
        if endpoint is None:
            raise TypeError(f"{self.path}: no endpoint")
        path_params = dependant.path_params

        def answer(request: Request) -> Response:
            with request_session(request) as session:
                actor = request_actor(request, session)
                values, errors = request_params_to_args(path_params, request.path_params)
                if query is not None:
                    found, refused = query.parse(request.query_params)
                    values[query.name] = found
                    errors += refused
                if errors:
                    raise RequestValidationError(errors)
                values[names[current_actor]] = actor
                if get_session in names:
                    values[names[get_session]] = session
                result = endpoint(**values)
            if not isinstance(result, Response):
                raise TypeError(f"{self.path}: a OneHopRoute endpoint returns a Response")
            return result

        async def handler(request: Request) -> Response:
            return await anyio.to_thread.run_sync(answer, request, limiter=_hot_limiter())

        return handler


# The hot reads' worker threads, per event loop (a test's clients each run their own).
# Twenty browsers' requests each on a thread of its own (anyio's default allows 40) spent
# the one interpreter on handing it between threads, and on SQLite spread the reads over
# as many connections, each with its own page cache: four threads answered 20-25 % more
# requests a second with 20 clients (bench/api_reads.py, SQLite), the same on PostgreSQL.
# The others wait on the event loop, which costs nothing while they wait.
HOT_READ_THREADS = 4
_hot_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _hot_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    found = _hot_limiters.get(loop)
    if found is None:
        found = _hot_limiters[loop] = anyio.CapacityLimiter(HOT_READ_THREADS)
    return found


def request_actor(request: Request, session: Session) -> Actor:
    """`CurrentUser` for a route that reads its request itself (one worker-thread hop): the
    token `_bearer` reads, the same 401 without a valid one."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    return current_actor(request, session, token if scheme.lower() == "bearer" else None)


@dataclass(frozen=True)
class _QueryModel:
    name: str
    model: type[BaseModel]
    lists: frozenset[str]  # the aliases that repeat (?status=new&status=contacted)
    aliases: tuple[str, ...]

    def parse(self, params: QueryParams) -> tuple[BaseModel | None, list[Any]]:
        """The model of these parameters, or FastAPI's errors for them: a repeated key's
        last value (all of them for a list), an empty list as absent."""
        data: dict[str, Any] = {}
        for alias in self.aliases:
            if alias in self.lists:
                if values := params.getlist(alias):
                    data[alias] = values
            elif (value := params.get(alias)) is not None:
                data[alias] = value
        try:
            return self.model.model_validate(data), []
        except ValidationError as exc:
            return None, [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]


def _query_model(path: str, fields: list[ModelField]) -> _QueryModel | None:
    if not fields:
        return None
    model = fields[0].field_info.annotation
    if len(fields) > 1 or not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{path}: OneHopRoute takes one query model, Annotated[Model, Query()]")
    aliases = tuple(f.alias or name for name, f in model.model_fields.items())
    lists = frozenset(
        f.alias or name
        for name, f in model.model_fields.items()
        if field_annotation_is_sequence(f.annotation)
    )
    return _QueryModel(fields[0].name, model, lists, aliases)


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
