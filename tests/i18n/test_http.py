"""The request language through the real app: negotiation, headers, translated errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import PASSWORD, World


def _wrong_login(client: TestClient, language: str) -> dict[str, object]:
    r = client.post(
        "/api/auth/token",
        data={"username": "agent@test.terrain", "password": PASSWORD + "!"},
        headers={"Accept-Language": language},
    )
    assert r.status_code == 401, r.text
    assert r.headers["content-language"] == language.split(",")[0][:2]
    body: dict[str, object] = r.json()
    assert body["error"] == "invalid_credentials"
    return body


def test_content_language_and_vary_follow_accept_language(client: TestClient) -> None:
    r = client.get("/healthz", headers={"Accept-Language": "nl;q=0.5, ar;q=0.9"})
    assert r.headers["content-language"] == "ar"
    assert "Accept-Language" in r.headers["vary"]
    assert client.get("/healthz").headers["content-language"] == "fr"
    r = client.get("/healthz", headers={"Accept-Language": "zh, de-AT;q=0.7, en;q=0.6"})
    assert r.headers["content-language"] == "de"


def test_app_error_is_translated_per_request(client: TestClient, world: World) -> None:
    assert _wrong_login(client, "fr")["detail"] == "Adresse e-mail ou mot de passe incorrect."
    assert _wrong_login(client, "nl-BE")["detail"] == "Verkeerd e-mailadres of wachtwoord."


def test_public_app_error_in_arabic(client: TestClient) -> None:
    r = client.get("/api/me", headers={"Accept-Language": "ar, fr;q=0.8"})
    assert r.status_code == 401
    assert r.headers["content-language"] == "ar"
    assert r.json() == {"error": "not_authenticated", "detail": "يرجى تسجيل الدخول من جديد."}


def test_validation_errors_are_translated(client: TestClient) -> None:
    expected = {
        "fr": ("Certains champs ne sont pas valides.", "Ce champ est obligatoire."),
        "nl": ("Sommige velden zijn niet geldig.", "Dit veld is verplicht."),
        "ar": ("بعض الحقول غير صالحة.", "هذا الحقل مطلوب."),
        "en": ("Some fields are not valid.", "This field is required."),
    }
    for language, (detail, message) in expected.items():
        r = client.post(
            "/api/auth/token",
            data={"username": "someone@test.terrain"},
            headers={"Accept-Language": language},
        )
        assert r.status_code == 422
        body = r.json()
        assert body["error"] == "validation_error"
        assert body["detail"] == detail
        assert body["fields"] == [{"loc": ["password"], "code": "missing", "message": message}]


def test_validation_placeholders_are_filled_in_the_translation(client: TestClient) -> None:
    r = client.post(
        "/api/auth/token",
        data={"username": "x" * 300, "password": "p"},
        headers={"Accept-Language": "fr"},
    )
    assert r.status_code == 422
    (field,) = r.json()["fields"]
    assert field["message"] == "Trop long : le nombre maximum de caractères est 254."


def test_profile_language_beats_accept_language(
    client: TestClient, world: World, db: Session
) -> None:
    world.agent.language = "nl"
    db.add(world.agent)
    db.commit()
    r = client.get(
        "/api/admin/devices", headers={**world.auth("agent"), "Accept-Language": "fr, en"}
    )
    assert r.status_code == 403
    assert r.headers["content-language"] == "nl"
    assert r.json()["detail"] == "Je hebt geen toestemming om dit te doen."


def test_explicit_cookie_choice_beats_the_profile(
    client: TestClient, world: World, db: Session
) -> None:
    world.agent.language = "nl"
    db.add(world.agent)
    db.commit()
    client.cookies.set("terrain_lang", "fr")
    r = client.get("/api/admin/devices", headers=world.auth("agent"))
    assert r.headers["content-language"] == "fr"
    assert r.json()["detail"] == "Vous n'avez pas l'autorisation de faire cela."


def test_staff_profile_outside_the_staff_tier_uses_the_staff_header_language(
    client: TestClient, world: World, db: Session
) -> None:
    world.agent.language = "ar"
    db.add(world.agent)
    db.commit()
    r = client.get(
        "/api/admin/devices",
        headers={**world.auth("agent"), "Accept-Language": "nl;q=0.5, ar;q=0.9"},
    )
    assert r.headers["content-language"] == "nl"
