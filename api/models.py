"""Import every table module so SQLModel.metadata is complete (Alembic, tests)."""

from api.audit.models import AuditEvent
from api.codes.models import AttributionCode
from api.followups.models import Followup
from api.intake.models import IntakeHit
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead, LeadMarker
from api.partners.models import Partner
from api.privacy.models import Erasure, PrivacyRequest
from api.push.models import PushOutbox, PushPreference, PushSubscription
from api.referrals.models import Referral
from api.sessions.models import OutreachSession, Tally
from api.users.models import Device, LoginFailure, Organisation, Team, TeamMember, User
from api.venues.models import Venue
from sync.models import SyncClient, SyncClientGroup, SyncConflict, SyncRejected, SyncSpace

__all__ = [
    "AttributionCode",
    "AuditEvent",
    "Consent",
    "Device",
    "Erasure",
    "Followup",
    "IntakeHit",
    "Interaction",
    "Lead",
    "LeadMarker",
    "LoginFailure",
    "Organisation",
    "OutreachSession",
    "Partner",
    "PrivacyRequest",
    "PushOutbox",
    "PushPreference",
    "PushSubscription",
    "Referral",
    "SyncClient",
    "SyncClientGroup",
    "SyncConflict",
    "SyncRejected",
    "SyncSpace",
    "Tally",
    "Team",
    "TeamMember",
    "User",
    "Venue",
]
