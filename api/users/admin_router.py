"""HTTP routes for administering users, teams and devices (thin: parse → service → response).

Admins only, except that coordinators may read the users and teams of their own teams.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from sqlmodel import Session

from api.db import SessionDep
from api.deps import AdminUser, CoordinatorUser
from api.params import Offset, page_limit
from api.users import admin_service as service
from api.users.models import Device, Team, User
from api.users.schemas import (
    DeviceAdmin,
    DeviceList,
    PasswordSet,
    RevokeIn,
    TeamCreate,
    TeamList,
    TeamPublic,
    TeamRef,
    TeamUpdate,
    UserCreate,
    UserList,
    UserPublic,
    UserUpdate,
)
from api.vocab import Role

router = APIRouter(prefix="/api/admin", tags=["admin"])


def _user(user: User, teams: list[Team]) -> UserPublic:
    return UserPublic(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        language=user.language,
        is_active=user.is_active,
        teams=[TeamRef(id=t.id, name=t.name) for t in teams],
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def _one_user(session: Session, user: User) -> UserPublic:
    return _user(user, service.teams_of(session, [user.id]).get(user.id, []))


def _team(team: Team, members: int) -> TeamPublic:
    return TeamPublic(
        id=team.id, name=team.name, city=team.city, member_count=members, created_at=team.created_at
    )


def _device(device: Device, user: User) -> DeviceAdmin:
    return DeviceAdmin(
        id=device.id,
        user_id=device.user_id,
        name=device.name,
        created_at=device.created_at,
        last_used_at=device.last_used_at,
        expires_at=device.expires_at,
        revoked_at=device.revoked_at,
        user_name=user.name,
        user_email=user.email,
        wipe_requested=device.wipe_requested,
        active=device.revoked_at is None and user.is_active,
    )


# ---------------------------------------------------------------- users


@router.get("/users", response_model=UserList)
def list_users(
    session: SessionDep,
    actor: CoordinatorUser,
    team_id: uuid.UUID | None = None,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, page_limit(service.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> UserList:
    """Users by name (coordinators: the people in their teams)."""
    rows, total = service.list_users(
        session,
        actor=actor,
        team_id=team_id,
        role=role.value if role else None,
        active=active,
        q=q,
        limit=limit,
        offset=offset,
    )
    teams = service.teams_of(session, [u.id for u in rows])
    return UserList(items=[_user(u, teams.get(u.id, [])) for u in rows], total=total)


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(session: SessionDep, actor: CoordinatorUser, user_id: uuid.UUID) -> UserPublic:
    """One user (coordinators: someone in one of their teams)."""
    return _one_user(session, service.get_user(session, actor=actor, user_id=user_id))


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(session: SessionDep, actor: AdminUser, data: UserCreate) -> UserPublic:
    """Create an account (password: 8 characters or more, not a common one)."""
    return _one_user(session, service.create_user(session, actor=actor, data=data))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    session: SessionDep, actor: AdminUser, user_id: uuid.UUID, data: UserUpdate
) -> UserPublic:
    """Change a user's name, role, language or teams."""
    user = service.update_user(session, actor=actor, user_id=user_id, data=data)
    return _one_user(session, user)


@router.post("/users/{user_id}/disable", response_model=UserPublic)
def disable_user(session: SessionDep, actor: AdminUser, user_id: uuid.UUID) -> UserPublic:
    """Disable an account: all its tokens stop working at once."""
    user = service.set_user_active(session, actor=actor, user_id=user_id, active=False)
    return _one_user(session, user)


@router.post("/users/{user_id}/enable", response_model=UserPublic)
def enable_user(session: SessionDep, actor: AdminUser, user_id: uuid.UUID) -> UserPublic:
    """Enable an account again (the person logs in anew)."""
    user = service.set_user_active(session, actor=actor, user_id=user_id, active=True)
    return _one_user(session, user)


@router.post("/users/{user_id}/password", status_code=204, response_class=Response)
def set_password(
    session: SessionDep, actor: AdminUser, user_id: uuid.UUID, data: PasswordSet
) -> Response:
    """Set a new password for a user; their existing tokens stop working."""
    service.set_password(session, actor=actor, user_id=user_id, password=data.password)
    return Response(status_code=204)


# ---------------------------------------------------------------- teams


@router.get("/teams", response_model=TeamList)
def list_teams(session: SessionDep, actor: CoordinatorUser) -> TeamList:
    """Teams with their member count (coordinators: their own)."""
    rows = service.list_teams(session, actor=actor)
    return TeamList(items=[_team(t, n) for t, n in rows], total=len(rows))


@router.post("/teams", response_model=TeamPublic, status_code=201)
def create_team(session: SessionDep, actor: AdminUser, data: TeamCreate) -> TeamPublic:
    """Create a team."""
    return _team(service.create_team(session, actor=actor, data=data), 0)


@router.patch("/teams/{team_id}", response_model=TeamPublic)
def update_team(
    session: SessionDep, actor: AdminUser, team_id: uuid.UUID, data: TeamUpdate
) -> TeamPublic:
    """Rename a team or change its city."""
    team = service.update_team(session, actor=actor, team_id=team_id, data=data)
    return _team(team, service.member_count(session, team.id))


# ---------------------------------------------------------------- devices


@router.get("/devices", response_model=DeviceList)
def list_devices(
    session: SessionDep,
    actor: AdminUser,
    user_id: uuid.UUID | None = None,
    include_revoked: bool = True,
    limit: Annotated[int, page_limit(service.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> DeviceList:
    """Devices (one per login) with their owner and last use, most recent first."""
    rows, total = service.list_devices(
        session,
        actor=actor,
        user_id=user_id,
        include_revoked=include_revoked,
        limit=limit,
        offset=offset,
    )
    return DeviceList(items=[_device(d, u) for d, u in rows], total=total)


@router.post("/devices/{device_id}/revoke", response_model=DeviceAdmin)
def revoke_device(
    session: SessionDep,
    actor: AdminUser,
    device_id: uuid.UUID,
    data: Annotated[RevokeIn | None, Body()] = None,
) -> DeviceAdmin:
    """Revoke a device's token at once; `{"wipe": true}` also has the phone delete its data."""
    wipe = data.wipe if data else False
    return _device(*service.revoke_device(session, actor=actor, device_id=device_id, wipe=wipe))
