"""A day in the street (issue 9): log in and choose a PIN online; then, with the network
really off, start from the service worker, run a coffee stand with tallies and three quick
leads, record a shop visit, edit a lead, log a call; close the browser, reopen it offline,
unlock — all there; back online, everything reaches the server exactly once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

PEOPLE = [
    ("Canaryzeynep", "0470 11 20 01"),
    ("Canaryjan", "+32 470 11 20 02"),
    ("Canaryfatou", "0032470112003"),
]
PHONES = ["+32470112001", "+32470112002", "+32470112003"]


def quick_lead(page: Page, first_name: str, number: str, need: str) -> None:
    form = page.locator("form.quick-lead")
    form.get_by_label("Prénom").fill(first_name)
    form.get_by_label("Téléphone").fill(number)
    # Three taps after typing: an interest, the consent, save.
    form.locator(".chip", has_text=re.compile(f"^{need}$")).click()
    form.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    form.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".saved-leads")).to_contain_text(first_name)


def test_a_day_offline_arrives_once(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()

    # Offline from here: the reload comes from the service worker, and the PIN opens it.
    phone.offline()
    page.reload()
    expect(page.locator("input[name=pin]")).to_be_visible()
    phone.unlock()
    expect(page.locator(".today h1")).to_have_text("Aujourd'hui")
    expect(page.locator(".sync-pill")).to_contain_text("Hors ligne")

    # A coffee stand in Molenbeek.
    phone.go("#/stand")
    page.get_by_label("Commune ou quartier").fill("Molenbeek-Saint-Jean")
    page.get_by_role("button", name="Commencer la session").click()
    for kind, taps in (("coffees", 5), ("conversations", 3), ("flyers", 2)):
        for _ in range(taps):
            page.locator(f".tally-{kind} .tally-plus").click()
    page.locator(".tally-flyers .tally-minus").click()  # a slip of the thumb, undone
    expect(page.locator(".tally-coffees .tally-count")).to_have_text("5")
    # Today shows the session in progress, and leads back to it.
    phone.go("#/today")
    current = page.locator(".today section", has_text="Session en cours")
    expect(current).to_contain_text("Molenbeek-Saint-Jean")
    current.get_by_role("link").click()
    expect(page.locator(".tally-coffees .tally-count")).to_have_text("5")
    for (name, number), need in zip(PEOPLE, ["Crédit", "Accompagnement", "Formation"], strict=True):
        quick_lead(page, name, number, need)
    page.get_by_role("button", name="Terminer la session").click()
    expect(page.locator("h1")).to_have_text("Bilan de la session")
    figures = page.locator(".summary-figures")
    expect(figures).to_contain_text("5")
    expect(page.locator(".row-list")).to_contain_text("Canaryfatou")

    # A shop visit: a new shop, the owner met and interested.
    phone.go("#/visit")
    page.get_by_label("Commerce", exact=True).select_option(label="Un nouveau commerce…")
    page.get_by_label("Nom du commerce").fill("Épicerie Canarysouk")
    page.locator("fieldset", has_text="Parlé au patron").locator(".chip", has_text="Oui").click()
    page.locator("fieldset", has_text="Intéressé").locator(".chip", has_text="Oui").click()
    page.get_by_role("button", name="Enregistrer la visite").click()
    expect(page.locator("h1")).to_have_text("Visite enregistrée")

    # Edit one lead, log a call on it.
    phone.go("#/leads")
    page.locator(".row-link", has_text="Canaryjan").click()
    page.get_by_role("link", name="Modifier les informations").click()
    page.get_by_label("Nom (facultatif)").fill("Canarypeeters")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.locator(".lead-head h1")).to_have_text("Canaryjan Canarypeeters")
    calls = page.locator("section", has_text="Noter une interaction")
    calls.locator(".chip", has_text="Appel").first.click()
    calls.get_by_label("Note (facultatif)").fill("Rappeler après le Ramadan")
    calls.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".timeline")).to_contain_text("Rappeler après le Ramadan")

    # Close the browser; open it again, still offline: the PIN opens everything.
    phone.close()
    page = phone.open(offline=True)
    expect(page.locator("input[name=pin]")).to_be_visible()
    phone.unlock()
    expect(page.locator(".today h1")).to_be_visible()
    phone.go("#/leads")
    for name, _ in PEOPLE:
        expect(page.locator(".lead-rows")).to_contain_text(name)
    expect(page.locator(".lead-rows")).to_contain_text("Canarypeeters")
    page.locator(".row-link", has_text="Canaryjan").click()
    expect(page.locator(".timeline")).to_contain_text("Rappeler après le Ramadan")
    phone.go("#/outbox")
    pending = page.locator(".outbox-list")
    expect(pending).to_contain_text("Canarypeeters")  # the edit, still waiting
    expect(pending).to_contain_text("Nouveau lieu")  # the shop of the visit
    expect(page.locator("h2", has_text="en attente")).to_be_visible()
    assert phone.errors == []

    # Online again: the outbox drains, and the server has everything exactly once.
    phone.offline(False)
    phone.sync_now()
    expect(page.locator(".tab-badge")).to_be_hidden()
    check_server(live, person)


def check_server(live: Live, person) -> None:  # type: ignore[no-untyped-def]
    leads = live.get("/api/leads?q=Canary&limit=50", person)["items"]
    assert sorted(lead["first_name"] for lead in leads) == sorted(p[0] for p in PEOPLE)
    assert sorted(lead["phone"] for lead in leads) == PHONES
    by_name = {lead["first_name"]: lead for lead in leads}
    assert by_name["Canaryjan"]["last_name"] == "Canarypeeters"
    assert all(lead["agent_id"] == person.id for lead in leads)
    assert len({lead["session_id"] for lead in leads}) == 1
    detail = live.get(f"/api/leads/{by_name['Canaryjan']['id']}", person)
    calls = [i for i in detail["timeline"] if i["kind"] == "call"]
    assert [c["body"] for c in calls] == ["Rappeler après le Ramadan"]
    sessions = live.get("/api/sessions?limit=50", person)["items"]
    stand = next(s for s in sessions if s["channel"] == "coffee_stand")
    assert stand["id"] == leads[0]["session_id"]
    assert stand["commune"] == "Molenbeek-Saint-Jean" and stand["ended_at"] is not None
    assert stand["totals"] == {"coffees": 5, "conversations": 3, "flyers": 1}
    visits = [s for s in sessions if s["channel"] == "shop_visit"]
    assert len(visits) == 1 and visits[0]["totals"]["conversations"] == 1
    venues = live.get("/api/venues?limit=50", person)["items"]
    assert [v["name"] for v in venues] == ["Épicerie Canarysouk"]
    assert venues[0]["last_visit_at"] is not None and venues[0]["next_visit_on"] is not None
