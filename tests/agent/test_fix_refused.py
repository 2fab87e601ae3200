"""A change the server refused (issue 9, outbox): the reason in the agent's language and the
field it concerns; "Fix this" opens the lead form filled with what was sent, the agent
corrects it and it is sent again (a refused new lead arrives once, under its own id, with
the consent recorded at the time); or the agent discards it after a confirmation."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Dialog, expect
from sqlalchemy import update
from sqlmodel import col

from api.sessions.models import OutreachSession
from sync.sqltypes import utcnow
from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

NAME = "Canaryrefusqx"
# Looks like an address to the phone; the server refuses a special-use domain.
BAD_EMAIL = "canary@shop.invalid"
GOOD_EMAIL = "canary.refus@example.be"


def test_fix_a_refused_lead_and_discard_a_refused_change(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()

    phone.go("#/leads/new")
    page.get_by_label("Prénom").fill(NAME)
    page.get_by_label("Adresse e-mail").fill(BAD_EMAIL)
    page.get_by_label("Idée de projet").fill("Une boulangerie")
    page.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".lead-head h1")).to_contain_text(NAME)
    phone.wait_synced()
    assert live.get(f"/api/leads?q={NAME}", person)["items"] == []

    # Today says something needs attention; the outbox says what and why, in French.
    phone.go("#/today")
    expect(page.locator(".panel-warning")).to_contain_text("1 modification refusée")
    phone.go("#/outbox")
    refused = page.locator("li.refused")
    expect(refused).to_contain_text(f"Nouveau contact · {NAME}")
    expect(refused).to_contain_text("Certaines valeurs n'ont pas été acceptées")
    expect(refused).to_contain_text("À vérifier : Adresse e-mail.")
    page.screenshot(path="/tmp/agentapp/outbox-refused.png", full_page=True)
    assert phone.axe() == []

    # "Fix this": the form holds what was sent, the refused field marked.
    refused.get_by_role("link", name="Corriger").click()
    expect(page.locator("#main h1")).to_have_text("Corriger la modification refusée")
    expect(page.locator(".fix-reason")).to_contain_text("À vérifier : Adresse e-mail.")
    expect(page.get_by_label("Prénom")).to_have_value(NAME)
    expect(page.get_by_label("Idée de projet")).to_have_value("Une boulangerie")
    email = page.get_by_label("Adresse e-mail")
    expect(email).to_have_value(BAD_EMAIL)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#main")).to_contain_text("Le consentement enregistré le")
    page.screenshot(path="/tmp/agentapp/fix-form.png", full_page=True)
    assert phone.axe() == []
    email.fill(GOOD_EMAIL)
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".flash")).to_contain_text("Corrigé ; ce sera envoyé à nouveau.")
    phone.wait_synced()
    leads = live.get(f"/api/leads?q={NAME}", person)["items"]
    assert len(leads) == 1
    lead = live.get(f"/api/leads/{leads[0]['id']}", person)
    assert lead["email"] == GOOD_EMAIL and lead["project_idea"] == "Une boulangerie"
    phone.go("#/outbox")
    expect(page.locator("li.refused")).to_have_count(0)

    # A refused edit: discarded, after saying no once to the confirmation.
    phone.go(f"#/leads/{lead['id']}/edit")
    page.get_by_label("Adresse e-mail").fill(BAD_EMAIL)
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.locator(".flash")).to_be_visible()
    phone.wait_synced()
    phone.go("#/outbox")
    refused = page.locator("li.refused")
    expect(refused).to_contain_text("Contact modifié")
    answers = [False, True]

    def on_dialog(dialog: Dialog) -> None:
        assert "Abandonner cette modification" in dialog.message
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", on_dialog)
    refused.get_by_role("link", name="Corriger").click()
    expect(page.get_by_label("Adresse e-mail")).to_have_value(BAD_EMAIL)
    discard = page.get_by_role("button", name="Abandonner cette modification")
    discard.click()
    expect(page.locator("#main h1")).to_have_text("Corriger la modification refusée")
    discard.click()
    expect(page.locator(".flash")).to_contain_text("Modification abandonnée.")
    expect(page.locator("li.refused")).to_have_count(0)
    assert answers == []
    assert live.get(f"/api/leads/{lead['id']}", person)["email"] == GOOD_EMAIL
    assert phone.errors == []


def test_a_lead_refused_for_a_session_deleted_meanwhile_is_fixed_without_it(
    live: Live, phone: Phone
) -> None:
    """The session a lead was met at was deleted before the lead arrived: the server
    refuses the reference (as for an unknown session), and "Fix this" sends the lead again
    without it, so the person is not lost."""
    person = agent(live)
    r = live.http.post("/api/sessions", json={"channel": "coffee_stand"}, headers=person.headers())
    assert r.status_code == 201, r.text
    session_id = r.json()["id"]
    with live.engine.begin() as conn:
        conn.execute(
            update(OutreachSession)
            .where(col(OutreachSession.id) == uuid.UUID(session_id))
            .values(deleted_at=utcnow())
        )
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()
    name = "Canarysessionqx"
    phone.go(f"#/leads/new?session={session_id}")
    page.get_by_label("Prénom").fill(name)
    page.get_by_label("Téléphone").fill("0470 12 34 77")
    page.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".lead-head h1")).to_contain_text(name)
    phone.wait_synced()
    assert live.get(f"/api/leads?q={name}", person)["items"] == []

    phone.go("#/outbox")
    refused = page.locator("li.refused")
    expect(refused).to_contain_text("session")
    refused.get_by_role("link", name="Corriger").click()
    expect(page.get_by_label("Prénom")).to_have_value(name)
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".flash")).to_contain_text("Corrigé ; ce sera envoyé à nouveau.")
    phone.wait_synced()
    [lead] = live.get(f"/api/leads?q={name}", person)["items"]
    assert lead["session_id"] is None and lead["phone"] == "+32470123477"
    phone.go("#/outbox")
    expect(page.locator("li.refused")).to_have_count(0)
    assert phone.errors == []
