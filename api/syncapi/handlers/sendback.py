"""lead.send_back / lead.answer — a coordinator sends a lead back to its agent with a
comment ("needs info"); the agent fixes it on the phone and answers.

The lead row holds the latest round (sent_back_* and answered_*), so a phone gets it with
the lead at its next pull, without reading any other record. `sent_back_hlc` is the
send-back's stamp: the fields the agent changed since are those stamped later, which is
what the coordinator sees once the answer is in (api/leads/sendback.py). Every round is
also a note on the lead's timeline (the question, then the answer), so earlier rounds stay
readable after the next send-back replaces the row's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict

from api.leads.rules import derived_id, sent_back_agent
from api.leads.schemas import AnswerIn, SendBackIn
from api.push import triggers as push_triggers
from api.syncapi.entities import INTERACTION, LEAD
from api.syncapi.handlers.assign import live_lead, permitted
from api.syncapi.handlers.common import actor_of, add_system_note, validate
from i18n import N_
from i18n import gettext as _
from sync.push import Apply, Key, Mutator, Rejected

_ROUND_NS = uuid.UUID("9d0f3b6e-2c47-4a1e-b8d5-7e6a0c2f4b19")


class SendBackArgs(SendBackIn):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID


class AnswerArgs(AnswerIn):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID


@dataclass(frozen=True)
class SendBack:
    id: uuid.UUID
    comment: str


@dataclass(frozen=True)
class Answer:
    id: uuid.UUID
    note: str | None


def parse_send_back(args: Mapping[str, Any]) -> SendBack:
    a = validate(SendBackArgs, args)
    return SendBack(a.id, a.comment)


def parse_answer(args: Mapping[str, Any]) -> Answer:
    a = validate(AnswerArgs, args)
    return Answer(a.id, a.note)


def needs_lead(p: SendBack | Answer, hlc: str) -> Iterator[Key]:
    yield LEAD, p.id
    yield INTERACTION, _round_note_id(p, hlc)


def _round_note_id(p: SendBack | Answer, hlc: str) -> uuid.UUID:
    step = "send-back" if isinstance(p, SendBack) else "answer"
    return derived_id(_ROUND_NS, f"{step}:{p.id}:{hlc}")


def _round_note(ctx: Apply, p: SendBack | Answer, body: str) -> None:
    """The round's step on the lead's timeline (kept when the next round replaces the
    row's)."""
    # A phone's clock may run ahead of the server's.
    when = min(ctx.hlc_time, ctx.now)
    add_system_note(ctx, _round_note_id(p, ctx.hlc), p.id, body, when)


def apply_send_back(ctx: Apply, p: SendBack) -> None:
    permitted(ctx)
    lead = live_lead(ctx, p.id)
    agent = sent_back_agent(ctx.store.connection, lead)
    if agent is None:
        raise Rejected("no_agent", N_("This lead has no agent to send it back to."))  # 409
    ctx.store.update(
        LEAD,
        p.id,
        {
            "sent_back_at": ctx.hlc_time,
            "sent_back_by": ctx.actor.id,
            "sent_back_note": p.comment,
            "sent_back_hlc": ctx.hlc,
            "answered_at": None,
            "answer_note": None,
        },
    )
    _round_note(ctx, p, "\n".join([_("Sent back to the agent:"), p.comment]))
    # Last: nothing after this may refuse the mutation (the outbox row is written now).
    push_triggers.lead_sent_back(
        ctx.store.connection, lead_id=p.id, agent_id=agent, actor_id=ctx.actor.id, now=ctx.now
    )


def apply_answer(ctx: Apply, p: Answer) -> None:
    """The agent (or anyone who may see the lead) answers the latest send-back. An answer
    made before it (an old phone's, arriving late) answers an earlier round: it changes
    nothing, so the coordinator's newer question stays open."""
    actor_of(ctx)
    lead = live_lead(ctx, p.id)
    if lead["sent_back_at"] is None:
        raise Rejected("not_sent_back", N_("This lead was not sent back."))  # 409 over REST
    if ctx.hlc < (lead["sent_back_hlc"] or ""):
        return
    ctx.store.update(LEAD, p.id, {"answered_at": ctx.hlc_time, "answer_note": p.note})
    lines = [_("Answered the send-back."), *([p.note] if p.note else [])]
    _round_note(ctx, p, "\n".join(lines))


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("lead.send_back", parse_send_back, needs_lead, apply_send_back),
    Mutator("lead.answer", parse_answer, needs_lead, apply_answer),
)
