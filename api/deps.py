"""Request dependencies: the authenticated actor, role checks, the request language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

import i18n
from api.config import Settings, get_settings
from api.db import SessionDep
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
