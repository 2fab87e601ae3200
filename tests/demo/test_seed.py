"""The demo organisation: fixed logins, a funnel that follows the rules, valid data,
deterministic, fast, and seeded once even when two starts race."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from api.db import make_engine
from api.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from api.demo.seed import DemoSummary, _Builder
from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead, LeadMarker
from api.leads.rules import brussels_today, first_followup_id
from api.leads.schemas import PATCHABLE_FIELDS
from api.partners.models import Partner
from api.sessions.models import OutreachSession, Tally
from api.users.models import Team, TeamMember, User
from api.users.security import verify_password
from api.venues.models import Venue
from api.vocab import Channel, Language, LeadStatus, can_transition
from sync.hlc import parse
from sync.space import current_version
from tests.scratch import BACKENDS, scratch_database

NOW = datetime(2026, 3, 14, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, DemoSummary]]:
    workdir = tmp_path_factory.mktemp("demo")
    with scratch_database(request.param, workdir) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            summary = seed_demo(session, now=NOW)
        assert summary is not None
        yield engine, summary
        engine.dispose()


def test_seeds_the_full_organisation_in_a_few_seconds(
    seeded: tuple[Engine, DemoSummary],
) -> None:
    engine, summary = seeded
    assert summary.seconds < 15, summary.seconds  # a few seconds; generous for a busy CI
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Lead)).one() == 2000
        teams = set(s.exec(select(Team.name)))
        assert teams == {"Brussels", "Antwerp", "Liège"}
        roles = dict(s.exec(select(User.role, func.count()).group_by(col(User.role))).all())
        assert roles == {"admin": 1, "coordinator": 2, "agent": 10}
        partners = set(s.exec(select(Partner.name)))
        assert {"Actiris", "VDAB", "Forem"} <= partners
        assert any(p.startswith(("CPAS", "OCMW")) for p in partners)
        for model, least in ((OutreachSession, 100), (Tally, 100), (Venue, 10)):
            assert s.exec(select(func.count()).select_from(model)).one() > least


def test_fixed_logins_have_the_documented_password_and_teams(
    seeded: tuple[Engine, DemoSummary],
) -> None:
    engine, _ = seeded
    expected = {
        "admin@demo.terrain": ("admin", set()),
        "coordinator@demo.terrain": ("coordinator", {"Brussels"}),
        "agent@demo.terrain": ("agent", {"Brussels"}),
        "agent2@demo.terrain": ("agent", {"Antwerp"}),
    }
    assert {email for email, _ in DEMO_LOGINS} == set(expected)
    with Session(engine) as s:
        for email, (role, teams) in expected.items():
            user = s.exec(select(User).where(col(User.email) == email)).one()
            assert user.role == role and user.is_active
            assert verify_password(DEMO_PASSWORD, user.password_hash)
            names = set(
                s.exec(
                    select(Team.name)
                    .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
                    .where(col(TeamMember.user_id) == user.id)
                )
            )
            assert names == teams


def test_leads_are_valid_and_spread(seeded: tuple[Engine, DemoSummary]) -> None:
    engine, _ = seeded
    with Session(engine) as s:
        leads = s.exec(select(Lead)).all()
        teams = {t.id: t.name for t in s.exec(select(Team))}
    by_status: dict[str, int] = defaultdict(int)
    communes: set[str] = set()
    for lead in leads:
        by_status[lead.status] += 1
        communes.add(lead.commune or "")
        assert lead.phone or lead.email
        if lead.phone:
            number = phonenumbers.parse(lead.phone)
            assert phonenumbers.is_valid_number(number), lead.phone
            assert lead.phone == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        if lead.email:
            assert lead.email.rsplit("@", 1)[1] in ("example.com", "example.org", "example.net")
        assert lead.postcode and len(lead.postcode) == 4 and lead.postcode.isdigit()
        assert Channel(lead.channel) and Language(lead.language)
        assert (NOW - lead.created_at).days <= 550 and lead.created_at <= NOW
        assert set(PATCHABLE_FIELDS) <= set(lead.field_hlc)
        for stamp in lead.field_hlc.values():
            parse(stamp)
    assert set(by_status) == {s.value for s in LeadStatus}
    # Funnel-shaped: each stage reached by fewer people than the one before.
    reached_contacted = len(leads) - by_status["new"]
    reached_applied = by_status["applied"] + by_status["financed"] + by_status["coached"]
    assert by_status["new"] > 0 and reached_contacted > reached_applied > by_status["financed"]
    assert {"Molenbeek-Saint-Jean", "Anderlecht", "Schaerbeek", "Saint-Josse-ten-Noode"} <= (
        communes
    )
    assert {"Bruxelles-Ville", "Forest", "Borgerhout", "Liège"} <= communes
    per_team = defaultdict(int)
    for lead in leads:
        per_team[teams[lead.team_id]] += 1
    assert per_team["Brussels"] > per_team["Antwerp"] > per_team["Liège"] > 100
    assert len({lead.language for lead in leads}) >= 8


def test_status_history_follows_the_funnel(seeded: tuple[Engine, DemoSummary]) -> None:
    """Replaying each lead's status_change interactions from `new` ends at its status."""
    engine, _ = seeded
    with Session(engine) as s:
        leads = {lead.id: lead for lead in s.exec(select(Lead))}
        changes = s.exec(
            select(Interaction)
            .where(col(Interaction.kind) == "status_change")
            .order_by(col(Interaction.lead_id), col(Interaction.occurred_at))
        )
        history: dict[uuid.UUID, list[Interaction]] = defaultdict(list)
        for change in changes:
            history[change.lead_id].append(change)
    for lead_id, lead in leads.items():
        status = "new"
        for change in history.get(lead_id, []):
            assert change.from_status == status
            assert change.to_status is not None and can_transition(status, change.to_status)
            status = change.to_status
        assert status == lead.status
        if history.get(lead_id):
            assert history[lead_id][-1].occurred_at == lead.status_changed_at


def test_consent_markers_and_followups(seeded: tuple[Engine, DemoSummary]) -> None:
    engine, _ = seeded
    with Session(engine) as s:
        consents = {c.lead_id: c for c in s.exec(select(Consent))}
        markers = s.exec(select(LeadMarker)).all()
        followups = s.exec(select(Followup)).all()
        lead_ids = set(s.exec(select(Lead.id)))
        agent = s.exec(select(User).where(col(User.email) == "agent@demo.terrain")).one()
    assert set(consents) == lead_ids
    assert all("contact" in c.purposes for c in consents.values())
    assert len(markers) > 500
    sensitive = [m for m in markers if m.migrant_background is not None]
    assert sensitive
    for marker in markers:
        consent = consents[marker.lead_id]
        assert marker.consent_id == consent.id and "markers" in consent.purposes
        assert consent.withdrawn_at is None
        if marker.migrant_background is not None:
            assert marker.sensitive_consent_id == consent.id
            assert "sensitive_markers" in consent.purposes
    first_calls = {f.id for f in followups}
    assert all(first_followup_id(lead_id) in first_calls for lead_id in lead_ids)
    today = brussels_today(NOW)
    due_today = [
        f for f in followups if f.assigned_to == agent.id and f.due_on == today and not f.done_at
    ]
    assert len(due_today) >= 3


def test_one_sync_version_for_every_row(seeded: tuple[Engine, DemoSummary]) -> None:
    engine, _ = seeded
    with engine.connect() as conn:
        version = current_version(conn)
        assert version >= 1
        columns = (
            Lead.version,
            Interaction.version,
            Followup.version,
            OutreachSession.version,
            Tally.version,
            Venue.version,
        )
        for column in columns:
            assert set(conn.scalars(select(column))) == {version}, column


def test_is_deterministic() -> None:
    def build() -> list[tuple[object, ...]]:
        builder = _Builder(seed=7, now=NOW, password_hash="x")
        builder.organisation()
        builder.venues()
        builder.sessions()
        builder.leads(300)
        return [tuple(sorted(row.items())) for row in builder.rows[Lead]]

    assert build() == build()


@pytest.mark.parametrize("backend", BACKENDS)
def test_seeds_once_even_when_two_starts_race(tmp_path: Path, backend: str) -> None:
    """Two `serve --demo` starting together: one seeds, the other finds users and skips."""
    with scratch_database(backend, tmp_path) as url:
        engine = make_engine(url)
        results: list[DemoSummary | None] = []
        barrier = threading.Barrier(2)

        def seed() -> None:
            with Session(engine) as session:
                barrier.wait()
                results.append(seed_demo(session, leads=100, now=NOW))

        threads = [threading.Thread(target=seed) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(results) == 2
        assert sum(r is not None for r in results) == 1
        with Session(engine) as s:
            assert s.exec(select(func.count()).select_from(User)).one() == 13
            assert s.exec(select(func.count()).select_from(Lead)).one() == 100
            assert seed_demo(s, leads=100, now=NOW) is None
        engine.dispose()
