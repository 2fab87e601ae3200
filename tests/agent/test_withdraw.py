"""PD-1 in the agent app: the person takes back their consent on the agent's phone; the
withdrawal travels as a `consent.withdraw` mutation, the server erases the markers and stops
the calls, and the phone shows the lead withdrawn after its sync."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from api.leads.models import Lead, LeadMarker
from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser


def test_pd_1_the_agent_records_a_withdrawal(live: Live, phone: Phone) -> None:
    person = agent(live)
    consent = {
        "purposes": ["contact", "markers"],
        "text_version": "2026-01",
        "text_sha256": "ab" * 32,
        "language": "fr",
    }
    lead = live.create_lead(
        person, "Canaryoumou", consent=consent, markers={"gender": "woman", "age_band": "30_39"}
    )
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()
    phone.go(f"#/leads/{lead['id']}")
    form = page.locator("form.withdraw-consent")
    form.get_by_role("button", name="Enregistrer le retrait").click()
    expect(form).to_contain_text("Cochez ce que la personne retire.")
    form.get_by_label("Plus de contact : ne plus l'appeler").check()
    form.get_by_label(re.compile("Effacer les informations facultatives")).check()
    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="Enregistrer le retrait").click()
    expect(page.locator(".flash")).to_contain_text("Le retrait est enregistré.")
    phone.wait_synced()
    with Session(live.engine) as session:
        stored = session.get(Lead, uuid.UUID(lead["id"]))
        assert stored is not None and stored.status == "withdrawn"
        assert session.get(LeadMarker, uuid.UUID(lead["id"])) is None
    page.reload()
    phone.unlock()
    phone.go(f"#/leads/{lead['id']}")
    expect(page.locator(".lead-head")).to_contain_text("Désisté", timeout=20_000)
    assert phone.errors == []
