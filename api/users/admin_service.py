"""Administration of users, teams and devices.

Admins manage everything in their organisation; coordinators may read the users of their
own teams (to assign leads, to see who is in the field). A change of what a user may see
(teams, role) bumps their access epoch, so their phones reset their local copy at the next
pull; disabling a user or revoking a device ends its tokens at the next request.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, exists, func, or_
from sqlmodel import Session, col, select

from api.audit import trail as audit
from api.audit.models import AuditEvent
from api.db import begin_write
from api.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from api.search import like_pattern
from api.users import service
from api.users.actor import Actor
from api.users.models import Device, Team, TeamMember, User
from api.users.schemas import TeamCreate, TeamUpdate, UserCreate, UserUpdate
from api.vocab import Role
from sync.sqltypes import utcnow

MAX_PAGE = 200


# ---------------------------------------------------------------- users


def _readable_users(actor: Actor) -> list[Any]:
    """Admin: the organisation; coordinator: people sharing one of their teams."""
    where: list[Any] = [col(User.organisation_id) == actor.user.organisation_id]
    if actor.role == Role.admin:
        return where
    if actor.role != Role.coordinator:
        raise PermissionDenied()
    shares_team = exists().where(
        col(TeamMember.user_id) == col(User.id), col(TeamMember.team_id).in_(actor.team_ids)
    )
    return [*where, shares_team]


def list_users(
    session: Session,
    *,
    actor: Actor,
    team_id: uuid.UUID | None = None,
    role: str | None = None,
    active: bool | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[User], int]:
    """One page of the users the actor may read, by name."""
    where = _readable_users(actor)
    if team_id:
        where.append(
            exists().where(
                col(TeamMember.user_id) == col(User.id), col(TeamMember.team_id) == team_id
            )
        )
    if role:
        where.append(col(User.role) == role)
    if active is not None:
        where.append(col(User.is_active).is_(active))
    if q and q.strip():
        pattern = like_pattern(q)
        where.append(
            or_(
                col(User.name).ilike(pattern, escape="\\"),
                col(User.email).ilike(pattern, escape="\\"),
            )
        )
    total = session.execute(select(func.count()).select_from(User).where(*where)).scalar_one()
    rows = session.execute(
        select(User)
        .where(*where)
        .order_by(func.lower(col(User.name)), col(User.id))
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).scalars()
    return list(rows), total


def get_user(session: Session, *, actor: Actor, user_id: uuid.UUID) -> User:
    """A user the actor may read; otherwise 404 whether or not it exists."""
    user: User | None = session.execute(
        select(User).where(col(User.id) == user_id, *_readable_users(actor))
    ).scalar_one_or_none()
    if user is None:
        raise NotFound()
    return user


def teams_of(session: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Team]]:
    """Each user's teams, by name."""
    teams: dict[uuid.UUID, list[Team]] = defaultdict(list)
    if not user_ids:
        return teams
    rows = session.execute(
        select(TeamMember.user_id, Team)
        .join(Team, col(Team.id) == col(TeamMember.team_id))
        .where(col(TeamMember.user_id).in_(user_ids))
        .order_by(col(Team.name))
    ).all()
    for user_id, team in rows:
        teams[user_id].append(team)
    return teams


def _check_teams(session: Session, *, actor: Actor, team_ids: list[uuid.UUID]) -> None:
    if not team_ids:
        return
    found = session.execute(
        select(func.count())
        .select_from(Team)
        .where(
            col(Team.id).in_(team_ids),
            col(Team.organisation_id) == actor.user.organisation_id,
        )
    ).scalar_one()
    if found != len(set(team_ids)):
        raise InvalidInput("Unknown team.", code="unknown_team")


def create_user(session: Session, *, actor: Actor, data: UserCreate) -> User:
    """A new account in the admin's organisation (password policy applies)."""
    _check_teams(session, actor=actor, team_ids=data.team_ids)
    return service.create_user(
        session,
        organisation_id=actor.user.organisation_id,
        email=data.email,
        name=data.name,
        role=Role(data.role),
        password=data.password,
        language=data.language,
        team_ids=list(dict.fromkeys(data.team_ids)),
    )


def _admin_target(session: Session, *, actor: Actor, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id, populate_existing=True)
    if user is None or user.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return user


def _not_self(actor: Actor, user_id: uuid.UUID) -> None:
    # An admin who demotes or disables themselves may leave nobody able to undo it.
    if user_id == actor.id:
        raise InvalidInput(
            "You cannot change your own role or disable yourself.", code="cannot_change_self"
        )


def update_user(session: Session, *, actor: Actor, user_id: uuid.UUID, data: UserUpdate) -> User:
    """Change name, role, language or teams; a new role or new teams bump the access epoch."""
    given = data.model_fields_set
    if data.team_ids is not None:
        _check_teams(session, actor=actor, team_ids=data.team_ids)
    begin_write(session)
    user = _admin_target(session, actor=actor, user_id=user_id)
    access_changed = False
    if "role" in given and data.role != user.role:
        _not_self(actor, user_id)
        user.role = str(data.role)
        access_changed = True
        # Audited in the same transaction as the change itself.
        session.add(
            AuditEvent(
                actor_id=actor.id, action="user.role", object_type="user", object_ref=str(user.id)
            )
        )
    if "team_ids" in given and data.team_ids is not None:
        access_changed |= _set_teams(session, user_id=user.id, team_ids=data.team_ids)
    if "name" in given and data.name is not None:
        user.name = data.name
    if "language" in given and data.language is not None:
        user.language = str(data.language)
    if access_changed:
        # Phones drop their local copy and pull again what the user may now see.
        user.access_epoch += 1
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    return user


def _set_teams(session: Session, *, user_id: uuid.UUID, team_ids: list[uuid.UUID]) -> bool:
    """Make the user's teams exactly `team_ids`; True when that changed something."""
    current = set(
        session.execute(select(TeamMember.team_id).where(col(TeamMember.user_id) == user_id))
        .scalars()
        .all()
    )
    wanted = set(team_ids)
    if current == wanted:
        return False
    if current - wanted:
        session.execute(
            delete(TeamMember).where(
                col(TeamMember.user_id) == user_id,
                col(TeamMember.team_id).in_(current - wanted),
            )
        )
    for team_id in wanted - current:
        session.add(TeamMember(team_id=team_id, user_id=user_id))
    return True


def set_user_active(session: Session, *, actor: Actor, user_id: uuid.UUID, active: bool) -> User:
    """Disable (every token dies at once, phones are told to wipe) or enable an account."""
    if not active:
        _not_self(actor, user_id)
    _admin_target(session, actor=actor, user_id=user_id)
    user = service.set_user_active(session, user_id=user_id, active=active)
    action = "user.enable" if active else "user.disable"  # disabling revokes every device
    audit.record(session, actor=actor, action=action, object_type="user", object_ref=user_id)
    return user


def set_password(session: Session, *, actor: Actor, user_id: uuid.UUID, password: str) -> None:
    """Give a user a new password; their existing tokens stop working."""
    _admin_target(session, actor=actor, user_id=user_id)
    service.set_password(session, user_id=user_id, password=password)


# ---------------------------------------------------------------- teams


def list_teams(session: Session, *, actor: Actor) -> list[tuple[Team, int]]:
    """Teams with their member count: all for admins, their own for coordinators."""
    where: list[Any] = [col(Team.organisation_id) == actor.user.organisation_id]
    if actor.role == Role.coordinator:
        where.append(col(Team.id).in_(actor.team_ids))
    elif actor.role != Role.admin:
        raise PermissionDenied()
    members = (
        select(func.count())
        .select_from(TeamMember)
        .where(col(TeamMember.team_id) == col(Team.id))
        .scalar_subquery()
    )
    rows = session.execute(
        select(Team, members).where(*where).order_by(func.lower(col(Team.name)), col(Team.id))
    ).all()
    return [(team, int(count)) for team, count in rows]


def _name_taken(session: Session, name: str, *, other_than: uuid.UUID | None = None) -> None:
    query = select(Team.id).where(func.lower(col(Team.name)) == name.lower())
    if other_than is not None:
        query = query.where(col(Team.id) != other_than)
    if session.execute(query).first():
        raise Conflict("A team with this name already exists.", code="team_name_taken")


def create_team(session: Session, *, actor: Actor, data: TeamCreate) -> Team:
    begin_write(session)
    _name_taken(session, data.name)
    team = Team(organisation_id=actor.user.organisation_id, name=data.name, city=data.city)
    session.add(team)
    session.commit()
    return team


def _team(session: Session, *, actor: Actor, team_id: uuid.UUID) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return team


def update_team(session: Session, *, actor: Actor, team_id: uuid.UUID, data: TeamUpdate) -> Team:
    begin_write(session)
    team = _team(session, actor=actor, team_id=team_id)
    given = data.model_fields_set
    if "name" in given and data.name is not None and data.name != team.name:
        _name_taken(session, data.name, other_than=team.id)
        team.name = data.name
    if "city" in given:
        team.city = data.city
    session.add(team)
    session.commit()
    return team


def member_count(session: Session, team_id: uuid.UUID) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(TeamMember).where(col(TeamMember.team_id) == team_id)
        ).scalar_one()
    )


# ---------------------------------------------------------------- devices


def list_devices(
    session: Session,
    *,
    actor: Actor,
    user_id: uuid.UUID | None = None,
    include_revoked: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Device, User]], int]:
    """Devices with their owner, most recently used first."""
    where: list[Any] = [col(User.organisation_id) == actor.user.organisation_id]
    if user_id:
        where.append(col(Device.user_id) == user_id)
    if not include_revoked:
        where.append(col(Device.revoked_at).is_(None))
    joined = select(Device, User).join(User, col(User.id) == col(Device.user_id)).where(*where)
    total = session.execute(
        select(func.count())
        .select_from(Device)
        .join(User, col(User.id) == col(Device.user_id))
        .where(*where)
    ).scalar_one()
    rows = session.execute(
        joined.order_by(col(Device.last_used_at).desc().nulls_last(), col(Device.created_at).desc())
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).all()
    return [(d, u) for d, u in rows], total


def revoke_device(
    session: Session, *, actor: Actor, device_id: uuid.UUID, wipe: bool
) -> tuple[Device, User]:
    """Revoke a lost or replaced device: its token is refused from the next request on."""
    row = session.execute(
        select(Device, User)
        .join(User, col(User.id) == col(Device.user_id))
        .where(
            col(Device.id) == device_id,
            col(User.organisation_id) == actor.user.organisation_id,
        )
    ).one_or_none()
    if row is None:
        raise NotFound()
    device = service.revoke_device(session, device_id=device_id, wipe=wipe)
    audit.record(
        session, actor=actor, action="device.revoke", object_type="device", object_ref=device.id
    )
    return device, row[1]
