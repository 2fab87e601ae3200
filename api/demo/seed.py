"""Seed an empty database with a demo organisation that looks like the real thing.

Deterministic: every choice comes from one seeded random generator, and dates are taken
relative to `now`, so two seeds on the same day give the same organisation. Fast: rows
are built in memory and written with one bulk INSERT per table, in one transaction that
takes a single sync-space version.
"""

from __future__ import annotations

import hashlib
import random
import time
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import phonenumbers
from sqlalchemy import insert, inspect, text
from sqlmodel import Session, SQLModel, col, select

from api.db import begin_write
from api.demo import data
from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead, LeadMarker
from api.leads.rules import (
    BRUSSELS,
    brussels_today,
    first_followup_due,
    first_followup_id,
    status_interaction_id,
)
from api.leads.schemas import PATCHABLE_FIELDS
from api.partners.models import Partner
from api.referrals.models import Referral
from api.sessions.models import OutreachSession, Tally
from api.users.models import Device, Organisation, Team, TeamMember, User
from api.users.security import hash_password
from api.venues.models import Venue
from api.vocab import OPEN_STATUSES, can_transition
from sync.hlc import Stamp
from sync.space import bump_version

DEFAULT_LEADS = 2000
DEFAULT_SEED = 20_250_301
HISTORY_DAYS = 548  # about 18 months
# Serialises two instances started together with --demo (PostgreSQL); SQLite's
# BEGIN IMMEDIATE already does.
_SEED_LOCK_ID = 7_341_002_002

T = TypeVar("T")

# Next step of the funnel from each open stage: (outcome, weight); "stay" = still there.
_FUNNEL: dict[str, tuple[tuple[str, int], ...]] = {
    "new": (
        ("stay", 4),
        ("contacted", 80),
        ("unreachable", 7),
        ("withdrawn", 2),
        ("not_eligible", 2),
        ("referred", 4),
    ),
    "contacted": (
        ("stay", 20),
        ("qualified", 50),
        ("referred", 9),
        ("not_eligible", 9),
        ("unreachable", 6),
        ("withdrawn", 6),
    ),
    "qualified": (
        ("stay", 20),
        ("applied", 58),
        ("referred", 5),
        ("not_eligible", 9),
        ("withdrawn", 8),
    ),
    "applied": (("stay", 25), ("financed", 45), ("coached", 25), ("not_eligible", 5)),
}
# How long a lead stays in a stage before the next step (days, min and max).
_STAGE_DAYS = {"new": (0.5, 6), "contacted": (4, 30), "qualified": (7, 40), "applied": (14, 60)}
_CHANNELS = (
    ("coffee_stand", 22),
    ("shop_visit", 16),
    ("community_meeting", 14),
    ("info_session", 10),
    ("partner_referral", 10),
    ("self_intake", 14),
    ("phone", 5),
    ("walk_in", 4),
    ("event", 3),
    ("other", 2),
)
_SESSION_CHANNELS = ("coffee_stand", "shop_visit", "community_meeting", "info_session")
_CAMPAIGNS = ("flyer-2025-printemps", "gobelet-cafe", "affiche-partenaire", "qr-marche", "facebook")
_DEVICES = ("Samsung Galaxy A15", "iPhone SE", "Xiaomi Redmi 13C", "Motorola g24", "Firefox")


@dataclass(frozen=True)
class DemoSummary:
    organisation_id: uuid.UUID
    counts: dict[str, int]
    seconds: float


def stamp(at: datetime) -> str:
    """The HLC stamp a server write at `at` would have carried."""
    return str(Stamp(int(at.timestamp() * 1000), 0, "server"))


def _ascii(value: str) -> str:
    plain = (
        unicodedata.normalize("NFKD", value.replace("\u0131", "i"))
        .encode("ascii", "ignore")
        .decode()
    )
    return "".join(c for c in plain.lower() if c.isalnum())


@dataclass
class _Staff:
    id: uuid.UUID
    spec: data.StaffSpec


@dataclass
class _TeamCtx:
    id: uuid.UUID
    spec: data.TeamSpec
    agents: list[uuid.UUID] = field(default_factory=list)
    coordinators: list[uuid.UUID] = field(default_factory=list)
    partners: list[uuid.UUID] = field(default_factory=list)
    venues: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    """Builds every demo row as plain dicts, table by table."""

    def __init__(self, *, seed: int, now: datetime, password_hash: str) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.today = brussels_today(now)
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.password_hash = password_hash
        self.rows: dict[type[SQLModel], list[dict[str, Any]]] = {}
        self.teams: dict[str, _TeamCtx] = {}
        self.staff: dict[str, _Staff] = {}
        self.all_partners: list[tuple[uuid.UUID, data.PartnerSpec]] = []
        self.phones: set[str] = set()
        self.communities = {c.name: c for c in data.COMMUNITIES}
        self.open_followups: dict[uuid.UUID, list[dict[str, Any]]] = {}
        self.people: dict[str, list[tuple[dict[str, Any], str, str]]] = {}

    # --- small helpers -------------------------------------------------------------
    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def weighted(self, pairs: Sequence[tuple[T, int]]) -> T:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def add(self, model: type[SQLModel], row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(model, []).append(row)
        return row

    def recent_day(self) -> date:
        """A day in the history, more often recent (the programme grew)."""
        ago = int(HISTORY_DAYS * (1 - self.rng.random() ** 0.5))
        return (self.now - timedelta(days=ago)).astimezone(BRUSSELS).date()

    def local(self, day: date, hour: int, minute: int) -> datetime:
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)
        return min(at, self.now - timedelta(minutes=self.rng.randint(5, 600)))

    def phone(self) -> str:
        while True:
            number = f"+32{self.pick(data.MOBILE_PREFIXES)}{self.rng.randrange(10**6):06d}"
            if number not in self.phones and phonenumbers.is_valid_number(
                phonenumbers.parse(number)
            ):
                self.phones.add(number)
                return number

    # --- organisation, people, partners, places ------------------------------------
    def organisation(self) -> uuid.UUID:
        org_id = self.uid()
        created = self.start - timedelta(days=60)
        self.add(
            Organisation, {"id": org_id, "name": data.DEMO_ORGANISATION, "created_at": created}
        )
        for spec in data.TEAMS:
            ctx = _TeamCtx(id=self.uid(), spec=spec)
            self.teams[spec.name] = ctx
            self.add(
                Team,
                {
                    "id": ctx.id,
                    "organisation_id": org_id,
                    "name": spec.name,
                    "city": spec.city,
                    "created_at": created,
                },
            )
        for staff in data.STAFF:
            self.user(org_id, staff, created)
        for spec_p in data.PARTNERS:
            partner_id = self.uid()
            self.all_partners.append((partner_id, spec_p))
            self.add(
                Partner,
                {
                    "id": partner_id,
                    "organisation_id": org_id,
                    "name": spec_p.name,
                    "kind": spec_p.kind,
                    "city": spec_p.city,
                    "email": None,
                    "phone": None,
                    "is_active": True,
                    "created_at": created,
                    "updated_at": created,
                },
            )
            for ctx in self.teams.values():
                if data.TEAM_PARTNER_CITY[ctx.spec.name] == spec_p.city:
                    ctx.partners.append(partner_id)
        return org_id

    def user(self, org_id: uuid.UUID, spec: data.StaffSpec, created: datetime) -> None:
        user_id = self.uid()
        self.staff[spec.email] = _Staff(user_id, spec)
        self.add(
            User,
            {
                "id": user_id,
                "organisation_id": org_id,
                "email": spec.email,
                "name": spec.name,
                "role": spec.role,
                "password_hash": self.password_hash,
                "language": spec.language,
                "is_active": True,
                "access_epoch": 0,
                "created_at": created,
                "updated_at": created,
            },
        )
        for team_name in spec.teams:
            ctx = self.teams[team_name]
            self.add(TeamMember, {"team_id": ctx.id, "user_id": user_id})
            if spec.role == "agent":
                ctx.agents.append(user_id)
            elif spec.role == "coordinator":
                ctx.coordinators.append(user_id)
        if spec.role == "agent":
            # A phone the agent logged in on earlier (its token is unknown: demo only).
            used = self.now - timedelta(hours=self.rng.randint(1, 72))
            self.add(
                Device,
                {
                    "id": self.uid(),
                    "user_id": user_id,
                    "name": self.pick(_DEVICES),
                    "token_hash": hashlib.sha256(self.uid().bytes).hexdigest(),
                    "created_at": used - timedelta(days=self.rng.randint(10, 200)),
                    "last_used_at": used,
                    "expires_at": used + timedelta(days=30),
                    "revoked_at": None,
                    "wipe_requested": False,
                },
            )

    def venues(self) -> None:
        for ctx in self.teams.values():
            for name, kind in data.VENUES[ctx.spec.name]:
                place = self.weighted([(p, p.weight) for p in ctx.spec.places])
                created = self.local(self.recent_day(), 10, 0)
                row = self.add(
                    Venue,
                    {
                        "id": self.uid(),
                        "team_id": ctx.id,
                        "name": name,
                        "kind": kind,
                        "commune": place.commune,
                        "neighbourhood": self.pick(place.neighbourhoods),
                        "address": None,
                        "last_visit_at": None,
                        "next_visit_on": self.today + timedelta(days=self.rng.randint(0, 21)),
                        "notes": None,
                        "created_by": self.pick(ctx.agents),
                        "created_at": created,
                        "updated_at": created,
                        "version": 0,
                        "field_hlc": {},
                        "deleted_at": None,
                    },
                )
                ctx.venues.append(row)

    def sessions(self) -> None:
        for ctx in self.teams.values():
            for _ in range(int(270 * ctx.spec.share)):
                self.session(ctx)
        for ctx in self.teams.values():
            for venue in ctx.venues:
                visits = [s["started_at"] for s in ctx.sessions if s["venue_id"] == venue["id"]]
                venue["last_visit_at"] = max(visits, default=None)
                if venue["last_visit_at"] is not None:
                    venue["created_at"] = min(venue["created_at"], min(visits))
                venue["updated_at"] = venue["last_visit_at"] or venue["created_at"]
                venue["field_hlc"] = {
                    k: stamp(venue["updated_at"])
                    for k in ("name", "kind", "commune", "neighbourhood", "next_visit_on")
                }

    def session(self, ctx: _TeamCtx) -> None:
        channel = self.weighted(
            [
                ("coffee_stand", 40),
                ("shop_visit", 30),
                ("community_meeting", 20),
                ("info_session", 10),
            ]
        )
        place = self.weighted([(p, p.weight) for p in ctx.spec.places])
        venue_kinds = {
            "shop_visit": ("shop", "hairdresser", "cafe", "workshop"),
            "community_meeting": ("community_hall", "market", "school_gate"),
        }.get(channel, ())
        venues = [v for v in ctx.venues if v["kind"] in venue_kinds]
        venue = self.pick(venues) if venues else None
        partner = self.pick(ctx.partners) if channel == "info_session" else None
        started = self.local(self.recent_day(), self.rng.randint(8, 16), self.pick((0, 15, 30)))
        ended = min(started + timedelta(minutes=self.rng.randint(60, 210)), self.now)
        agent = self.pick(ctx.agents)
        title = {
            "coffee_stand": "Stand café",
            "shop_visit": "Tournée des commerces",
            "community_meeting": "Rencontre communautaire",
            "info_session": "Séance d'information",
        }[channel]
        neighbourhood = venue["neighbourhood"] if venue else self.pick(place.neighbourhoods)
        row = self.add(
            OutreachSession,
            {
                "id": self.uid(),
                "team_id": ctx.id,
                "channel": channel,
                "title": f"{title}, {neighbourhood}",
                "commune": venue["commune"] if venue else place.commune,
                "neighbourhood": neighbourhood,
                "venue_id": venue["id"] if venue else None,
                "partner_id": partner,
                "agent_id": agent,
                "started_at": started,
                "ended_at": ended,
                "notes": None,
                "created_by": agent,
                "created_at": started,
                "updated_at": ended,
                "version": 0,
                "field_hlc": {
                    k: stamp(started)
                    for k in ("channel", "title", "commune", "neighbourhood", "venue_id")
                }
                | {"ended_at": stamp(ended)},
                "deleted_at": None,
            },
        )
        ctx.sessions.append(row)
        counts = {
            "coffees": self.rng.randint(20, 90) if channel == "coffee_stand" else 0,
            "conversations": self.rng.randint(3, 25),
            "flyers": self.rng.randint(5, 80),
        }
        for kind, total in counts.items():
            parts = self.rng.randint(1, 3) if total >= 3 else 1
            for i in range(parts):
                delta = total // parts + (total % parts if i == 0 else 0)
                if delta <= 0:
                    continue
                at = started + (ended - started) * (i + 1) / (parts + 1)
                self.add(
                    Tally,
                    {
                        "id": self.uid(),
                        "session_id": row["id"],
                        "kind": kind,
                        "delta": delta,
                        "occurred_at": at,
                        "created_by": agent,
                        "created_at": at,
                        "version": 0,
                    },
                )

    # --- leads ---------------------------------------------------------------------
    def leads(self, count: int) -> None:
        for _ in range(count):
            ctx = self.weighted([(t, int(t.spec.share * 100)) for t in self.teams.values()])
            self.lead(ctx)
        self.followups_due_today(self.staff["agent@demo.terrain"].id)

    def person(self, ctx: _TeamCtx) -> dict[str, Any]:
        weights = data.COMMUNITY_WEIGHTS[ctx.spec.name]
        community = self.communities[self.weighted(list(weights.items()))]
        woman = self.rng.random() < 0.47
        first = self.pick(community.women if woman else community.men)
        last = self.pick(community.surnames) if self.rng.random() < 0.9 else None
        langs = list(community.languages)
        if ctx.spec.name == "Antwerp" and "nl" not in langs:
            langs = [lang if lang != "fr" else "nl" for lang in langs]
        elif ctx.spec.name != "Antwerp" and langs == ["nl"]:
            langs = ["nl", "fr"]
        language = self.weighted(list(zip(langs, (60, 30, 10), strict=False)))
        phone = self.phone() if self.rng.random() < 0.93 else None
        email = None
        if phone is None or self.rng.random() < 0.3:
            domain = self.pick(("example.com", "example.org", "example.net"))
            email = f"{_ascii(first)}.{_ascii(last or 'b')}{self.rng.randint(1, 99)}@{domain}"
        return {
            "community": community.name,
            "woman": woman,
            "first_name": first,
            "last_name": last,
            "language": language,
            "phone": phone,
            "email": email,
        }

    def lead(self, ctx: _TeamCtx) -> None:
        channel = self.weighted(_CHANNELS)
        lead_id = self.uid()
        place = self.weighted([(p, p.weight) for p in ctx.spec.places])
        commune, postcode = place.commune, place.postcode
        earlier = self.people.setdefault(ctx.spec.name, [])
        if earlier and self.rng.random() < 0.012:
            # The same person met twice: a possible duplicate for the coordinators' queue.
            person, commune, postcode = self.pick(earlier)
        else:
            person = self.person(ctx)
            earlier.append((person, commune, postcode))
        session = venue_id = partner_id = agent = campaign = None
        if channel in _SESSION_CHANNELS:
            candidates = [s for s in ctx.sessions if s["channel"] == channel] or ctx.sessions
            session = self.pick(candidates)
            created = min(
                session["started_at"] + timedelta(minutes=self.rng.randint(5, 120)), self.now
            )
            agent, venue_id, partner_id = (
                session["agent_id"],
                session["venue_id"],
                session["partner_id"],
            )
            if self.rng.random() < 0.7:
                match = [p for p in ctx.spec.places if p.commune == session["commune"]]
                if match:
                    commune, postcode = match[0].commune, match[0].postcode
        else:
            created = self.local(
                self.recent_day(), self.rng.randint(8, 20), self.rng.randint(0, 59)
            )
            if channel == "partner_referral":
                partner_id = self.pick(ctx.partners)
            elif channel == "self_intake":
                campaign = self.pick(_CAMPAIGNS)
            else:
                agent = self.pick(ctx.agents)
        creator = agent
        if channel == "partner_referral":
            creator = self.pick(ctx.coordinators)
        assigned = agent if agent and self.rng.random() < 0.9 else self.pick(ctx.agents)
        transitions = self.funnel(created)
        queued = channel in ("self_intake", "partner_referral") and not transitions
        if queued and self.rng.random() < 0.6:
            assigned = None  # still waiting in the coordinators' queue
        status = transitions[-1][1] if transitions else "new"
        status_at = transitions[-1][2] if transitions else created
        sector, idea = self.pick(data.SECTORS)
        needs = [
            n
            for n, p in (
                ("credit", 0.7),
                ("coaching", 0.5),
                ("training", 0.2),
                ("information", 0.3),
            )
            if self.rng.random() < p
        ] or ["information"]
        lead = self.add(
            Lead,
            {
                "id": lead_id,
                "team_id": ctx.id,
                "first_name": person["first_name"],
                "last_name": person["last_name"],
                "phone": person["phone"],
                "email": person["email"],
                "language": person["language"],
                "commune": commune,
                "postcode": postcode,
                "project_idea": idea if self.rng.random() < 0.8 else None,
                "sector": sector,
                "project_stage": self.weighted(
                    [("idea", 40), ("starting", 30), ("existing", 20), ("in_difficulty", 10)]
                ),
                "needs": needs,
                "channel": channel,
                "agent_id": agent,
                "session_id": session["id"] if session else None,
                "venue_id": venue_id,
                "partner_id": partner_id,
                "campaign": campaign,
                # Its own generator, so the rest of the demo stays as it was.
                "jobs_planned": (
                    random.Random(lead_id.int).choice((0, 1, 1, 1, 2, 2, 3, 5))
                    if any(step[1] == "financed" for step in transitions)
                    else None
                ),
                "first_touch_at": created,
                "last_touch_at": created,
                "status": status,
                "status_changed_at": status_at,
                "assigned_to": assigned,
                "created_by": creator,
                "created_at": created,
                "updated_at": status_at,
                "version": 0,
                "field_hlc": {f: stamp(created) for f in PATCHABLE_FIELDS}
                | {"assigned_to": stamp(created), "status": stamp(status_at)},
                "deleted_at": None,
            },
        )
        consent_id = self.consent(lead, person, channel, creator, transitions)
        if consent_id is not None:
            self.markers(lead, person, consent_id)
        self.history(lead, ctx, transitions, author=assigned or self.pick(ctx.agents))
        if channel == "partner_referral" and partner_id is not None:
            self.referral(lead, partner_id, "in", created, creator, "accepted")

    def funnel(self, created: datetime) -> list[tuple[str, str, datetime]]:
        """The status changes of one lead: (from, to, when), following the funnel."""
        steps: list[tuple[str, str, datetime]] = []
        status, at = "new", created
        while status in OPEN_STATUSES:
            choices = list(_FUNNEL[status])
            if status == "new" and (self.now - created).days < 21:
                # Recent leads are still waiting in the intake queue.
                choices = [("stay", 40), *choices[1:]]
            outcome = self.weighted(choices)
            if outcome == "stay":
                break
            low, high = _STAGE_DAYS[status]
            when = at + timedelta(days=self.rng.uniform(low, high))
            if when >= self.now:
                break
            assert can_transition(status, outcome)
            steps.append((status, outcome, when))
            status, at = outcome, when
        return steps

    def consent(
        self,
        lead: dict[str, Any],
        person: dict[str, Any],
        channel: str,
        creator: uuid.UUID | None,
        transitions: list[tuple[str, str, datetime]],
    ) -> uuid.UUID | None:
        """The consent record; returns its id when it covers target-group markers."""
        purposes = ["contact"]
        if self.rng.random() < 0.6:
            purposes.append("markers")
            if self.rng.random() < 0.4:
                purposes.append("sensitive_markers")
        if self.rng.random() < 0.2:
            purposes.append("newsletter")
        withdrawn = None
        if transitions and transitions[-1][1] == "withdrawn" and self.rng.random() < 0.4:
            withdrawn = transitions[-1][2]
        consent_id = self.uid()
        self.add(
            Consent,
            {
                "id": consent_id,
                "lead_id": lead["id"],
                "purposes": purposes,
                "text_version": data.TEXT_VERSION,
                "text_sha256": hashlib.sha256(data.CONSENT_TEXT.encode()).hexdigest(),
                "language": lead["language"],
                "given_at": lead["created_at"],
                "channel": "self" if channel == "self_intake" else "agent",
                "agent_id": creator if channel != "self_intake" else None,
                "withdrawn_at": withdrawn,
            },
        )
        # Withdrawal erases the markers: none are stored for a withdrawn consent.
        return consent_id if "markers" in purposes and withdrawn is None else None

    def markers(self, lead: dict[str, Any], person: dict[str, Any], consent_id: uuid.UUID) -> None:
        consents = self.rows[Consent][-1]
        sensitive = "sensitive_markers" in consents["purposes"]

        def maybe(value: str) -> str | None:
            roll = self.rng.random()
            return None if roll < 0.12 else "prefer_not_to_say" if roll < 0.18 else value

        born_here = person["community"] in ("belgian_fr", "belgian_nl")
        self.add(
            LeadMarker,
            {
                "lead_id": lead["id"],
                "consent_id": consent_id,
                "sensitive_consent_id": consent_id if sensitive else None,
                "gender": maybe("woman" if person["woman"] else "man"),
                "age_band": maybe(
                    self.weighted(
                        [
                            ("under_25", 14),
                            ("25_29", 18),
                            ("30_39", 30),
                            ("40_49", 22),
                            ("50_59", 12),
                            ("60_plus", 4),
                        ]
                    )
                ),
                "single_parent": maybe(self.weighted([("yes", 22), ("no", 78)])),
                "education_level": maybe(
                    self.pick(("none", "primary", "lower_secondary", "upper_secondary", "higher"))
                ),
                "job_seeker": maybe(self.weighted([("yes", 55), ("no", 45)])),
                "welfare_income": maybe(self.weighted([("yes", 25), ("no", 75)])),
                "no_stable_income": maybe(self.weighted([("yes", 31), ("no", 69)])),
                "migrant_background": (
                    maybe("no" if born_here else self.weighted([("yes", 9), ("no", 1)]))
                    if sensitive
                    else None
                ),
                "updated_at": lead["created_at"],
            },
        )

    def interaction(
        self,
        lead: dict[str, Any],
        kind: str,
        at: datetime,
        author: uuid.UUID | None,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
    ) -> None:
        at = min(max(at, lead["created_at"]), self.now)
        notes = data.INTERACTION_NOTES.get(kind)
        self.add(
            Interaction,
            {
                "id": (
                    status_interaction_id(lead["id"], stamp(at))
                    if kind == "status_change"
                    else self.uid()
                ),
                "lead_id": lead["id"],
                "kind": kind,
                "occurred_at": at,
                "body": self.pick(notes) if notes else None,
                "channel": lead["channel"] if kind == "conversation" else None,
                "from_status": from_status,
                "to_status": to_status,
                "author_id": author,
                "created_at": at,
                "voided_at": None,
                "voided_by": None,
                "void_reason": None,
                "version": 0,
            },
        )
        lead["last_touch_at"] = max(lead["last_touch_at"], at)

    def history(
        self,
        lead: dict[str, Any],
        ctx: _TeamCtx,
        transitions: list[tuple[str, str, datetime]],
        *,
        author: uuid.UUID,
    ) -> None:
        """Interactions, follow-ups and referrals that tell how the lead got to its status."""
        created = lead["created_at"]
        if lead["agent_id"] is not None:
            self.interaction(lead, "conversation", created, lead["agent_id"])
        coordinator = self.pick(ctx.coordinators)
        for old, new, at in transitions:
            who = (
                coordinator if new in ("applied", "financed", "coached", "not_eligible") else author
            )
            if new == "contacted":
                for k in range(self.rng.choice((0, 0, 1, 2))):
                    self.interaction(lead, "call_failed", at - timedelta(hours=6 * (k + 1)), author)
                self.interaction(lead, "call", at - timedelta(minutes=1), author)
            elif new == "unreachable":
                for k in range(3):
                    self.interaction(lead, "call_failed", at - timedelta(days=k + 1), author)
            elif new == "qualified":
                self.interaction(lead, "appointment", at - timedelta(minutes=1), author)
            elif new == "referred":
                self.interaction(lead, "referral", at - timedelta(minutes=1), author)
                partners = [p for p, s in self.all_partners if s.kind != "ngo"] or [
                    p for p, _ in self.all_partners
                ]
                status = self.pick(("sent", "accepted", "in_progress", "completed", "declined"))
                self.referral(lead, self.pick(partners), "out", at, author, status)
            elif self.rng.random() < 0.3:
                self.interaction(lead, "note", at - timedelta(minutes=1), who)
            self.interaction(lead, "status_change", at, who, from_status=old, to_status=new)
        self.followups(lead, transitions)

    def followups(
        self,
        lead: dict[str, Any],
        transitions: list[tuple[str, str, datetime]],
    ) -> None:
        created = lead["created_at"]
        first_done = transitions[0][2] if transitions else None
        self.followup(
            lead,
            first_followup_id(lead["id"]),
            first_followup_due(created),
            "call",
            "Appeler dans les 48 h",
            lead["assigned_to"],
            created,
            first_done,
        )
        if lead["status"] in ("contacted", "qualified", "applied") and lead["assigned_to"]:
            due = self.today + timedelta(days=self.rng.randint(-4, 14))
            kind = {"contacted": "call", "qualified": "visit", "applied": "call"}[lead["status"]]
            row = self.followup(
                lead,
                self.uid(),
                due,
                kind,
                None,
                lead["assigned_to"],
                lead["status_changed_at"],
                None,
            )
            self.open_followups.setdefault(lead["assigned_to"], []).append(row)

    def followup(
        self,
        lead: dict[str, Any],
        followup_id: uuid.UUID,
        due: date,
        kind: str,
        note: str | None,
        assigned: uuid.UUID | None,
        created: datetime,
        done: datetime | None,
    ) -> dict[str, Any]:
        changed = done or created
        hlc = {k: stamp(created) for k in ("due_on", "kind", "note", "assigned_to")}
        if done is not None:
            hlc["done_at"] = stamp(done)
        return self.add(
            Followup,
            {
                "id": followup_id,
                "lead_id": lead["id"],
                "due_on": due,
                "kind": kind,
                "note": note,
                "assigned_to": assigned,
                "done_at": done,
                "created_by": lead["created_by"],
                "created_at": created,
                "updated_at": changed,
                "version": 0,
                "field_hlc": hlc,
                "deleted_at": None,
            },
        )

    def followups_due_today(self, agent_id: uuid.UUID) -> None:
        """The demo agent's "today" screen always has a few calls to make."""
        for row in self.open_followups.get(agent_id, [])[:4]:
            row["due_on"] = self.today

    def referral(
        self,
        lead: dict[str, Any],
        partner_id: uuid.UUID,
        direction: str,
        at: datetime,
        by: uuid.UUID | None,
        status: str,
    ) -> None:
        self.add(
            Referral,
            {
                "id": self.uid(),
                "lead_id": lead["id"],
                "partner_id": partner_id,
                "direction": direction,
                "status": status,
                "note": None,
                "created_by": by,
                "created_at": at,
                "updated_at": at,
            },
        )


# Insert order respects foreign keys.
_ORDER: tuple[type[SQLModel], ...] = (
    Organisation,
    Team,
    User,
    TeamMember,
    Device,
    Partner,
    Venue,
    OutreachSession,
    Tally,
    Lead,
    Consent,
    LeadMarker,
    Interaction,
    Followup,
    Referral,
)
_SYNCABLE: tuple[type[SQLModel], ...] = (Venue, OutreachSession, Tally, Lead, Interaction, Followup)


def has_users(session: Session) -> bool:
    return session.execute(select(col(User.id)).limit(1)).first() is not None


def seed_demo(
    session: Session,
    *,
    leads: int = DEFAULT_LEADS,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> DemoSummary | None:
    """Fill an empty database with the demo organisation; None if it already has users."""
    started = time.perf_counter()
    begin_write(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SEED_LOCK_ID})
    if has_users(session):
        session.rollback()
        return None
    builder = _Builder(
        seed=seed,
        now=now or datetime.now(UTC),
        password_hash=hash_password(data.DEMO_PASSWORD),  # hashed once for everyone
    )
    org_id = builder.organisation()
    builder.venues()
    builder.sessions()
    builder.leads(leads)
    version = bump_version(session.connection())
    for model in _SYNCABLE:
        for row in builder.rows.get(model, []):
            row["version"] = version
    for model in _ORDER:
        rows = builder.rows.get(model, [])
        if rows:
            # Core insert: many times faster than the ORM's bulk path on PostgreSQL.
            session.connection().execute(insert(inspect(model).local_table), rows)
    session.commit()
    counts = {model.__name__: len(builder.rows.get(model, [])) for model in _ORDER}
    return DemoSummary(org_id, counts, time.perf_counter() - started)
