"""Push use cases: subscribe a device, unsubscribe, preferences, forget on sign-out."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlmodel import Session, col

from api.config import Settings
from api.db import begin_write
from api.errors import AppError, InvalidInput
from api.push.allowlist import EndpointRefused, check_endpoint
from api.push.forget import forget_device
from api.push.keys import VapidKeyError, load_keys
from api.push.models import PushPreference, PushSubscription
from api.push.schemas import Preferences, SubscriptionIn
from api.users.actor import Actor
from sync.sqltypes import utcnow


class PushNotConfigured(AppError):
    status_code = 503
    code = "push_not_configured"
    message = "Notifications are not set up on this server."


def public_key(settings: Settings) -> str:
    try:
        keys = load_keys(settings)
    except VapidKeyError as exc:
        raise PushNotConfigured() from exc
    if keys is None:
        raise PushNotConfigured()
    return keys.public_key


def subscribe(
    session: Session, *, actor: Actor, data: SubscriptionIn, settings: Settings
) -> tuple[PushSubscription, bool]:
    """Bind the browser's subscription to this user and device; (row, created).

    A device has one subscription: a new one replaces the old (a new key, a new browser
    profile), and an endpoint belongs to one device (a phone handed to a colleague)."""
    try:
        check_endpoint(data.endpoint, settings.push_allowed_hosts)
    except EndpointRefused as exc:
        # The reason stays in the code: the endpoint is never echoed or logged.
        raise InvalidInput(
            "Notifications cannot be sent to this address.", code="push_endpoint_not_allowed"
        ) from exc
    begin_write(session)
    existing = session.execute(
        select(PushSubscription).where(col(PushSubscription.endpoint) == data.endpoint)
    ).scalar_one_or_none()
    if existing is not None and existing.device_id == actor.device.id:
        # The app re-sends its subscription at each start: keep it (and what is queued).
        existing.p256dh, existing.auth = data.keys.p256dh, data.keys.auth
        session.add(existing)
        session.commit()
        return existing, False
    session.execute(
        delete(PushSubscription).where(
            or_(
                col(PushSubscription.device_id) == actor.device.id,
                col(PushSubscription.endpoint) == data.endpoint,
            )
        )
    )
    row = PushSubscription(
        user_id=actor.id,
        device_id=actor.device.id,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        created_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return row, True


def unsubscribe(session: Session, *, actor: Actor) -> None:
    """This device gets no more pushes (its queued messages go too)."""
    begin_write(session)
    forget_device(session.connection(), actor.device.id)
    session.commit()


def get_preferences(session: Session, *, actor: Actor) -> Preferences:
    row = session.get(PushPreference, actor.id)
    if row is None:
        return Preferences()
    return Preferences.model_validate(row, from_attributes=True)


def set_preferences(session: Session, *, actor: Actor, data: Preferences) -> Preferences:
    begin_write(session)
    row = session.get(PushPreference, actor.id, populate_existing=True)
    if row is None:
        row = PushPreference(user_id=actor.id)
    for name in Preferences.model_fields:
        setattr(row, name, getattr(data, name))
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return data
