"""Accounts and devices: log in (throttled), resolve a bearer token, log out, revoke."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from api.config import Settings
from api.db import begin_write
from api.errors import InvalidInput, NotAuthenticated, NotFound, TooManyRequests
from api.push import forget as push_forget
from api.users import security
from api.users.actor import Actor
from api.users.models import Device, LoginFailure, Team, TeamMember, User
from api.vocab import Role
from sync.sqltypes import utcnow


@dataclass(frozen=True)
class IssuedToken:
    token: str
    device: Device
    expires_in: int


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _check_throttle(session: Session, *, account: str, ip: str, settings: Settings) -> None:
    since = utcnow() - timedelta(seconds=settings.login_window_s)
    for column, value in ((col(LoginFailure.account), account), (col(LoginFailure.ip), ip)):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                column == value, col(LoginFailure.at) >= since
            )
        ).one()
        if count >= settings.login_max_failures:
            retry = (
                int(
                    (oldest + timedelta(seconds=settings.login_window_s) - utcnow()).total_seconds()
                )
                + 1
            )
            raise TooManyRequests(retry)


def issue_token(
    session: Session,
    *,
    email: str,
    password: str,
    device_name: str | None,
    ip: str,
    settings: Settings,
) -> IssuedToken:
    """Check the password and bind a new token to a new device record."""
    account = _account_key(email)
    begin_write(session)
    _check_throttle(session, account=account, ip=ip, settings=settings)
    user = session.execute(
        select(User).where(col(User.email) == email.strip().lower())
    ).scalar_one_or_none()
    password_ok = security.verify_password(
        password, user.password_hash if user else security.dummy_hash()
    )
    if user is None or not password_ok or not user.is_active:
        session.add(LoginFailure(account=account, ip=ip))
        session.commit()
        raise NotAuthenticated("Wrong e-mail or password.", code="invalid_credentials")
    issued = create_device_token(session, user=user, device_name=device_name, settings=settings)
    session.commit()
    return issued


def create_device_token(
    session: Session, *, user: User, device_name: str | None, settings: Settings
) -> IssuedToken:
    """A new device record holding the hash of a new token (caller commits)."""
    token = security.new_token()
    now = utcnow()
    device = Device(
        user_id=user.id,
        name=(device_name or "browser")[:80],
        token_hash=security.hash_token(token),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=settings.access_token_lifetime_s),
    )
    session.add(device)
    session.flush()
    return IssuedToken(token=token, device=device, expires_in=settings.access_token_lifetime_s)


# Every API request starts here: one round trip for the device, its user and their teams
# (a row per team, or one with none), built once (building it cost more than running it).
_BY_TOKEN = (
    select(Device, User, TeamMember.team_id)
    .join(User, col(User.id) == col(Device.user_id))
    .outerjoin(TeamMember, col(TeamMember.user_id) == col(User.id))
    .where(col(Device.token_hash) == bindparam("token_hash"))
)


def authenticate(session: Session, *, token: str, settings: Settings) -> Actor:
    """Resolve a bearer token to its actor; revoked, expired or disabled → 401."""
    rows = session.execute(_BY_TOKEN, {"token_hash": security.hash_token(token)}).all()
    if not rows:
        raise NotAuthenticated()
    device, user, _team = rows[0]
    team_ids = frozenset(team for _d, _u, team in rows if team is not None)
    now = utcnow()
    if device.revoked_at is not None or device.expires_at <= now or not user.is_active:
        if device.wipe_requested:
            # AC-4: the phone learns at its next request that it must delete its local data.
            raise NotAuthenticated(
                "This device was signed out by an administrator.", code="wipe_requested"
            )
        raise NotAuthenticated()
    if user.role != Role.agent and device.last_used_at is not None:
        # Staff sessions on shared office machines: idle and absolute limits (policy).
        idle = (now - device.last_used_at).total_seconds() > settings.staff_idle_timeout_s
        old = (now - device.created_at).total_seconds() > settings.staff_absolute_timeout_s
        if idle or old:
            raise NotAuthenticated(
                "Your session has expired. Please log in again.", code="session_expired"
            )
    _touch(session, device, now)
    return Actor(user=user, device=device, team_ids=team_ids)


def _touch(session: Session, device: Device, now: datetime) -> None:
    # Only write once a minute per device: a hot read path must not become a write path.
    if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
        # As a writer from the start: on SQLite the read transaction of the lookup cannot
        # be upgraded while another request writes ("database is locked", seen with 20
        # coordinators' browsers in bench/api_reads.py); a write transaction waits its turn.
        begin_write(session)
        session.execute(update(Device).where(col(Device.id) == device.id).values(last_used_at=now))
        session.commit()
        device.last_used_at = now


def revoke_device(session: Session, *, device_id: uuid.UUID, wipe: bool = False) -> Device:
    begin_write(session)
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound()
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    device.wipe_requested = device.wipe_requested or wipe
    session.add(device)
    push_forget.forget_device(session.connection(), device.id)
    session.commit()
    return device


def logout(session: Session, *, actor: Actor) -> None:
    revoke_device(session, device_id=actor.device.id)


def create_user(
    session: Session,
    *,
    organisation_id: uuid.UUID,
    email: str,
    name: str,
    role: Role,
    password: str,
    language: str = "fr",
    team_ids: list[uuid.UUID] | None = None,
) -> User:
    problem = security.password_problem(password)
    if problem:
        raise InvalidInput(problem, code="weak_password")
    password_hash = security.hash_password(password)  # slow: before taking the write lock
    begin_write(session)
    email = email.strip().lower()
    if session.execute(select(User.id).where(col(User.email) == email)).first():
        raise InvalidInput("A user with this e-mail already exists.", code="email_taken")
    user = User(
        organisation_id=organisation_id,
        email=email,
        name=name,
        role=role.value,
        password_hash=password_hash,
        language=language,
    )
    session.add(user)
    session.flush()
    for team_id in team_ids or []:
        if session.get(Team, team_id) is None:
            raise InvalidInput("Unknown team.", code="unknown_team")
        session.add(TeamMember(team_id=team_id, user_id=user.id))
    session.commit()
    return user


def set_user_active(session: Session, *, user_id: uuid.UUID, active: bool) -> User:
    """Disabling a user ends all its tokens at once (checked on every request) and revokes
    its devices, asking each to wipe its data: enabling the user again later does not
    bring an old token (say, on a lost phone) back to life."""
    begin_write(session)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.is_active != active:
        user.is_active = active
        user.updated_at = utcnow()
        session.add(user)
    if not active:
        revoke_user_devices(session, user_id=user.id, wipe=True)
    session.commit()
    return user


def revoke_user_devices(session: Session, *, user_id: uuid.UUID, wipe: bool) -> int:
    """Revoke every live device of a user (caller commits); the number revoked."""
    push_forget.forget_user(session.connection(), user_id)
    result = session.execute(
        update(Device)
        .where(col(Device.user_id) == user_id, col(Device.revoked_at).is_(None))
        .values(revoked_at=utcnow(), wipe_requested=wipe)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def set_password(session: Session, *, user_id: uuid.UUID, password: str) -> User:
    """A new password (policy checked); every existing token of the user stops working."""
    problem = security.password_problem(password)
    if problem:
        raise InvalidInput(problem, code="weak_password")
    password_hash = security.hash_password(password)  # slow: before taking the write lock
    begin_write(session)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    user.password_hash = password_hash
    user.updated_at = utcnow()
    session.add(user)
    revoke_user_devices(session, user_id=user.id, wipe=False)
    session.commit()
    return user
