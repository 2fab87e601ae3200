"""The privacy screens in Chromium: a coordinator records a withdrawal and fetches the
person's own link from the lead's page; an admin registers an erasure request, erases the
person from the register, and finds it in the audit trail (PD-1, PD-4, PD-6)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from api.leads.models import LeadMarker
from api.vocab import Role
from tests.web.conftest import Live, Watched, log_in

pytestmark = pytest.mark.browser
CONSENT = {
    "purposes": ["contact", "markers"],
    "text_version": "2026-01",
    "text_sha256": "0" * 64,
    "language": "fr",
}


def test_coordinator_withdraws_and_admin_erases(live: Live, watched: Watched) -> None:
    page = watched.page
    page.on("dialog", lambda dialog: dialog.accept())
    live.forget_login_failures()
    coordinator = live.new_person()
    lead = live.create_lead(coordinator, "Canaryrim", consent=CONSENT, markers={"gender": "woman"})
    page.goto(live.base_url)
    log_in(page, coordinator)
    page.goto(f"{live.base_url}/#/office/leads/{lead['id']}")
    panel = page.locator("form.withdraw-consent")
    panel.get_by_label(re.compile("Effacer les informations facultatives")).check()
    panel.get_by_role("button", name="Enregistrer le retrait").click()
    expect(page.locator(".lead-head")).to_contain_text("Le retrait est enregistré.")
    with Session(live.engine) as session:
        assert session.get(LeadMarker, uuid.UUID(lead["id"])) is None
    page.get_by_role("button", name="Lien pour la personne").click()
    expect(page.locator(".consent-link")).to_contain_text("/fr/consent/")
    # Coordinators have no privacy screens in their menu.
    expect(page.get_by_role("link", name="Demandes sur les données")).to_have_count(0)
    page.evaluate("sessionStorage.clear(); localStorage.clear()")

    admin = live.new_person(name="Dora Admin", role=Role.admin)
    page.goto(f"{live.base_url}/#/office/leads")
    page.reload()
    live.forget_login_failures()
    log_in(page, admin)
    page.get_by_role("link", name="Demandes sur les données").click()
    form = page.locator("form.privacy-register")
    form.get_by_label("Type").select_option("erasure")
    form.get_by_label(re.compile("Identifiant du contact")).fill(lead["id"])
    form.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".privacy-said")).to_have_text("La demande est enregistrée.")
    page.get_by_role("button", name="Effacer la personne").click()
    expect(page.locator(".privacy-said")).to_contain_text("La personne est effacée")
    expect(page.locator(".privacy-requests")).to_contain_text("Effacée")
    gone = live.http.get(f"/api/leads/{lead['id']}", headers=admin.headers())
    assert gone.status_code == 404
    page.get_by_role("link", name="Journal d'audit").click()
    page.get_by_label("Action").fill("lead.erase")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator(".result-count")).to_contain_text("1 ligne")
    expect(page.locator(".audit-screen table")).to_contain_text("lead.erase")
    watched.assert_clean()
