"""The tables sync reads and writes, in foreign-key order (parents are flushed first)."""

from __future__ import annotations

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead, LeadMarker
from api.partners.models import Partner
from api.sessions.models import OutreachSession, Tally
from api.venues.models import Venue
from sync.sqltypes import table_of
from sync.store import Entity

LEAD = "lead"
INTERACTION = "interaction"
FOLLOWUP = "followup"
SESSION = "outreach_session"
TALLY = "tally"
VENUE = "venue"
CONSENT = "consent"
MARKER = "lead_marker"
PARTNER = "partner"

ENTITIES: tuple[Entity, ...] = (
    Entity(VENUE, table_of(Venue)),
    Entity(SESSION, table_of(OutreachSession)),
    Entity(PARTNER, table_of(Partner), versioned=False),
    Entity(LEAD, table_of(Lead)),
    Entity(CONSENT, table_of(Consent), versioned=False),
    Entity(MARKER, table_of(LeadMarker), key="lead_id", versioned=False),
    Entity(INTERACTION, table_of(Interaction), parent=(LEAD, "lead_id")),
    Entity(FOLLOWUP, table_of(Followup), parent=(LEAD, "lead_id")),
    Entity(TALLY, table_of(Tally), parent=(SESSION, "session_id")),
)
