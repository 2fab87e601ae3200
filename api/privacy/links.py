"""The person's own consent link: `/{lang}/consent/{token}`, the token naming their lead
and signed with the server key, so only who holds the link can use it. It never expires
(a person may withdraw at any time) and dies with the erasure of the lead."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

from api.config import Settings

_TAG = 16  # bytes of HMAC-SHA256 kept: 128 bits


def _mac(lead_id: uuid.UUID, key: str) -> bytes:
    return hmac.new(key.encode(), b"consent:" + lead_id.bytes, hashlib.sha256).digest()[:_TAG]


def token_for(lead_id: uuid.UUID, settings: Settings) -> str:
    key = settings.resolved_secret_key().get_secret_value()
    raw = lead_id.bytes + _mac(lead_id, key)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def lead_of(token: str, settings: Settings) -> uuid.UUID | None:
    """The lead a token names, None for anything forged, cut or altered."""
    if len(token) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32 or base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
        # One spelling per link: the last character's two spare bits must be zero (else
        # "…A" and "…B" would open the same page).
        return None
    lead_id = uuid.UUID(bytes=raw[:16])
    key = settings.resolved_secret_key().get_secret_value()
    return lead_id if hmac.compare_digest(raw[16:], _mac(lead_id, key)) else None


def consent_url(lead_id: uuid.UUID, language: str, settings: Settings) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/{language}/consent/{token_for(lead_id, settings)}"
