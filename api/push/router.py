"""HTTP routes for push: the public key, this device's subscription, preferences."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import CurrentUser, SettingsDep
from api.push import service
from api.push.schemas import Preferences, PublicKey, SubscriptionIn, SubscriptionOut

router = APIRouter(prefix="/api/push", tags=["push"])


@router.get("/key", response_model=PublicKey)
def public_key(_actor: CurrentUser, settings: SettingsDep) -> PublicKey:
    """The server's VAPID public key (the app's applicationServerKey)."""
    return PublicKey(public_key=service.public_key(settings))


@router.post("/subscriptions", response_model=SubscriptionOut, status_code=201)
def subscribe(
    session: SessionDep,
    actor: CurrentUser,
    settings: SettingsDep,
    data: SubscriptionIn,
    response: Response,
) -> SubscriptionOut:
    """Receive pushes on this device (the browser's PushSubscription.toJSON())."""
    row, created = service.subscribe(session, actor=actor, data=data, settings=settings)
    if not created:
        response.status_code = status.HTTP_200_OK
    return SubscriptionOut(id=str(row.id), created=created)


@router.delete("/subscriptions", status_code=204, response_class=Response)
def unsubscribe(session: SessionDep, actor: CurrentUser) -> Response:
    """Stop pushes to this device."""
    service.unsubscribe(session, actor=actor)
    return Response(status_code=204)


@router.get("/preferences", response_model=Preferences)
def get_preferences(session: SessionDep, actor: CurrentUser) -> Preferences:
    """Which pushes I get, my quiet hours and my digest's hour."""
    return service.get_preferences(session, actor=actor)


@router.put("/preferences", response_model=Preferences)
def set_preferences(session: SessionDep, actor: CurrentUser, data: Preferences) -> Preferences:
    """Replace my push preferences."""
    return service.set_preferences(session, actor=actor, data=data)
