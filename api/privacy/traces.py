"""What identifies a person in text typed anywhere, and how to find and remove it.

A note on a venue or another lead may name the person ("called back Amina Diallo, +32470…"):
erasure looks for their phone number (as stored and as typed nationally), e-mail address
and full name in every free-text column, and in the copies of values (conflicts, rejected
mutations), in JSON text too (where non-ASCII letters may be escaped).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, false, func, or_

REDACTED = "[…]"


def needles(lead: Mapping[str, Any]) -> list[str]:
    """Lower-cased strings that identify the person (first names alone do not: too many
    people share them)."""
    found: set[str] = set()
    phone = lead.get("phone")
    if phone:
        found.add(phone.lower())
        if phone.startswith("+32"):
            found.add("0" + phone[3:])
    if lead.get("email"):
        found.add(str(lead["email"]).lower())
    first, last = (lead.get("first_name") or "").strip(), (lead.get("last_name") or "").strip()
    if first and last:
        found.add(f"{first} {last}".lower())
        found.add(f"{last} {first}".lower())
    return sorted(n for n in found if len(n) >= 5)


def _escaped(needle: str) -> set[str]:
    """The needle as plain text and as it appears inside JSON strings."""
    return {needle, json.dumps(needle)[1:-1].lower()}


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matches(column: Any, texts: Iterable[str]) -> ColumnElement[bool]:
    """SQL: the column's text contains one of `texts` (case-insensitive)."""
    patterns = sorted({e for t in texts for e in _escaped(t.lower())})
    if not patterns:
        return false()
    text = func.lower(cast(column, Text))
    return or_(*(text.like(_like(p), escape="\\") for p in patterns))


def redact(text: str | None, found: Iterable[str]) -> str | None:
    if not text:
        return text
    for needle in found:
        text = re.sub(re.escape(needle), REDACTED, text, flags=re.IGNORECASE)
    return text
