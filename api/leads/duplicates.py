"""Possible duplicates among the leads a coordinator may see, each pair with its reasons:
the same E.164 phone, the same e-mail, a similar name (accents, case, order of the names
and spaces ignored) in the same commune, or the same name arriving once as a partner
referral and once from a coffee stand (partners write down another commune, often)."""

from __future__ import annotations

import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from api.leads.filters import LeadFilters, visible_where
from api.leads.models import Lead
from api.scope import Viewer
from sync.sqltypes import utcnow

REASONS = ("same_phone", "same_email", "similar_name_same_commune", "referral_and_stand")
MAX_PAIRS = 500
# A big group under one key (a shared office phone, a common name) is not a duplicate
# signal worth showing pair by pair.
MAX_GROUP = 6


@dataclass
class Pair:
    a: dict[str, Any]
    b: dict[str, Any]
    reasons: list[str] = field(default_factory=list)


def fold(text: str | None) -> str:
    """Lower case, accents dropped, only letters and digits."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text.replace("\u0131", "i")).casefold()
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c))


def name_key(first: str | None, last: str | None) -> str:
    """The same for "Amina Benali", "BENALI amina" and "Àmina Ben Ali"."""
    words = f"{first or ''} {last or ''}".replace("-", " ").split()
    return "".join(sorted(fold(w) for w in words if fold(w)))


_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "commune",
    "channel",
    "status",
    "created_at",
    "assigned_to",
)


def _keys(lead: dict[str, Any]) -> Iterable[tuple[str, str]]:
    if lead["phone"]:
        yield "same_phone", lead["phone"]
    if lead["email"]:
        yield "same_email", lead["email"].strip().lower()
    name = name_key(lead["first_name"], lead["last_name"])
    if name and lead["commune"]:
        yield "similar_name_same_commune", f"{name}|{fold(lead['commune'])}"
    if name and lead["channel"] in ("partner_referral", "coffee_stand") and lead["last_name"]:
        yield "referral_and_stand", name


def find_pairs(leads: Iterable[dict[str, Any]]) -> list[Pair]:
    """Every pair sharing a key, with all the keys they share (pure, testable alone)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for lead in leads:
        for key in _keys(lead):
            groups[key].append(lead)
    pairs: dict[tuple[str, str], Pair] = {}
    for (reason, _), members in groups.items():
        if len(members) < 2 or len(members) > MAX_GROUP:
            continue
        for a, b in combinations(sorted(members, key=lambda m: str(m["id"])), 2):
            if reason == "referral_and_stand" and {a["channel"], b["channel"]} != {
                "partner_referral",
                "coffee_stand",
            }:
                continue
            pair = pairs.setdefault((str(a["id"]), str(b["id"])), Pair(a=a, b=b))
            if reason not in pair.reasons:
                pair.reasons.append(reason)
    ordered = sorted(
        pairs.values(),
        key=lambda p: (-len(p.reasons), -max(p.a["created_at"], p.b["created_at"]).timestamp()),
    )
    for pair in ordered:
        pair.reasons.sort(key=REASONS.index)
    return ordered


def possible_duplicates(
    session: Session, *, actor: Viewer, lead_id: uuid.UUID | None = None
) -> list[Pair]:
    """Pairs among the leads the actor may see (newest first); with `lead_id`, only the
    pairs that include that lead."""
    columns: list[Any] = [col(getattr(Lead, name)) for name in _COLUMNS]
    rows = session.execute(
        select(*columns).where(*visible_where(actor, LeadFilters(), now=utcnow()))
    ).all()
    pairs = find_pairs(dict(zip(_COLUMNS, row, strict=True)) for row in rows)
    if lead_id is not None:
        pairs = [p for p in pairs if lead_id in (p.a["id"], p.b["id"])]
    return pairs[:MAX_PAIRS]
