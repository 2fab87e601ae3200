"""Hand-over (issue 9): each of the ten languages opens offline in its own direction; the
prospect fills the public form's questions on the agent's phone in Arabic, laid out right
to left; it ends on the PIN screen, and the lead arrives with language `ar`, the agent's
attribution and the session it was made in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser


def test_arabic_hand_over_ends_locked_and_arrives(live: Live, phone: Phone) -> None:
    person = agent(live, name="Youssef Amrani")
    form = live.http.get("/api/intake/form/ar").json()
    texts = form["texts"]
    page = phone.open()
    phone.log_in(person)
    phone.go("#/stand")
    page.get_by_label("Commune ou quartier").fill("Anderlecht")
    page.get_by_role("button", name="Commencer la session").click()
    expect(page.locator(".tallies")).to_be_visible()

    # Offline, as at a stand without signal: the form comes from the worker's cache.
    phone.wait_forms_cached()
    phone.offline()
    page.get_by_role("link", name="Passer le téléphone").click()
    page.get_by_role("button", name="العربية").click()
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text(texts["title"])
    assert page.locator(".handover").evaluate("(e) => getComputedStyle(e).direction") == "rtl"
    # No way back to the agent's screens: no menu, no header.
    expect(page.locator("#tab-bar")).to_be_hidden()
    expect(page.locator("#app-header")).to_be_hidden()

    answers = {"first_name": "Canarykarim", "phone": "0470 55 66 77"}
    page.get_by_role("button", name=texts["next"]).click()
    for question in form["questions"]:
        if question["name"] in answers:
            page.get_by_label(question["label"]).fill(answers[question["name"]])
        page.get_by_role("button", name=texts["next"]).click()
    contact = next(c for c in form["consents"] if c["purpose"] == "contact")
    page.get_by_label(contact["label"]).check()
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("h1")).to_have_text(texts["thanks_title"])
    page.get_by_role("button", name="أعد الهاتف إلى الموظف").click()

    # Back to the agent, locked: only the PIN opens it, in the agent's language again.
    expect(page.locator("input[name=pin]")).to_be_visible()
    expect(html).to_have_attribute("dir", "ltr")
    expect(html).to_have_attribute("lang", "fr")
    phone.go("#/leads")
    expect(page.locator("input[name=pin]")).to_be_visible()
    phone.unlock()
    expect(page.locator(".leads h1")).to_be_visible()  # where the agent was going
    phone.go("#/outbox")
    phone.offline(False)
    phone.sync_now()

    (lead,) = live.get("/api/leads?q=Canarykarim", person)["items"]
    assert lead["language"] == "ar" and lead["phone"] == "+32470556677"
    assert lead["agent_id"] == person.id and lead["created_by"] == person.id
    sessions = live.get("/api/sessions?limit=5", person)["items"]
    assert lead["session_id"] == sessions[0]["id"] and lead["channel"] == "coffee_stand"
    detail = live.get(f"/api/leads/{lead['id']}", person)
    assert detail["consent"]["channel"] == "self" and detail["consent"]["language"] == "ar"
    assert detail["consent"]["text_version"] == form["consent"]["version"]
    assert phone.errors == []


def test_every_language_of_the_hand_over_opens_offline(live: Live, phone: Phone) -> None:
    """All ten languages, with the network off: each form in its language and direction."""
    from i18n import PUBLIC_LANGUAGES

    person = agent(live)
    titles = {
        lang: live.http.get(f"/api/intake/form/{lang}").json()["texts"]["title"]
        for lang in PUBLIC_LANGUAGES
    }
    page = phone.open()
    phone.log_in(person)
    phone.wait_forms_cached()
    phone.offline()
    html = page.locator("html")
    assert len(PUBLIC_LANGUAGES) == 10
    for lang in PUBLIC_LANGUAGES:
        phone.go("#/handover")
        page.locator(f".language-grid button[lang={lang}]").click()
        expect(html).to_have_attribute("lang", lang)
        expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        expect(page.locator(".handover h1")).to_have_text(titles[lang])
        # Taken back before the end (a reload): the PIN, and the agent's language again.
        page.reload()
        expect(page.locator("input[name=pin]")).to_be_visible()
        expect(html).to_have_attribute("lang", "fr")
        phone.unlock()
        expect(page.locator("input[name=pin]")).to_be_hidden()
    assert phone.errors == []
