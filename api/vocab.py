"""Closed vocabularies of the domain (product.md). Stored as plain strings."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    agent = "agent"
    coordinator = "coordinator"
    admin = "admin"


class Channel(StrEnum):
    coffee_stand = "coffee_stand"
    shop_visit = "shop_visit"
    community_meeting = "community_meeting"
    info_session = "info_session"
    partner_referral = "partner_referral"
    self_intake = "self_intake"
    phone = "phone"
    walk_in = "walk_in"
    event = "event"
    other = "other"


class LeadStatus(StrEnum):
    new = "new"
    contacted = "contacted"
    qualified = "qualified"
    applied = "applied"
    financed = "financed"
    coached = "coached"
    referred = "referred"
    not_eligible = "not_eligible"
    unreachable = "unreachable"
    withdrawn = "withdrawn"


# The funnel of product.md: forward steps, plus side exits from any open stage.
_SIDE_EXITS = {
    LeadStatus.referred,
    LeadStatus.not_eligible,
    LeadStatus.unreachable,
    LeadStatus.withdrawn,
}
_OPEN = [LeadStatus.new, LeadStatus.contacted, LeadStatus.qualified, LeadStatus.applied]
STATUS_TRANSITIONS: dict[LeadStatus, set[LeadStatus]] = {
    LeadStatus.new: {LeadStatus.contacted, LeadStatus.qualified} | _SIDE_EXITS,
    LeadStatus.contacted: {LeadStatus.qualified} | _SIDE_EXITS,
    LeadStatus.qualified: {LeadStatus.applied, LeadStatus.contacted} | _SIDE_EXITS,
    LeadStatus.applied: {LeadStatus.financed, LeadStatus.coached} | _SIDE_EXITS,
    LeadStatus.financed: {LeadStatus.coached},
    LeadStatus.coached: {LeadStatus.financed},
    # A closed side exit can be reopened when the person comes back.
    LeadStatus.referred: {LeadStatus.contacted, LeadStatus.qualified},
    LeadStatus.not_eligible: {LeadStatus.contacted},
    LeadStatus.unreachable: {LeadStatus.contacted, LeadStatus.qualified},
    LeadStatus.withdrawn: {LeadStatus.contacted},
}
OPEN_STATUSES = frozenset(_OPEN)


def can_transition(old: str, new: str) -> bool:
    return LeadStatus(new) in STATUS_TRANSITIONS.get(LeadStatus(old), set())


class ProjectStage(StrEnum):
    idea = "idea"
    starting = "starting"
    existing = "existing"
    in_difficulty = "in_difficulty"


class Need(StrEnum):
    credit = "credit"
    coaching = "coaching"
    training = "training"
    information = "information"


class CallTime(StrEnum):
    """When the person would like to be called (the self-intake form asks)."""

    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"
    any = "any"


class CodeKind(StrEnum):
    """What an attribution code (QR code, short link) credits."""

    agent = "agent"
    session = "session"
    venue = "venue"
    partner = "partner"
    campaign = "campaign"


class Language(StrEnum):
    fr = "fr"
    nl = "nl"
    en = "en"
    es = "es"
    ar = "ar"
    it = "it"
    de = "de"
    pt = "pt"
    tr = "tr"
    ro = "ro"


class InteractionKind(StrEnum):
    conversation = "conversation"
    call = "call"
    call_failed = "call_failed"
    visit = "visit"
    appointment = "appointment"
    referral = "referral"
    note = "note"
    status_change = "status_change"


class TallyKind(StrEnum):
    coffees = "coffees"
    conversations = "conversations"
    flyers = "flyers"


class PartnerKind(StrEnum):
    employment_service = "employment_service"
    welfare_office = "welfare_office"
    integration_agency = "integration_agency"
    ngo = "ngo"
    other = "other"


class ReferralDirection(StrEnum):
    incoming = "in"
    outgoing = "out"


class ReferralStatus(StrEnum):
    proposed = "proposed"
    sent = "sent"
    accepted = "accepted"
    in_progress = "in_progress"
    completed = "completed"
    declined = "declined"


class ConsentChannel(StrEnum):
    agent = "agent"
    self = "self"


class ConsentPurpose(StrEnum):
    contact = "contact"
    markers = "markers"
    sensitive_markers = "sensitive_markers"
    newsletter = "newsletter"


PREFER_NOT = "prefer_not_to_say"


class Gender(StrEnum):
    woman = "woman"
    man = "man"
    other = "other"
    prefer_not_to_say = PREFER_NOT


class AgeBand(StrEnum):
    under_25 = "under_25"
    a25_29 = "25_29"
    a30_39 = "30_39"
    a40_49 = "40_49"
    a50_59 = "50_59"
    a60_plus = "60_plus"
    prefer_not_to_say = PREFER_NOT


class Education(StrEnum):
    none = "none"
    primary = "primary"
    lower_secondary = "lower_secondary"
    upper_secondary = "upper_secondary"
    higher = "higher"
    prefer_not_to_say = PREFER_NOT


class YesNo(StrEnum):
    yes = "yes"
    no = "no"
    prefer_not_to_say = PREFER_NOT
