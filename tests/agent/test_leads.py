"""The agent's leads and Today (issue 9): my leads by default and the team's on request,
search, filter by status, sorted by next follow-up; Today lists the follow-ups due with the
overdue ones marked; a lead whose phone number is already on the phone is shown before
saving, and saved only when the agent says it is someone else; an edit that lost to
someone else's is shown with both values."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from api.leads.models import LeadMarker
from api.users.models import TeamMember
from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live, Person

pytestmark = pytest.mark.browser


def _teammate(live: Live, person: Person) -> Person:
    other = agent(live, name="Jonas Peeters")
    with Session(live.engine) as session:
        team_id = session.exec(
            select(TeamMember.team_id).where(TeamMember.user_id == uuid.UUID(person.id))
        ).one()
        # Only in the agent's team (their leads are the team's leads).
        membership = session.exec(
            select(TeamMember).where(TeamMember.user_id == uuid.UUID(other.id))
        ).one()
        session.delete(membership)
        session.flush()
        session.add(TeamMember(team_id=team_id, user_id=uuid.UUID(other.id)))
        session.commit()
    return other


def _followup(live: Live, person: Person, lead_id: str, due: date) -> None:
    response = live.http.post(
        f"/api/leads/{lead_id}/followups",
        json={"due_on": due.isoformat(), "kind": "call"},
        headers=person.headers(),
    )
    assert response.status_code == 201, response.text


def test_my_leads_the_teams_search_filter_sort_and_today(live: Live, phone: Phone) -> None:
    person = agent(live)
    other = _teammate(live, person)
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()  # the app's day
    alpha = live.create_lead(person, "Canaryalpha", phone="+32470000101")
    beta = live.create_lead(person, "Canarybeta", phone="+32470000102", commune="Ixelles")
    live.create_lead(person, "Canaryaaron", phone="+32470000103")  # no follow-up: last
    live.create_lead(other, "Canarygamma", phone="+32470000104")
    _followup(live, person, alpha["id"], today)
    _followup(live, person, beta["id"], today - timedelta(days=2))
    status = live.http.post(
        f"/api/leads/{beta['id']}/status", json={"status": "contacted"}, headers=person.headers()
    )
    assert status.status_code == 200, status.text

    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()

    # Today: both follow-ups, the late one first and marked.
    expect(page.get_by_role("heading", name="2 suivis à faire")).to_be_visible()
    rows = page.locator(".today li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Canarybeta")
    expect(rows.first).to_contain_text("En retard")
    expect(rows.last).to_contain_text("Canaryalpha")
    expect(rows.last).not_to_contain_text("En retard")

    titles = page.locator(".lead-rows .row-title")
    # Leads: mine only, sorted by next follow-up (the overdue one first, none last).
    phone.go("#/leads")
    expect(page.locator(".result-count")).to_have_text("3 contacts")
    expect(titles).to_have_text(["Canarybeta", "Canaryalpha", "Canaryaaron"])
    expect(page.locator(".lead-rows .row-due.overdue")).to_have_count(1)

    # The team's on request.
    page.locator(".chip", has_text="Mon équipe").click()
    expect(page.locator(".result-count")).to_have_text("4 contacts")
    expect(titles.filter(has_text="Canarygamma")).to_have_count(1)

    # Search by name, then by a part of the phone number; then filter by status.
    search = page.get_by_label("Rechercher par nom, téléphone ou e-mail")
    search.fill("gamma")
    expect(page.locator(".result-count")).to_have_text("1 contact")
    expect(titles).to_have_text(["Canarygamma"])
    search.fill("0000102")
    expect(page.locator(".result-count")).to_have_text("1 contact")
    expect(titles).to_have_text(["Canarybeta"])
    search.fill("")
    page.get_by_label("Statut").select_option(label="Contacté")
    expect(page.locator(".result-count")).to_have_text("1 contact")
    expect(titles).to_have_text(["Canarybeta"])
    page.get_by_label("Statut").select_option(label="Tous les statuts")
    page.get_by_label("Trier par").select_option(label="Nom")
    expect(page.locator(".result-count")).to_have_text("4 contacts")
    expect(titles).to_have_text(["Canaryaaron", "Canaryalpha", "Canarybeta", "Canarygamma"])

    # A new lead with a number already on the phone: shown before anything is saved.
    phone.go("#/leads/new")
    page.get_by_label("Prénom").fill("Canarydelta")
    page.get_by_label("Téléphone").fill("0470 00 01 01")
    page.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    warning = page.locator(".duplicates")
    expect(warning).to_contain_text("Canaryalpha")
    expect(page.locator(".lead-head")).to_have_count(0)
    warning.get_by_role("button", name="C'est quelqu'un d'autre : enregistrer quand même").click()
    expect(page.locator(".lead-head h1")).to_have_text("Canarydelta")
    # Saved once, by the second press only.
    phone.go("#/leads")
    page.get_by_label("Rechercher par nom, téléphone ou e-mail").fill("0000101")
    expect(titles).to_have_text(["Canaryalpha", "Canarydelta"])
    assert phone.errors == []


def same_time_commune_edits(
    live: Live, phone: Phone, name: str, *, office_first: bool
) -> tuple[str, Person]:
    """A lead in Forest; offline, the agent moves it to Uccle and the office to Auderghem
    (before or after the agent); back online the phone syncs. The lead's id and its agent."""
    person = agent(live)
    lead = live.create_lead(person, name, commune="Forest")
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()

    def office_edit() -> None:
        response = live.http.patch(
            f"/api/leads/{lead['id']}", json={"commune": "Auderghem"}, headers=person.headers()
        )
        assert response.status_code == 200, response.text

    phone.offline()
    if office_first:
        office_edit()
    phone.go(f"#/leads/{lead['id']}")
    page.get_by_role("link", name="Modifier les informations").click()
    page.get_by_label("Commune").fill("Uccle")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.locator(".lead-head")).to_be_visible()
    if not office_first:
        office_edit()
    phone.offline(False)
    phone.go("#/outbox")
    phone.sync_now()
    return str(lead["id"]), person


def test_an_edit_that_lost_shows_both_values(live: Live, phone: Phone) -> None:
    lead_id, person = same_time_commune_edits(live, phone, "Canaryepsilon", office_first=False)
    page = phone.p
    phone.go("#/today")
    attention = page.locator(".today section", has_text="À regarder")
    expect(attention).to_contain_text("1 modification faite en même temps que quelqu'un d'autre")
    phone.go(f"#/leads/{lead_id}")
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Commune")
    expect(conflict.locator(".conflict-values")).to_contain_text("Uccle")
    expect(conflict.locator(".conflict-values")).to_contain_text("Auderghem")
    assert live.get(f"/api/leads/{lead_id}", person)["commune"] == "Auderghem"
    assert phone.errors == []


def test_an_edit_that_won_shows_its_value_once(live: Live, phone: Phone) -> None:
    """The office changed the commune first, the agent later while offline: the agent's
    later change is kept. The phone says so, with the agent's value once (the office's
    value never reaches the phone; it was shown as "value now", the agent's own twice)."""
    lead_id, person = same_time_commune_edits(live, phone, "Canaryzeta", office_first=True)
    page = phone.p
    phone.go(f"#/leads/{lead_id}")
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Commune")
    expect(conflict).to_contain_text("La vôtre a été gardée")
    values = conflict.locator(".conflict-values")
    expect(values).to_contain_text("Votre valeur")
    expect(values).to_contain_text("Uccle")
    expect(values).not_to_contain_text("Valeur actuelle")
    assert live.get(f"/api/leads/{lead_id}", person)["commune"] == "Uccle"
    assert phone.errors == []


def test_markers_only_behind_their_own_consent(live: Live, phone: Phone) -> None:
    """The full lead form: the target-group questions stay hidden until the person agrees to
    them, and migrant background until a second, explicit agreement (GDPR Art. 9)."""
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.go("#/leads/new")
    page.get_by_label("Prénom").fill("Canarymarkers")
    page.get_by_label("Téléphone").fill("0470 66 55 41")
    page.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    gender = page.get_by_label("Genre", exact=True)
    migrant = page.get_by_label("Origine migratoire", exact=True)
    expect(gender).to_be_hidden()
    expect(migrant).to_be_hidden()
    page.get_by_label(re.compile("La personne accepte de répondre à des questions")).check()
    expect(gender).to_be_visible()
    expect(migrant).to_be_hidden()
    gender.select_option(label="Femme")
    page.get_by_label(re.compile("accepte aussi explicitement de dire")).check()
    expect(migrant).to_be_visible()
    migrant.select_option(label="Préfère ne pas répondre")
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".lead-head h1")).to_have_text("Canarymarkers")
    phone.go("#/outbox")
    phone.sync_now()

    (lead,) = live.get("/api/leads?q=Canarymarkers", person)["items"]
    detail = live.get(f"/api/leads/{lead['id']}", person)
    assert set(detail["consent"]["purposes"]) == {"contact", "markers", "sensitive_markers"}
    with Session(live.engine) as session:
        markers = session.get(LeadMarker, uuid.UUID(lead["id"]))
        assert markers is not None
        assert markers.gender == "woman" and markers.age_band is None
        assert markers.migrant_background == "prefer_not_to_say"
        assert markers.sensitive_consent_id is not None
    assert phone.errors == []


def test_change_the_status_and_schedule_a_follow_up_offline(live: Live, phone: Phone) -> None:
    person = agent(live)
    lead = live.create_lead(person, "Canaryzeta")
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()
    phone.offline()
    phone.go(f"#/leads/{lead['id']}")
    expect(page.locator(".lead-head h1")).to_have_text("Canaryzeta")

    page.get_by_label("Nouveau statut").select_option(label="Contacté")
    page.get_by_label("Commentaire (facultatif)").fill("Joint au téléphone")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.locator(".lead-head")).to_contain_text("Contacté")

    page.locator("summary", has_text="Planifier un suivi").click()
    page.locator(".chip", has_text="Dans une semaine").click()
    page.get_by_role("button", name="Planifier", exact=True).click()
    week = (datetime.now(ZoneInfo("Europe/Brussels")).date() + timedelta(days=7)).isoformat()
    expect(page.locator(f".followup time[datetime='{week}']")).to_be_visible()

    phone.offline(False)
    phone.go("#/outbox")
    phone.sync_now()
    detail = live.get(f"/api/leads/{lead['id']}", person)
    assert detail["status"] == "contacted"
    assert [f["due_on"] for f in detail["followups"]].count(week) == 1
    assert phone.errors == []
