"""Log in (OAuth2 password form), who am I, log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response
from sqlalchemy import select
from sqlmodel import col

from api.db import SessionDep
from api.deps import ClientIP, CurrentUser, SettingsDep
from api.fields import SingleLine
from api.users import service
from api.users.models import Team
from api.users.schemas import Me, TeamRef, Token

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/token", response_model=Token)
def login(
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    username: Annotated[str, Form(max_length=254), SingleLine],
    password: Annotated[str, Form(max_length=1024)],
    device_name: Annotated[str | None, Form(max_length=80), SingleLine] = None,
) -> Token:
    """Exchange e-mail and password for a bearer token bound to a new device."""
    issued = service.issue_token(
        session,
        email=username,
        password=password,
        device_name=device_name,
        ip=ip,
        settings=settings,
    )
    return Token(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", response_model=Me)
def me(session: SessionDep, actor: CurrentUser) -> Me:
    """The logged-in user, their role, teams and language."""
    teams = session.execute(
        select(Team).where(col(Team.id).in_(actor.team_ids)).order_by(col(Team.name))
    ).scalars()
    return Me(
        id=actor.user.id,
        email=actor.user.email,
        name=actor.user.name,
        role=actor.user.role,
        teams=[TeamRef(id=t.id, name=t.name) for t in teams],
        language=actor.user.language,
    )


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(session: SessionDep, actor: CurrentUser) -> Response:
    """Revoke this device's token."""
    service.logout(session, actor=actor)
    return Response(status_code=204)
