"""Taking a self-intake submission: resend check, rate limit, attribution, the lead.

The lead is written by the lead.create mutator, as every lead is (a one-mutation change on
the server's own client, the public form as its actor: api/users/actor.py `PublicForm`),
so a self-intake follows every rule of a lead: consent record, markers only under their
consent, the first follow-up, field stamps, the sync version and poke phones pull.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from api.codes.lookup import attribution
from api.config import Settings
from api.errors import AppError, TooManyRequests
from api.intake import ratelimit
from api.leads.models import Lead
from api.leads.schemas import LeadCreate
from api.push import triggers as push_triggers
from api.syncapi import local
from api.users.actor import PublicForm
from api.users.models import Team
from sync.push import Mutator
from sync.sqltypes import table_of

_lead = table_of(Lead)


class IntakeClosed(AppError):
    status_code = 503
    code = "intake_closed"
    message = "The form cannot take answers yet. Please try again later."


def _rules(settings: Settings) -> tuple[ratelimit.Rule, ...]:
    return ratelimit.parse_rules(settings.intake_rate_limit)


def count_submission(session: Session, *, client_address: str, settings: Settings) -> None:
    """One submission from this client, or TooManyRequests (nothing recorded then)."""
    key = ratelimit.client_key(client_address, settings.resolved_secret_key().get_secret_value())
    wait = ratelimit.take(session, client=key, rules=_rules(settings))
    if wait is not None:
        raise TooManyRequests(wait)


def default_team(session: Session, settings: Settings) -> Team:
    """The queue of self-intakes that came without a code: the configured team, else the
    oldest one."""
    query = select(Team)
    if settings.intake_team:
        query = query.where(col(Team.name) == settings.intake_team)
    team = session.exec(query.order_by(col(Team.created_at), col(Team.name)).limit(1)).first()
    if team is None:
        raise IntakeClosed()
    return team


def submit(
    session: Session,
    *,
    data: LeadCreate,
    code: str | None,
    client_address: str,
    settings: Settings,
) -> bool:
    """Create the lead of a valid submission; False when it is a resend of one already
    taken (then nothing is written and nothing is counted)."""
    lead_id = data.id or uuid.uuid4()  # the form's client token names it (answers.lead_id)
    if session.get(Lead, lead_id) is not None:
        session.rollback()
        return False
    count_submission(session, client_address=client_address, settings=settings)
    fields = data.model_dump(mode="json", exclude_unset=True, exclude={"id"})
    fields.setdefault("language", data.language.value)
    credit = attribution(session, code)
    if credit is not None:
        # The code's own references: a coordinator chose them (never the form's answers).
        fields["campaign"] = credit.code
        fields.update(
            (name, str(value))
            for name, value in (
                ("session_id", credit.session_id),
                ("venue_id", credit.venue_id),
                ("partner_id", credit.partner_id),
            )
            if value is not None
        )
        author = PublicForm(team_id=credit.team_id, agent_id=credit.agent_id)
    else:
        author = PublicForm(team_id=default_team(session, settings).id)
    create = local.parse("lead.create", {"id": str(lead_id), "fields": fields})
    session.rollback()  # end the reads before the write transaction
    created = False

    def prepare(conn: Connection) -> list[tuple[Mutator[Any], Any]]:
        # The same form may arrive twice at once (the page's script resends what it held
        # offline): the second finds the first's lead and writes nothing.
        nonlocal created
        taken = conn.execute(select(_lead.c.id).where(_lead.c.id == lead_id)).first()
        created = taken is None
        return [create] if created else []

    def tell_coordinators(conn: Connection) -> None:
        # The team's coordinators hear of it in this transaction (a refused one: nothing).
        push_triggers.self_intake_received(conn, lead_id=lead_id, team_id=author.team_id)

    local.apply_with(session, actor=author, prepare=prepare, after=tell_coordinators)
    return created
