"""The outbox and the sync state (issue 9): Today says how many changes wait, how old the
oldest is and when the phone last synced; the outbox lists what waits and exports it to a
file; back online it drains to nothing. And the install hint, the iPhone one included."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_what_waits_is_said_listed_exported_and_sent(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()
    phone.offline()
    phone.go("#/leads/new")
    page.get_by_label("Prénom").fill("Canaryoutbox")
    page.get_by_label("Téléphone").fill("0470 44 33 21")
    page.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".lead-head h1")).to_have_text("Canaryoutbox")

    phone.go("#/today")
    state = page.locator(".today section", has_text="Synchronisation")
    expect(state).to_contain_text("1 modification attend d'être envoyée. La plus ancienne :")
    expect(state).to_contain_text("Dernière synchronisation :")
    expect(page.locator(".tab-badge")).to_have_text("1")
    # The top bar's pill at 390 px: the state and the count both whole (the count a number
    # on screen, its words for a screen reader).
    pill = page.locator(".sync-pill")
    expect(pill).to_have_class(re.compile("sync-offline"))
    expect(pill).to_have_accessible_name("Hors ligne · 1 en attente")
    fits = pill.evaluate(
        """pill => {
            const room = pill.getBoundingClientRect();
            const text = pill.querySelector('.sync-pill-text');
            const count = pill.querySelector('.sync-pill-count').getBoundingClientRect();
            return text.scrollWidth <= text.clientWidth
                && count.left >= room.left && count.right <= room.right + 0.5;
        }"""
    )
    assert fits, "the sync pill cuts its state or its count"
    expect(page.get_by_role("button", name="Verrouiller")).to_be_in_viewport()

    phone.go("#/outbox")
    waiting = page.locator(".outbox-list > li")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Nouveau contact · Canaryoutbox")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Exporter les modifications non envoyées").click()
    exported = json.loads(saved.value.path().read_text(encoding="utf-8"))
    (mutation,) = exported["mutations"]
    assert mutation["name"] == "lead.create"
    assert mutation["args"]["fields"]["first_name"] == "Canaryoutbox"

    phone.offline(False)
    phone.sync_now()
    expect(page.locator(".outbox-list")).to_have_count(0)
    expect(page.locator(".tab-badge")).to_be_hidden()
    (lead,) = live.get("/api/leads?q=Canaryoutbox", person)["items"]
    assert lead["phone"] == "+32470443321"
    assert phone.errors == []


def test_the_install_hint_on_an_iphone(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    assert phone.context is not None
    # Safari's user agent, and no install prompt event (Safari has none; Chromium here has).
    phone.context.add_init_script(
        f"Object.defineProperty(navigator, 'userAgent', {{get: () => {IPHONE!r}}});"
        "addEventListener('beforeinstallprompt', (e) => e.stopImmediatePropagation(), true);"
    )
    page.reload()
    phone.log_in(person)
    hint = page.locator(".today section", has_text="Installer Terrain")
    expect(hint).to_contain_text("Sur un iPhone : ouvrez cette page dans Safari")
    hint.get_by_role("button", name="Pas maintenant").click()
    expect(hint).to_have_count(0)
    page.reload()
    phone.unlock()
    expect(page.locator(".today h1")).to_be_visible()
    expect(page.locator(".today section", has_text="Installer Terrain")).to_have_count(0)
