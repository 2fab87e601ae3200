"""Contract A: the one form definition, as `GET /api/intake/form/{lang}` serves it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import i18n
from api.intake import form
from api.intake.render import notice
from api.leads.models import Consent, Lead, LeadMarker
from api.leads.schemas import LeadCreate, MarkersIn
from api.main import PWA_DIR
from api.vocab import AgeBand, CallTime, Education, Gender, Language, Need, ProjectStage, YesNo
from tests.conftest import World

LANGS = i18n.PUBLIC_LANGUAGES
# Words some languages write exactly as English does.
SAME_AS_ENGLISH = {("es", "No"), ("it", "No")}


def get_form(client: TestClient, lang: str) -> dict[str, Any]:
    r = client.get(f"/api/intake/form/{lang}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("lang", LANGS)
def test_form_in_every_language(client: TestClient, lang: str) -> None:
    body = get_form(client, lang)
    assert body["lang"] == lang
    assert body["dir"] == ("rtl" if lang == "ar" else "ltr")
    assert body["language_name"] == i18n.LANGUAGE_NAMES[lang]
    consent = body["consent"]
    assert consent == {
        "version": form.CONSENT_VERSION,
        "sha256": form.consent_sha256(lang, notice()),
        "language": lang,
    }
    assert re.fullmatch(r"[0-9a-f]{64}", consent["sha256"])
    texts = body["texts"]
    for key in ("title", "intro", "next", "back", "send", "step", "privacy_title", "thanks_title"):
        assert isinstance(texts[key], str) and texts[key]
    assert "{n}" in texts["step"] and "{total}" in texts["step"]
    assert len(texts["privacy"]) >= 6
    assert set(texts["errors"]) >= {"required", "contact_required", "invalid_phone"}
    assert [c["purpose"] for c in body["consents"]] == ["contact", "newsletter"]
    assert body["consents"][0]["required"] is True
    assert body["markers_consent"]["purpose"] == "sensitive_markers"


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_no_english_left_in_a_translated_form(client: TestClient, lang: str) -> None:
    """Every prospect-visible text differs from its English source (language names and
    figures such as "25 to 29" aside, which some languages write alike)."""
    english, other = get_form(client, "en"), get_form(client, lang)
    pairs: list[tuple[str, str]] = []
    for key, text in english["texts"].items():
        if isinstance(text, str):
            pairs.append((text, other["texts"][key]))
    pairs += list(zip(english["texts"]["privacy"], other["texts"]["privacy"], strict=True))
    pairs += [(english["texts"]["errors"][k], v) for k, v in other["texts"]["errors"].items()]
    for eq, oq in zip(
        english["questions"] + english["markers"],
        other["questions"] + other["markers"],
        strict=True,
    ):
        pairs.append((eq["label"], oq["label"]))
        if eq["hint"]:
            pairs.append((eq["hint"], oq["hint"]))
        if eq["name"] != "language":
            pairs += [
                (a["label"], b["label"]) for a, b in zip(eq["options"], oq["options"], strict=True)
            ]
    same = [
        a
        for a, b in pairs
        if a == b and not re.search(r"\d", a) and (lang, a) not in SAME_AS_ENGLISH
    ]
    assert same == []


def test_thanks_uses_the_plural_form_of_each_language(client: TestClient) -> None:
    """Two days: Arabic takes its dual form, Romanian its "few" form, and so on."""
    for lang in LANGS:
        body = get_form(client, lang)["texts"]["thanks_body"]
        forms = form.THANKS_BODY
        expected = i18n.translations(lang).ngettext(forms[0], forms[1], 2).format(n=2)
        assert body == expected and "2" in body


def test_unknown_language_is_404(client: TestClient) -> None:
    r = client.get("/api/intake/form/xx")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_etag_and_revalidation(client: TestClient) -> None:
    r = client.get("/api/intake/form/ar")
    etag = r.headers["etag"]
    assert r.headers["cache-control"] == "no-cache"  # no personal data: it may be kept
    assert r.headers["content-language"] == "ar"
    again = client.get("/api/intake/form/ar", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/intake/form/fr", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_questions_are_lead_create_fields_with_the_domain_values(client: TestClient) -> None:
    body = get_form(client, "fr")
    names = [q["name"] for q in body["questions"]]
    assert set(names) <= set(LeadCreate.model_fields)
    assert {"first_name", "last_name", "phone", "email", "language", "commune"} <= set(names)
    assert {"sector", "project_stage", "needs", "call_time"} <= set(names)
    assert {q["name"] for q in body["markers"]} == set(MarkersIn.model_fields)
    values = {q["name"]: [o["value"] for o in q["options"]] for q in body["questions"]}
    assert values["language"] == [x.value for x in Language]
    assert values["project_stage"] == [x.value for x in ProjectStage]
    assert values["needs"] == [x.value for x in Need]
    assert values["call_time"] == [x.value for x in CallTime]
    markers = {q["name"]: [o["value"] for o in q["options"]] for q in body["markers"]}
    assert markers["gender"] == [x.value for x in Gender]
    assert markers["age_band"] == [x.value for x in AgeBand]
    assert markers["education_level"] == [x.value for x in Education]
    assert markers["migrant_background"] == [x.value for x in YesNo]
    # The language answers are written in their own language, whatever the form's.
    labels = [o["label"] for o in body["questions"][names.index("language")]["options"]]
    assert labels == [i18n.LANGUAGE_NAMES[x.value] for x in Language]


def test_every_icon_is_a_small_served_svg(client: TestClient) -> None:
    body = get_form(client, "en")
    icons = {o["icon"] for q in body["questions"] for o in q["options"] if o["icon"]}
    assert len(icons) >= 20
    for url in icons:
        path = PWA_DIR / url.lstrip("/")
        assert path.is_file() and path.stat().st_size < 400, url
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")


def test_consent_version_follows_the_text() -> None:
    """Editing the privacy notice or a consent must come with a new CONSENT_VERSION (then
    update CONSENT_SOURCE_SHA256 to the value this test prints)."""
    source = form.consent_sha256("en", form.Notice(*form.SOURCE_NOTICE_FIELDS))
    assert source == form.CONSENT_SOURCE_SHA256, source


def test_the_hash_covers_the_text_in_its_language_and_the_notice() -> None:
    n = form.Notice("Microstart", "dpo@example.org")
    assert form.consent_sha256("fr", n) != form.consent_sha256("nl", n)
    assert form.consent_sha256("fr", n) != form.consent_sha256("fr", form.Notice("X", "y@z"))
    assert "dpo@example.org" in form.consent_text("ar", n)


def test_a_client_builds_lead_create_from_the_definition(
    client: TestClient, world: World, db: Session
) -> None:
    """The hand-over mode's recipe of contract A, through the agent's REST create."""
    definition = get_form(client, "ar")
    answers: dict[str, Any] = {
        "first_name": "Fatima",
        "phone": "0470 12 34 56",
        "language": "ar",
        "commune": "1080 Molenbeek",
        "sector": "food",
        "needs": ["credit", "coaching"],
        "call_time": "evening",
    }
    fields = {
        q["name"]: answers[q["name"]] for q in definition["questions"] if q["name"] in answers
    }
    fields["markers"] = {"gender": "woman", "migrant_background": "yes"}
    consent = definition["consent"]
    fields["consent"] = {
        "purposes": ["contact", definition["markers_consent"]["purpose"]],
        "text_version": consent["version"],
        "text_sha256": consent["sha256"],
        "language": "ar",
        "channel": "self",
    }
    fields["channel"] = "coffee_stand"
    r = client.post("/api/leads", json=fields, headers=world.auth("agent"))
    assert r.status_code == 201, r.text
    lead = db.get(Lead, uuid.UUID(r.json()["id"]))
    assert lead is not None
    assert (lead.postcode, lead.commune, lead.call_time) == ("1080", "Molenbeek", "evening")
    stored = db.exec(select(Consent).where(Consent.lead_id == lead.id)).one()
    assert (stored.text_version, stored.language, stored.channel) == (
        form.CONSENT_VERSION,
        "ar",
        "self",
    )
    marker = db.get(LeadMarker, lead.id)
    assert marker is not None and marker.migrant_background == "yes"
