"""consent.withdraw — the person takes back some or all of their consent (GDPR Art. 7(3)):
as easy as giving it, from the agent's phone, a coordinator's screen or the person's own
link, and always the same rules:

- the consent records say which purposes were withdrawn and when (never deleted);
- `markers` withdrawn: every target-group marker is erased; `sensitive_markers`: the
  sensitive ones (GDPR Art. 9);
- `contact` withdrawn: nobody may call any more — the lead moves to `withdrawn` (logged on
  its timeline, where the funnel allows it) and its open follow-ups are closed;
- the lead's version moves, so every phone that holds it pulls it again at its next sync
  (a lead as phones get it never carries markers, AC-2);
- one audit row, by pseudonym.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select

from api.audit.models import AuditEvent
from api.followups.models import Followup
from api.leads.markers import SENSITIVE_MARKERS
from api.leads.models import Consent
from api.leads.rules import status_interaction_id
from api.privacy.pseudonym import pseudonym
from api.privacy.system import System
from api.syncapi.entities import CONSENT, FOLLOWUP, INTERACTION, LEAD, MARKER
from api.syncapi.handlers.common import check_not_erased, not_found, validate
from api.syncapi.visibility import can_see_lead_row
from api.users.actor import Actor
from api.vocab import ConsentPurpose, InteractionKind, LeadStatus, can_transition
from sync.push import Apply, Key, Mutator
from sync.sqltypes import table_of
from sync.store import Store


class WithdrawArgs(BaseModel):
    """`{id, purposes}`: `id` is the lead's (the phone files the change under that record)."""

    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID
    purposes: list[ConsentPurpose] = Field(min_length=1, max_length=4)


@dataclass(frozen=True)
class Withdraw:
    lead_id: uuid.UUID
    purposes: frozenset[str]


def parse_withdraw(args: Mapping[str, Any]) -> Withdraw:
    a = validate(WithdrawArgs, args)
    return Withdraw(a.id, frozenset(p.value for p in a.purposes))


def needs_withdraw(p: Withdraw, hlc: str) -> Iterator[Key]:
    yield LEAD, p.lead_id
    yield MARKER, p.lead_id
    if ConsentPurpose.contact in p.purposes:
        yield INTERACTION, status_interaction_id(p.lead_id, hlc)


_consent = table_of(Consent)
_followup = table_of(Followup)


def then_withdraw(p: Withdraw, store: Store) -> Iterator[Key]:
    """The lead's consent records, and its open follow-ups if calls must stop."""
    if store.get(LEAD, p.lead_id) is None:
        return
    conn = store.connection
    for key in conn.execute(select(_consent.c.id).where(_consent.c.lead_id == p.lead_id)):
        yield CONSENT, key[0]
    if ConsentPurpose.contact in p.purposes:
        open_ = select(_followup.c.id).where(
            _followup.c.lead_id == p.lead_id,
            _followup.c.done_at.is_(None),
            _followup.c.deleted_at.is_(None),
        )
        for key in conn.execute(open_):
            yield FOLLOWUP, key[0]


def _may_withdraw(ctx: Apply, lead: Mapping[str, Any]) -> bool:
    actor = ctx.actor
    if isinstance(actor, System):
        return True
    return isinstance(actor, Actor) and can_see_lead_row(actor, lead)


def apply_withdraw(ctx: Apply, p: Withdraw) -> None:
    store = ctx.store
    lead = store.get(LEAD, p.lead_id)
    if lead is None or not _may_withdraw(ctx, lead):
        raise not_found()
    check_not_erased(lead)
    _record_withdrawal(ctx, p)
    _erase_markers(ctx, p)
    if ConsentPurpose.contact in p.purposes:
        _stop_contact(ctx, lead)
    # Phones holding the lead pull it again (its value never carries markers).
    store.update(LEAD, p.lead_id, {"updated_at": ctx.now})
    _audit(ctx, p.lead_id)


def _record_withdrawal(ctx: Apply, p: Withdraw) -> None:
    for row in ctx.store.loaded(CONSENT):
        if row["lead_id"] != p.lead_id:
            continue
        given = set(row["purposes"] or [])
        before = set(row["withdrawn_purposes"] or ([] if row["withdrawn_at"] is None else given))
        after = before | (given & p.purposes)
        if after != before:
            ctx.store.update(
                CONSENT,
                row["id"],
                {"withdrawn_at": ctx.now, "withdrawn_purposes": sorted(after)},
            )


def _erase_markers(ctx: Apply, p: Withdraw) -> None:
    markers = ctx.store.get(MARKER, p.lead_id)
    if markers is None:
        return
    if ConsentPurpose.markers in p.purposes:
        ctx.store.delete(MARKER, p.lead_id)
    elif ConsentPurpose.sensitive_markers in p.purposes:
        cleared = dict.fromkeys(SENSITIVE_MARKERS) | {"sensitive_consent_id": None}
        ctx.store.update(MARKER, p.lead_id, {**cleared, "updated_at": ctx.now})


def _stop_contact(ctx: Apply, lead: Mapping[str, Any]) -> None:
    old = lead["status"]
    new = LeadStatus.withdrawn.value
    if old != new and can_transition(old, new):
        ctx.store.update(
            LEAD,
            lead["id"],
            {
                "status": new,
                "status_changed_at": ctx.hlc_time,
                "field_hlc": {**(lead["field_hlc"] or {}), "status": ctx.hlc},
            },
        )
        log_id = status_interaction_id(lead["id"], ctx.hlc)
        if ctx.store.get(INTERACTION, log_id) is None:
            ctx.store.insert(
                INTERACTION,
                {
                    "id": log_id,
                    "lead_id": lead["id"],
                    "kind": InteractionKind.status_change.value,
                    "occurred_at": ctx.hlc_time,
                    "body": None,
                    "channel": None,
                    "from_status": old,
                    "to_status": new,
                    "author_id": ctx.actor.id,
                    "voided_at": None,
                    "voided_by": None,
                    "void_reason": None,
                },
            )
    for row in ctx.store.loaded(FOLLOWUP):
        if row["lead_id"] == lead["id"] and row["done_at"] is None and row["deleted_at"] is None:
            ctx.store.update(FOLLOWUP, row["id"], {"done_at": ctx.now})


_audit_table = table_of(AuditEvent)


def _audit(ctx: Apply, lead_id: uuid.UUID) -> None:
    ctx.store.connection.execute(
        insert(_audit_table).values(
            at=ctx.now,
            actor_id=ctx.actor.id,
            action="consent.withdraw",
            object_type="person",
            object_ref=pseudonym(lead_id),
        )
    )


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("consent.withdraw", parse_withdraw, needs_withdraw, apply_withdraw, then=then_withdraw),
)
