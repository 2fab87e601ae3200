"""Taking a self-intake submission: resend check, rate limit, attribution, the lead.

The lead is written by the lead service (`create_self_intake_lead`, this module's one call
site of it), so a self-intake follows every rule of a lead: consent record, markers only
under their consent, the first follow-up, the sync version phones pull.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.codes import service as codes
from api.config import Settings
from api.errors import AppError, TooManyRequests
from api.intake import ratelimit
from api.leads import service as lead_service
from api.leads.models import Lead
from api.leads.schemas import LeadCreate
from api.users.models import Team


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
    if data.id is not None and session.get(Lead, data.id) is not None:
        session.rollback()
        return False
    count_submission(session, client_address=client_address, settings=settings)
    credit = codes.attribution(session, code)
    if credit is not None:
        data = data.model_copy(
            update={
                "campaign": credit.code,
                "session_id": credit.session_id,
                "venue_id": credit.venue_id,
                "partner_id": credit.partner_id,
            }
        )
        who = lead_service.Credit(team_id=credit.team_id, agent_id=credit.agent_id, creator_id=None)
    else:
        team = default_team(session, settings)
        who = lead_service.Credit(team_id=team.id, agent_id=None, creator_id=None)
    _lead, created = lead_service.create_self_intake_lead(session, data=data, credit=who)
    return created
