"""Workloads and checks shared by the fault-injection tests: a client's outbox filled with
a realistic mix, and "is every acknowledged mutation there exactly once"."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Lead
from api.sessions.models import Tally
from tests.support.model import Sent, Snapshot, field_writes, merge_problems, snapshot
from tests.support.sync_client import AGENT_CONSENT, Mutation, SyncClient

_counter = iter(range(1, 10**9))


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


def phone_number() -> str:
    return f"+32471{next(_counter) % 1_000_000:06d}"


def fill_outbox(client: SyncClient, total: int, rng: random.Random) -> None:
    """`total` mutations: lead creates, interactions and patches on those leads, a
    session and its tallies; every mutation valid, each value unique."""
    leads: list[str] = []
    session = client.create_session({"title": unique("Stand ")}).args["id"]
    while len(client.history) < total:
        roll = rng.random()
        if not leads or roll < 0.3:
            fields = {
                "first_name": unique("Fn"),
                "phone": phone_number(),
                "language": "nl",
                "channel": "shop_visit",
            }
            leads.append(client.create_lead(fields, consent=AGENT_CONSENT).args["id"])
        elif roll < 0.75:
            client.add_interaction(rng.choice(leads), body=unique("note "))
        elif roll < 0.93:
            name = rng.choice(("commune", "sector", "project_idea", "campaign"))
            client.patch_lead(rng.choice(leads), {name: unique(name[:3])})
        else:
            client.add_tally(session, delta=rng.randint(1, 9))


@dataclass
class Effects:
    """The ids a set of mutations creates, by kind."""

    leads: list[str] = field(default_factory=list)
    interactions: list[str] = field(default_factory=list)
    tallies: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, mutations: list[Mutation]) -> Effects:
        out = cls()
        for m in mutations:
            if m.name == "lead.create":
                out.leads.append(m.args["id"])
            elif m.name == "interaction.add":
                out.interactions.append(m.args["id"])
            elif m.name == "tally.add":
                out.tallies[m.args["id"]] = m.args["delta"]
        return out


def client_snapshot(engine: Engine, client: SyncClient) -> Snapshot:
    every = Effects.of(client.history)
    return snapshot(
        engine,
        lead_ids=every.leads,
        interaction_ids=every.interactions,
        tally_ids=list(every.tallies),
        client_ids=[client.client_id],
    )


def prefix_problems(engine: Engine, client: SyncClient) -> list[str]:
    """I1/I2/I6 after a crash: the server holds the effects of exactly the mutations up to
    its last_mutation_id, which is at least what it acknowledged, each once."""
    snap = client_snapshot(engine, client)
    last = snap.last_ids.get(client.client_id, 0)
    problems: list[str] = []
    if last < client.acked_up_to:
        problems.append(f"acknowledged {client.acked_up_to} but the server holds {last}")
    done = Effects.of([m for m in client.history if m.id <= last])
    if set(snap.leads) != set(done.leads):
        problems.append(f"leads: {len(snap.leads)} stored, {len(done.leads)} applied")
    if set(snap.interactions) != set(done.interactions):
        problems.append(
            f"interactions: {len(snap.interactions)} stored, {len(done.interactions)} applied"
        )
    if snap.tallies != done.tallies:
        problems.append(f"tallies: {len(snap.tallies)} stored, {len(done.tallies)} applied")
    if any(n != 1 for n in snap.followups.values()) or set(snap.followups) != set(done.leads):
        problems.append(f"first follow-ups wrong: {Counter(snap.followups.values())}")
    if snap.rejected:
        problems.append(f"valid mutations refused: {sorted(snap.rejected)[:5]}")
    applied = [Sent(client.client_id, m) for m in client.history if m.id <= last]
    problems += merge_problems(field_writes(applied), snap)
    return problems


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            "lead": session.exec(select(func.count()).select_from(Lead)).one(),
            "interaction": session.exec(select(func.count()).select_from(Interaction)).one(),
            "followup": session.exec(select(func.count()).select_from(Followup)).one(),
            "tally": session.exec(select(func.count()).select_from(Tally)).one(),
        }


def sqlite_integrity(engine: Engine) -> str:
    with engine.connect() as conn:
        result = conn.execute(text("PRAGMA integrity_check")).scalar()
    return str(result)
