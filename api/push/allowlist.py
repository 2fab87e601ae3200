"""Which push endpoints the server may call (TERRAIN_PUSH_ALLOWED_HOSTS).

A subscription names a URL the server will POST to later: without a check, anyone with an
account could make the server call an internal address (the cloud metadata service, the
database's admin port …). Only the push services' hosts are allowed, over https; plain
http only to a loopback address that the setting lists with its port (the tests' receiver).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

MAX_ENDPOINT = 1024


class EndpointRefused(ValueError):
    """The endpoint is not a known push service (the reason never echoes the URL)."""


@dataclass(frozen=True)
class _Rule:
    host: str  # lower case; "*.example.com" matches any subdomain
    port: int | None  # None: the scheme's default port only

    def matches(self, host: str, port: int | None) -> bool:
        if self.port != port:
            return False
        if self.host.startswith("*."):
            return host.endswith(self.host[1:]) and len(host) > len(self.host) - 1
        return host == self.host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=8)
def parse_rules(setting: str) -> tuple[_Rule, ...]:
    """`host`, `host:port`, `*.domain`, `[::1]:port` entries, comma-separated."""
    rules = []
    for item in setting.split(","):
        entry = item.strip().lower()
        host, port = entry, ""
        if entry.startswith("["):
            host, _, port = entry[1:].partition("]")
            port = port.removeprefix(":")
        elif entry.count(":") == 1:
            host, _, port = entry.partition(":")
        if host:
            rules.append(_Rule(host=host, port=int(port) if port else None))
    return tuple(rules)


def check_endpoint(endpoint: str, allowed: str) -> str:
    """The endpoint if the server may call it; EndpointRefused otherwise."""
    if len(endpoint) > MAX_ENDPOINT:
        raise EndpointRefused("too long")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused("not a URL") from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise EndpointRefused("not an http(s) URL")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise EndpointRefused("credentials or fragment in the URL")
    if parts.scheme == "http" and not _is_loopback(host):
        # Plain http only ever to this machine (a test receiver), never across a network.
        raise EndpointRefused("plain http to a remote host")
    default = 443 if parts.scheme == "https" else 80
    effective = None if port in (None, default) else port
    if not any(rule.matches(host, effective) for rule in parse_rules(allowed)):
        raise EndpointRefused("host not allowed")
    return endpoint
