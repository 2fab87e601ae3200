"""Send-back and merge in real Chromium (issue 12): a coordinator sends a lead back from the
office lead page; the agent's phone syncs and shows it on Today; the agent fixes the lead
on the phone and answers; the coordinator sees what changed and finds it under "answered"
in the queue. Then the coordinator merges two records of one person on the duplicates
screen. Screenshots of each screen at phone and laptop width go to /tmp/sendback/."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from api.users.models import TeamMember
from api.vocab import Role
from tests.agent.conftest import Phone, agent
from tests.conftest import PASSWORD
from tests.support.axe import violations
from tests.web.conftest import Live, Person

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/sendback")


def _coordinator_of(live: Live, person: Person) -> Person:
    """A coordinator of the agent's team."""
    coordinator = live.new_person(name="Claire Dubois", role=Role.coordinator)
    with Session(live.engine) as session:
        team_id = session.exec(
            select(TeamMember.team_id).where(TeamMember.user_id == uuid.UUID(person.id))
        ).one()
        session.add(TeamMember(team_id=team_id, user_id=uuid.UUID(coordinator.id)))
        session.commit()
    return coordinator


def _office(browser: Browser, live: Live, person: Person, width: int = 1280) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    live.forget_login_failures()
    page.goto(live.base_url)
    page.fill("#login-email", person.email)
    page.fill("#login-password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".lead-list-screen .result-count, .lead-list-screen .empty")
    page.errors = errors  # type: ignore[attr-defined]  # read back by the test
    return page


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_violations(page: Page) -> None:
    found = violations(page)
    assert found == [], found


def test_send_back_reaches_the_phone_and_the_answer_comes_back(
    live: Live, phone: Phone, browser: Browser
) -> None:
    person = agent(live)
    coordinator = _coordinator_of(live, person)
    lead = live.create_lead(person, "Canarysara", last_name="Haddad", commune=None)

    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()

    # The coordinator sends it back from the lead page.
    office = _office(browser, live, coordinator)
    office.goto(f"{live.base_url}/#/office/leads/{lead['id']}")
    panel = office.locator("section.send-back")
    panel.get_by_label("Que doit vérifier ou corriger l'agent ?").fill(
        "Dans quelle commune habite-t-elle ?"
    )
    panel.get_by_role("button", name="Renvoyer").click()
    expect(office.locator(".lead-head .notice")).to_contain_text("Renvoyé à l'agent")
    expect(office.locator("section.send-back")).to_contain_text("En attente de la réponse")
    _shot(office, "office-lead-sent-back-1280")
    _no_violations(office)

    # The phone syncs: Today lists it with the question.
    phone.sync_now()
    today = page.locator("section.sent-back")
    expect(today).to_contain_text("1 contact renvoyé par un coordinateur")
    expect(today).to_contain_text("Dans quelle commune habite-t-elle ?")
    _shot(page, "agent-today-sent-back-390")
    assert phone.axe() == []

    phone.go("#/leads")
    expect(page.locator(".row-link", has_text="Canarysara")).to_contain_text("Renvoyé")
    phone.go("#/today")

    # The agent fixes the lead and answers.
    today = page.locator("section.sent-back")
    today.locator(".row-link", has_text="Canarysara").click()
    question = page.locator("section.sent-back")
    expect(question).to_contain_text("Dans quelle commune habite-t-elle ?")
    _shot(page, "agent-lead-question-390")
    assert phone.axe() == []
    question.get_by_role("link", name="Modifier les informations").click()
    page.get_by_label("Commune", exact=True).fill("Schaerbeek")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.locator(".lead-head h1")).to_contain_text("Canarysara")
    question = page.locator("section.sent-back")
    question.get_by_label("Votre réponse (facultatif)").fill("Elle habite à Schaerbeek.")
    question.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator(".sent-back-answered")).to_be_visible()
    phone.wait_synced()
    phone.go("#/today")
    expect(page.locator(".today h1")).to_be_visible()
    expect(page.locator("section.sent-back")).to_have_count(0)
    assert phone.errors == []

    # The coordinator sees the answer and what changed, and finds it in the queue.
    office.reload()
    state = office.locator("section.send-back")
    expect(state).to_contain_text("Réponse reçue")
    expect(state).to_contain_text("Elle habite à Schaerbeek.")
    expect(state.locator(".send-back-changes")).to_contain_text("Commune")
    expect(state.locator(".send-back-changes")).to_contain_text("Schaerbeek")
    _shot(office, "office-lead-answered-1280")
    office.goto(f"{live.base_url}/#/office/leads?sent_back=answered")
    row = office.locator(".lead-row", has_text="Canarysara")
    expect(row.locator(".badge-answered")).to_have_text("Réponse reçue")
    expect(office.locator("#f-sent_back")).to_have_value("answered")
    _shot(office, "office-queue-answered-1280")
    _no_violations(office)
    narrow = _office(browser, live, coordinator, width=390)
    narrow.goto(f"{live.base_url}/#/office/leads/{lead['id']}")
    expect(narrow.locator("section.send-back")).to_contain_text("Réponse reçue")
    _shot(narrow, "office-lead-answered-390")
    assert office.errors == [] and narrow.errors == []  # type: ignore[attr-defined]


def test_merge_two_records_on_the_duplicates_screen(live: Live, browser: Browser) -> None:
    person = agent(live, name="Youssef Amrani")
    coordinator = _coordinator_of(live, person)
    first = live.create_lead(person, "Canarynadia", phone="+32470999001", commune="Molenbeek")
    second = live.create_lead(
        person, "Canarynadia", last_name="Bakkali", phone="+32470999001", email="n@example.org"
    )
    for lead_id, text in ((first["id"], "Première rencontre"), (second["id"], "Au café")):
        r = live.http.post(
            f"/api/leads/{lead_id}/interactions",
            json={"kind": "conversation", "body": text},
            headers=person.headers(),
        )
        assert r.status_code == 201, r.text

    office = _office(browser, live, coordinator)
    office.goto(f"{live.base_url}/#/office/duplicates")
    office.get_by_role("link", name="Comparer et fusionner").click()
    sides = office.locator(".merge-side")
    expect(sides).to_have_count(2)
    _shot(office, "office-merge-1280")
    _no_violations(office)
    office.get_by_role("button", name="Fusionner…").click()
    expect(office.locator(".merge-status")).to_contain_text("Choisissez la fiche à garder.")
    keep = office.locator(".merge-side", has_text="Bakkali")
    keep.get_by_label("Garder celle-ci").check()
    office.get_by_role("button", name="Fusionner…").click()
    expect(office.locator(".merge-confirm")).to_contain_text("Impossible d'annuler")
    _shot(office, "office-merge-confirm-1280")
    office.get_by_role("button", name="Oui, fusionner").click()
    expect(office.locator(".merge-screen .notice")).to_contain_text("regroupe maintenant")

    survivor = live.get(f"/api/leads/{second['id']}", coordinator)
    bodies = {i["body"] for i in survivor["timeline"]}
    assert {"Première rencontre", "Au café"} <= bodies
    assert survivor["commune"] == "Molenbeek"  # a gap filled from the other
    gone = live.http.get(f"/api/leads/{first['id']}", headers=coordinator.headers())
    assert gone.status_code == 404
    office.get_by_role("link", name="Ouvrir le contact").click()
    expect(office.locator(".lead-head h1")).to_contain_text("Bakkali")

    narrow = _office(browser, live, coordinator, width=390)
    third = live.create_lead(person, "Canaryomar", phone="+32470999002")
    fourth = live.create_lead(person, "Canaryomar", phone="+32470999002")
    narrow.goto(f"{live.base_url}/#/office/merge?a={third['id']}&b={fourth['id']}")
    expect(narrow.locator(".merge-side")).to_have_count(2)
    _shot(narrow, "office-merge-390")
    _no_violations(narrow)
    assert office.errors == [] and narrow.errors == []  # type: ignore[attr-defined]


def test_bulk_assign_in_the_queue_goes_through_the_mutator(live: Live, browser: Browser) -> None:
    person = agent(live, name="Karim Bulkassign")
    coordinator = _coordinator_of(live, person)
    leads = [live.create_lead(person, f"Canarybulk{i}") for i in range(2)]
    office = _office(browser, live, coordinator)
    office.goto(f"{live.base_url}/#/office/leads?unassigned=true")
    expect(office.locator(".lead-row")).to_have_count(2)
    office.get_by_label("Tout sélectionner sur cette page").check()
    office.get_by_label("Attribuer à").select_option(label="Karim Bulkassign")
    office.get_by_role("button", name="Attribuer la sélection").click()
    expect(office.locator(".bulk-status")).to_have_text("2 contacts attribués.")
    for lead in leads:
        got = live.get(f"/api/leads/{lead['id']}", coordinator)
        assert got["assigned_to"] == person.id
    assert office.errors == []  # type: ignore[attr-defined]
