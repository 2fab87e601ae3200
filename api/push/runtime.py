"""Starting the push worker with the server (api/main.py's lifespan)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from api.config import Settings
from api.push.keys import VapidKeyError, load_keys
from api.push.webpush import Sender
from api.push.worker import PushWorker

log = logging.getLogger("terrain.push")


def start_worker(engine: Engine, settings: Settings) -> PushWorker | None:
    """A running worker, or None when this instance sends no pushes (no VAPID key set
    up, or TERRAIN_PUSH_WORKER=false)."""
    if not settings.push_worker:
        return None
    try:
        keys = load_keys(settings)
    except VapidKeyError as exc:
        log.error("push is off: %s", exc)
        return None
    if keys is None:
        return None
    worker = PushWorker(
        engine,
        Sender(keys, settings.resolved_vapid_subject()),
        allowed_hosts=settings.push_allowed_hosts,
        lease_s=settings.push_lease_s,
    )
    worker.start()
    return worker
