"""The one module that speaks to push services (pywebpush): encrypt (RFC 8291 aes128gcm),
sign (VAPID, RFC 8292), POST — blocking I/O, so only ever called from the push worker's
threads, never from a request handler.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from api.push.keys import VapidKeys

TIMEOUT_S = 5.0

# urllib3 logs every request line at DEBUG: for a push that line is the endpoint, a
# secret. Whatever level the server logs at, urllib3 says only warnings and worse.
logging.getLogger("urllib3").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Target:
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Outcome:
    """What the push service answered: its status (0: no answer at all) and Retry-After."""

    status: int
    retry_after: str | None = None

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300


class _NoRedirects(requests.Session):
    """A redirect from a "push service" could point anywhere, an internal address
    included: the allow-list covers only the URL we were given, so never follow one."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


class Sender:
    """Sends one message to one subscription. Thread-safe (a session per thread)."""

    def __init__(self, keys: VapidKeys, subject: str) -> None:
        self._vapid = Vapid(private_key=keys.private_key)
        self._subject = subject
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = _NoRedirects()
            # requests reads the proxy variables (and ~/.netrc) again on every request: a
            # third of a send's time. Without proxy variables there is nothing to read.
            session.trust_env = bool(getproxies())
        return session

    def send(self, target: Target, payload: bytes, *, ttl: int, urgency: str) -> Outcome:
        # pywebpush writes `aud` and `exp` into the claims dict it is given, so a dict
        # reused across sends would carry one push service's audience to the next one.
        claims: dict[str, str | int] = {"sub": self._subject}
        try:
            response = webpush(
                subscription_info={
                    "endpoint": target.endpoint,
                    "keys": {"p256dh": target.p256dh, "auth": target.auth},
                },
                data=payload.decode(),
                vapid_private_key=self._vapid,
                vapid_claims=claims,
                ttl=ttl,
                headers={"Urgency": urgency},
                timeout=TIMEOUT_S,
                requests_session=self._session(),
            )
        except WebPushException as exc:
            # Its message quotes the response body (and may quote the URL): never logged.
            status = exc.response.status_code if exc.response is not None else 0
            return Outcome(int(status or 0), exc.retry_after)
        except requests.RequestException:
            return Outcome(0)
        return Outcome(int(response.status_code))


def host_of(endpoint: str) -> str:
    """The push service's host, which may be logged (the endpoint's path may not)."""
    return urlsplit(endpoint).hostname or "?"
