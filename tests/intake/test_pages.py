"""The public form without JavaScript, in every language: page, submission, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import i18n
from api.followups.models import Followup
from api.intake import form
from api.leads.models import Consent, LeadMarker
from tests.conftest import World
from tests.intake.helpers import answers, post_form, self_intakes

LANGS = i18n.PUBLIC_LANGUAGES
NOTICE = form.Notice("Terrain", "privacy@terrain.example")  # the default settings


def make_code(client: TestClient, world: World, **body: Any) -> dict[str, Any]:
    body = {"kind": "agent", "agent_id": str(world.agent.id), **body}
    r = client.post("/api/codes", json=body, headers=world.auth("coordinator"))
    assert r.status_code == 201, r.text
    code: dict[str, Any] = r.json()
    return code


def t(lang: str, msgid: str) -> str:
    return str(i18n.translations(lang).gettext(msgid))


@pytest.mark.parametrize("lang", LANGS)
def test_form_page_language_direction_and_picker(client: TestClient, lang: str) -> None:
    r = client.get(f"/{lang}/intake")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == lang
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f"<h1>{t(lang, form.TEXTS['title'])}</h1>" in html
    for code, name in i18n.LANGUAGE_NAMES.items():
        assert f'<a href="/{code}/intake" lang="{code}" hreflang="{code}"' in html
        assert f">{name}</a>" in html
    assert f'href="/{lang}/intake" lang="{lang}" hreflang="{lang}" aria-current="page"' in html
    # A plain form: it posts to itself, with a script that only enhances it.
    assert f'<form method="post" action="/{lang}/intake" novalidate' in html
    assert '<script type="module" src="/js/intake/form.js"></script>' in html
    # The privacy notice is on the page, before the send button.
    paragraph = form.privacy_paragraphs(lang, NOTICE)
    assert html.index(paragraph[1].replace("'", "&#39;")) < html.index('type="submit"')


@pytest.mark.parametrize("lang", LANGS)
def test_submission_without_javascript_creates_the_lead(
    client: TestClient, world: World, db: Session, lang: str
) -> None:
    code = make_code(client, world, language=lang)
    r = post_form(
        client,
        lang,
        answers(
            lang,
            c=code["code"],
            consent=["contact", "newsletter", "sensitive_markers"],
            gender="woman",
            migrant_background="prefer_not_to_say",
        ),
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/{lang}/intake/thanks?c={code['code']}"
    [lead] = self_intakes(db)
    assert (lead.first_name, lead.last_name, lead.phone) == ("Amina", "Benali", "+32470123456")
    assert (lead.language, lead.channel, lead.status) == (lang, "self_intake", "new")
    assert (lead.postcode, lead.commune, lead.sector) == ("1080", "Molenbeek", "food")
    assert (lead.project_stage, lead.needs, lead.call_time) == (
        "idea",
        ["credit", "coaching"],
        "morning",
    )
    # Attribution: the code, its agent, its team's queue; nobody created or holds it yet.
    assert (lead.campaign, lead.agent_id) == (code["code"], world.agent.id)
    assert (lead.team_id, lead.created_by, lead.assigned_to) == (world.brussels.id, None, None)
    consent = db.exec(select(Consent).where(Consent.lead_id == lead.id)).one()
    assert consent.text_version == form.CONSENT_VERSION
    assert consent.language == lang and consent.channel == "self" and consent.agent_id is None
    assert consent.purposes == ["contact", "newsletter", "sensitive_markers"]
    assert consent.text_sha256 == form.consent_sha256(
        lang, form.Notice("Terrain", "privacy@terrain.example")
    )
    marker = db.get(LeadMarker, lead.id)
    assert marker is not None
    assert (marker.gender, marker.migrant_background) == ("woman", "prefer_not_to_say")
    assert marker.sensitive_consent_id == consent.id
    # In the coordinators' queue with its first call to make.
    followup = db.exec(select(Followup).where(Followup.lead_id == lead.id)).one()
    assert followup.kind == "call" and followup.assigned_to is None
    listed = client.get(
        "/api/leads?status=new&channel=self_intake", headers=world.auth("coordinator")
    )
    assert [item["id"] for item in listed.json()["items"]] == [str(lead.id)]


@pytest.mark.parametrize("lang", LANGS)
def test_each_validation_error_in_the_page_language(
    client: TestClient, db: Session, lang: str
) -> None:
    bad = answers(
        lang,
        first_name="  ",
        phone="12",
        email="not an address",
        sector="piracy",
        project_idea="x" * 2001,
        consent=[],
    )
    r = post_form(client, lang, bad)
    assert r.status_code == 422
    html = r.text
    expected = {
        "first_name": "Please answer this question.",
        "phone": "This is not a valid phone number.",
        "email": "This is not a valid e-mail address.",
        "sector": "Please choose one of the answers shown.",
        "project_idea": "This answer is too long. Please write less.",
        "consent": "Please tick this box, so that we may contact you.",
    }
    for name, msgid in expected.items():
        message = t(lang, msgid).replace("'", "&#39;")
        assert f'<p class="error" id="e-{name}">{message}</p>' in html, name
        if lang != "en":
            assert msgid.replace("'", "&#39;") not in html, f"English left for {name}"
    # Summarised at the top, each linking to its field; the answers are kept.
    summary = html[html.index('class="summary"') : html.index("<form")]
    assert summary.count("<li>") == len(expected)
    assert 'href="#f-first_name"' in summary and 'href="#f-consent-0"' in summary
    assert 'value="12"' in html and 'value="not an address"' in html
    assert re.search(r'value="credit" id="f-needs-0"[^>]* checked', html)
    assert (
        'id="f-phone"' in html and 'aria-invalid="true" ' in html
    ) or 'aria-invalid="true">' in html
    # Neither a phone nor an e-mail address: one error, at the phone, in the language.
    r = post_form(client, lang, answers(lang, phone="", email=""))
    assert r.status_code == 422
    message = t(lang, "Give a phone number or an e-mail address.").replace("'", "&#39;")
    assert f'<p class="error" id="e-phone">{message}</p>' in r.text
    assert r.text.count('<p class="error"') == 1
    assert self_intakes(db) == []


def test_e_mail_instead_of_a_phone(client: TestClient, world: World, db: Session) -> None:
    r = post_form(client, "pt", answers("pt", phone="", email="Ana.Silva@Example.org"))
    assert r.status_code == 303
    [lead] = self_intakes(db)
    assert (lead.phone, lead.email) == (None, "ana.silva@example.org")


def test_markers_are_ignored_without_their_consent(
    client: TestClient, world: World, db: Session
) -> None:
    r = post_form(client, "fr", answers(gender="woman", migrant_background="yes"))
    assert r.status_code == 303
    [lead] = self_intakes(db)
    assert db.get(LeadMarker, lead.id) is None


def test_thanks_page_says_who_calls_and_by_when(client: TestClient) -> None:
    from api.leads.rules import brussels_today, first_followup_due
    from i18n.format import format_date
    from sync.sqltypes import utcnow

    for lang in ("fr", "ar", "ro"):
        r = client.get(f"/{lang}/intake/thanks")
        assert r.status_code == 200
        due = first_followup_due(utcnow())
        # Two days, or three or four when the weekend pushes the call to Monday.
        days = (due - brussels_today(utcnow())).days
        assert 2 <= days <= 4 and form.thanks_body(lang, days) in r.text
        when = format_date(due, "full", language=lang)
        assert when in r.text
        assert f'<html lang="{lang}"' in r.text and 'aria-current="page"' in r.text


def test_unknown_language_is_a_404_page(client: TestClient) -> None:
    r = client.get("/xx/intake", headers={"Accept-Language": "de"})
    assert r.status_code == 404
    assert '<html lang="de"' in r.text and t("de", "This page does not exist") in r.text
