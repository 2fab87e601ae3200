"""Who the client is behind a load balancer: one rule for the rate limits, the login
throttle and the logs. Only the peers named in TERRAIN_TRUSTED_PROXIES (or
`terrain serve --forwarded-allow-ips`, which sets it) are believed about the client's
address (X-Forwarded-For) and scheme (X-Forwarded-Proto); uvicorn's own handling is off."""

from __future__ import annotations

from functools import lru_cache

from starlette.datastructures import Headers
from starlette.types import Scope

from api.config import get_settings


@lru_cache(maxsize=8)
def _parse(value: str) -> frozenset[str]:
    return frozenset(p.strip() for p in value.split(",") if p.strip())


def trusted() -> frozenset[str]:
    return _parse(get_settings().trusted_proxies)


def client_address(scope: Scope) -> str:
    """The caller's IP; X-Forwarded-For is believed only from a trusted proxy."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    proxies = trusted()
    if peer not in proxies:
        return peer
    forwarded = Headers(scope=scope).get("x-forwarded-for")
    if forwarded:
        # The right-most address not added by our own proxies is the real client.
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if hop not in proxies:
                return hop
    return peer


def is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    client = scope.get("client")
    if client and client[0] in trusted():
        proto = Headers(scope=scope).get("x-forwarded-proto", "")
        return proto.split(",")[0].strip().lower() == "https"
    return False
