"""The pull cookie: opaque to the client, base64url of a small JSON list.

It holds no personal data, only versions, a time and a cursor, so it is not signed: a forged
cookie can only make its own client miss or repeat rows it may see anyway (visibility is
checked on every row of every pull).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, replace

import orjson

_FORMAT = 1


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: feed index, then (version, id) within that feed."""

    feed: int
    version: int
    id: uuid.UUID | None


START = Cursor(0, -1, None)


@dataclass(frozen=True)
class Cookie:
    base: int  # the client holds every row with version <= base
    upper: int  # S: the upper bound of this pull cycle, read in its first snapshot
    at_ms: int  # server time when `upper` was read (tombstone horizon)
    epoch: int  # the user's access epoch when the cycle started
    schema: int
    cursor: Cursor | None  # None: the cycle is complete

    def finished(self) -> Cookie:
        return replace(self, base=self.upper, cursor=None)


def encode(cookie: Cookie) -> str:
    c = cookie.cursor
    cursor = [c.feed, c.version, str(c.id) if c.id else None] if c else None
    raw = orjson.dumps(
        [_FORMAT, cookie.base, cookie.upper, cookie.at_ms, cookie.epoch, cookie.schema, cursor]
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(text: str | None) -> Cookie | None:
    """The cookie, or None when absent or not one of ours (the caller resets)."""
    if not text or len(text) > 400:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = orjson.loads(raw)
        fmt, base, upper, at_ms, epoch, schema, cursor = data
        if fmt != _FORMAT:
            return None
        ints = (base, upper, at_ms, epoch, schema)
        if not all(type(v) is int for v in ints) or not 0 <= base <= upper:
            return None
        parsed: Cursor | None = None
        if cursor is not None:
            feed, version, cid = cursor
            if type(feed) is not int or type(version) is not int or feed < 0:
                return None
            parsed = Cursor(feed, version, uuid.UUID(cid) if cid is not None else None)
        return Cookie(base, upper, at_ms, epoch, schema, parsed)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        return None
