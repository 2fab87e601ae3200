"""Pseudonyms of people: a keyed hash of their lead id.

The audit trail, the register of requests and the erasure ledger name a person only by this,
so after an erasure nothing that is left leads back to them; with the server key and a lead
id one can still find every audit row about a person who has not been erased.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from api.config import get_settings


def pseudonym(lead_id: uuid.UUID, *, key: str | None = None) -> str:
    secret = key if key is not None else get_settings().resolved_secret_key().get_secret_value()
    return hmac.new(secret.encode(), b"lead:" + lead_id.bytes, hashlib.sha256).hexdigest()
