"""The web app's first screens in Chromium: log in, leads list, lead detail, log out;
translations, output encoding and the Content-Security-Policy."""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, Response, expect

from api.vocab import STATUS_TRANSITIONS, LeadStatus, Role
from tests.conftest import PASSWORD
from tests.web.conftest import Live, Watched, log_in

pytestmark = pytest.mark.browser

XSS_FIRST_NAMES = ["<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>"]
XSS_OTHER = '"><svg onload=window.__xss=1>'


def brussels_date(iso: str, locale: str) -> str:
    """What the list should show for a UTC timestamp: the Brussels day, medium format."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(
        ZoneInfo("Europe/Brussels")
    )
    return format_date(moment.date(), format="medium", locale=locale)


def lead_rows(page: Page) -> list[str]:
    return page.locator(".lead-row .lead-name").all_text_contents()


def test_log_in_work_on_a_lead_and_log_out(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person(name="Claire Dubois")
    zeynep = live.create_lead(
        person, "Zeynep", last_name="Yilmaz", commune="Schaerbeek", channel="shop_visit"
    )
    live.create_lead(person, "Jan", last_name="Peeters", commune="Anderlecht")
    live.create_lead(person, "Fatou", last_name="Diop", email="fatou@example.org")

    page.goto(live.base_url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Se connecter")
    page.fill("#login-email", person.email)
    page.fill("#login-password", "not the password")
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")

    log_in(page, person)
    expect(page.locator(".who-name")).to_have_text("Claire Dubois")
    expect(page.locator(".who-role")).to_have_text("Coordinateur·rice")
    expect(page.locator(".result-count")).to_have_text("3 contacts")
    assert sorted(lead_rows(page)) == ["Fatou Diop", "Jan Peeters", "Zeynep Yilmaz"]
    row = page.locator(".lead-row", has_text="Zeynep Yilmaz")
    expect(row.locator(".lead-commune")).to_have_text("Schaerbeek")
    expect(row.locator(".lead-channel")).to_have_text("Visite de commerce")
    expect(row.locator(".badge")).to_have_text("Nouveau")
    expect(row.locator("time")).to_have_text(brussels_date(zeynep["created_at"], "fr_BE"))

    page.fill("#lead-q", "zeyn")
    page.keyboard.press("Enter")
    expect(page.locator(".result-count")).to_have_text("1 contact")
    assert lead_rows(page) == ["Zeynep Yilmaz"]
    assert "zeyn" not in page.url  # a name typed in the search never goes into the address

    row.click()
    expect(page).to_have_url(f"{live.base_url}/#/office/leads/{zeynep['id']}")
    expect(page.locator("h1")).to_have_text("Zeynep Yilmaz")
    expect(page.locator(".lead-status .badge")).to_have_text("Nouveau")
    expect(page.locator(".fields a[href^='tel:']")).to_have_text("+32470123456")
    # The first follow-up every lead gets ("call within 48 h").
    expect(page.locator(".followup")).to_have_count(1)

    options = page.locator("select[name=status] option").evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)"
    )
    assert set(options) == {s.value for s in STATUS_TRANSITIONS[LeadStatus.new]}
    page.select_option("select[name=status]", "contacted")
    page.fill("textarea[name=comment]", "Appelée ce matin")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.locator(".lead-head .notice")).to_have_text("Statut changé en « Contacté ».")
    expect(page.locator(".lead-status .badge")).to_have_text("Contacté")
    change = page.locator(".event", has_text="Changement de statut")
    expect(change.locator(".event-change")).to_have_text("De « Nouveau » à « Contacté »")
    expect(change.locator(".event-body")).to_have_text("Appelée ce matin")
    assert live.get(f"/api/leads/{zeynep['id']}", person)["status"] == "contacted"

    note = "Rappeler lundi, <b>pas</b> avant 10 h\nelle préfère le néerlandais"
    page.fill("textarea[name=body]", note)
    page.get_by_role("button", name="Ajouter la note").click()
    expect(page.locator(".lead-head .notice")).to_have_text("Note ajoutée.")
    expect(page.locator(".event", has_text="Note").locator(".event-body")).to_have_text(note)
    detail = live.get(f"/api/leads/{zeynep['id']}", person)
    assert [(i["kind"], i["body"]) for i in detail["timeline"] if i["kind"] == "note"] == [
        ("note", note)
    ]

    # A reload keeps the session (sessionStorage) and the screen (the hash).
    page.reload()
    expect(page.locator("h1")).to_have_text("Zeynep Yilmaz")

    page.get_by_role("link", name="Tous les contacts").click()
    expect(page.locator(".result-count")).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('terrain.token')")
    assert token
    assert live.http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).is_success

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("h1")).to_have_text("Se connecter")
    expect(page.locator(".login .notice")).to_have_text("Vous êtes déconnecté·e.")
    assert page.evaluate("sessionStorage.getItem('terrain.token')") is None
    revoked = live.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    page.reload()
    expect(page.locator("h1")).to_have_text("Se connecter")
    watched.assert_clean()


def test_payloads_in_lead_fields_render_as_text(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person()
    leads = [
        live.create_lead(person, name, last_name=XSS_OTHER, commune=XSS_FIRST_NAMES[0])
        for name in XSS_FIRST_NAMES
    ]
    page.goto(live.base_url)
    log_in(page, person)
    expect(page.locator(".lead-row")).to_have_count(2)
    assert sorted(lead_rows(page)) == sorted(f"{n} {XSS_OTHER}" for n in XSS_FIRST_NAMES)
    assert page.locator(".lead-commune").all_text_contents() == [XSS_FIRST_NAMES[0]] * 2

    for lead in leads:
        page.goto(f"{live.base_url}/#/office/leads/{lead['id']}")
        expect(page.locator("h1")).to_have_text(f"{lead['first_name']} {XSS_OTHER}")
        page.fill("textarea[name=body]", XSS_FIRST_NAMES[1])
        page.get_by_role("button", name="Ajouter la note").click()
        expect(page.locator(".event-body")).to_have_text(XSS_FIRST_NAMES[1])
        assert page.title().startswith(lead["first_name"])

    # Nothing the payloads describe exists as an element, and nothing ran.
    main = page.locator("#main")
    assert main.locator("img, script, svg").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.goto(f"{live.base_url}/#/office/leads")
    expect(page.locator(".lead-row")).to_have_count(2)
    assert main.locator("img, script, svg").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    watched.assert_clean()


def test_csp_header_and_no_violation(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person()
    lead = live.create_lead(person, "Amina")
    scripts: list[Response] = []
    page.on(
        "response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None
    )

    response = page.goto(live.base_url)
    assert response is not None
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    log_in(page, person)
    page.locator(".lead-row").first.click()
    expect(page.locator("h1")).to_have_text("Amina")
    assert scripts and all("content-security-policy" in r.headers for r in scripts)
    watched.assert_clean()
    assert lead["id"] in page.url

    # The watch itself works: an inline script is refused, reported, and does not run.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__inline = 1'; document.body.append(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("typeof window.__inline") == "undefined"
    assert any(v.startswith("script-src") for v in watched.csp_violations())


def test_dutch_when_the_picker_says_nl(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person(name="Jan Janssens", role=Role.coordinator)
    lead = live.create_lead(person, "Sanne", commune="Antwerpen", channel="info_session")
    page.goto(live.base_url)
    expect(page.locator("h1")).to_have_text("Se connecter")
    page.select_option(".language-picker select", "nl")
    expect(page.locator("h1")).to_have_text("Aanmelden")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert page.locator(".language-picker option").all_text_contents() == [
        "Français",
        "Nederlands",
        "English",
    ]
    # The server answers in the language picked, too.
    page.fill("#login-email", person.email)
    page.fill("#login-password", "not the password")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("alert")).to_have_text("Verkeerd e-mailadres of wachtwoord.")

    log_in(page, person)  # the profile says French; the explicit choice wins
    expect(page.locator("h1")).to_have_text("Contacten")
    expect(page.locator(".who-role")).to_have_text("Coördinator")
    expect(page.locator(".result-count")).to_have_text("1 contact")
    row = page.locator(".lead-row")
    expect(row.locator(".badge")).to_have_text("Nieuw")
    expect(row.locator(".lead-channel")).to_have_text("Infosessie")
    expect(row.locator("time")).to_have_text(brussels_date(lead["created_at"], "nl_BE"))
    expect(page.get_by_label("Zoeken op naam, telefoon of e-mail")).to_be_visible()

    page.reload()
    expect(page.locator("h1")).to_have_text("Contacten")
    page.select_option(".app-header .language-picker select", "en")
    expect(page.locator("h1")).to_have_text("Leads")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".lead-row .badge")).to_have_text("New")
    watched.assert_clean()


def test_status_filter_and_pages(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person()
    leads = [live.create_lead(person, f"Personne{n:02d}") for n in range(53)]
    for lead in leads[:2]:
        changed = live.http.post(
            f"/api/leads/{lead['id']}/status",
            json={"status": "qualified"},
            headers=person.headers(),
        )
        assert changed.status_code == 200, changed.text

    page.goto(live.base_url)
    log_in(page, person)
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^53\D+contacts$"))
    expect(page.locator(".lead-row")).to_have_count(50)
    expect(page.locator(".pager-where")).to_have_text("Page 1 sur 2")
    expect(page.get_by_role("button", name="Page précédente")).to_be_disabled()
    first_page = set(lead_rows(page))
    page.get_by_role("button", name="Page suivante").click()
    expect(page.locator(".pager-where")).to_have_text("Page 2 sur 2")
    expect(page.locator(".lead-row")).to_have_count(3)
    assert first_page.isdisjoint(lead_rows(page))
    assert first_page | set(lead_rows(page)) == {lead["first_name"] for lead in leads}
    expect(page.get_by_role("button", name="Page suivante")).to_be_disabled()

    page.select_option("#lead-status", "qualified")
    expect(page.locator(".result-count")).to_have_text("2 contacts")
    assert sorted(lead_rows(page)) == ["Personne00", "Personne01"]
    expect(page.locator(".pager")).to_have_count(0)
    page.fill("#lead-q", "Personne01")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator(".result-count")).to_have_text("1 contact")
    page.fill("#lead-q", "nobody by this name")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator(".empty")).to_have_text("Aucun contact ne correspond à cette recherche.")
    watched.assert_clean()


def test_throttled_log_in_says_when_to_try_again(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person()
    page.goto(live.base_url)
    try:
        page.fill("#login-email", person.email)
        for attempt in range(5):
            page.fill("#login-password", f"wrong password {attempt}")
            page.locator("form button[type=submit]").click()
            expect(page.get_by_role("alert")).to_have_text(
                "Adresse e-mail ou mot de passe incorrect."
            )
            expect(page.locator("form button[type=submit]")).to_be_enabled()
        page.fill("#login-password", PASSWORD)  # right, but too late
        page.locator("form button[type=submit]").click()
        expect(page.get_by_role("alert")).to_have_text(
            "Trop de tentatives. Attendez un peu et réessayez. "
            "Vous pourrez réessayer dans 15 minutes."
        )
        assert page.evaluate("sessionStorage.getItem('terrain.token')") is None
    finally:
        live.forget_login_failures()


def test_expired_session_goes_back_to_log_in(live: Live, watched: Watched) -> None:
    page = watched.page
    live.forget_login_failures()
    person = live.new_person()
    page.goto(live.base_url)
    log_in(page, person)
    token = page.evaluate("sessionStorage.getItem('terrain.token')")
    live.http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    page.fill("#lead-q", "x")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Se connecter")
    expect(page.locator(".login .notice")).to_have_text("Veuillez vous reconnecter.")
    assert page.evaluate("sessionStorage.getItem('terrain.token')") is None
    assert not page.locator(".app-header").is_visible()


def test_status_transitions_mirror_the_server(live: Live, watched: Watched) -> None:
    page = watched.page
    page.goto(live.base_url)
    mirrored = page.evaluate(
        "import('/js/app/vocab.js').then(m => ({t: m.STATUS_TRANSITIONS, s: m.STATUSES}))"
    )
    assert mirrored["s"] == [s.value for s in LeadStatus]
    assert {k: set(v) for k, v in mirrored["t"].items()} == {
        k.value: {s.value for s in v} for k, v in STATUS_TRANSITIONS.items()
    }


def test_first_load_weight(
    live: Live, watched: Watched, capsys: pytest.CaptureFixture[str]
) -> None:
    """P5: gzip size of the JavaScript and CSS the first load fetches (printed, not asserted)."""
    page = watched.page
    loaded: list[Response] = []
    page.on("response", lambda r: loaded.append(r))
    page.goto(live.base_url)
    expect(page.locator("#login-email")).to_be_visible()
    page.wait_for_load_state("networkidle")
    sizes: dict[str, list[tuple[str, int, int]]] = {"script": [], "stylesheet": []}
    for response in loaded:
        kind = response.request.resource_type
        if kind in sizes and response.ok:
            body = response.body()
            path = response.url.removeprefix(live.base_url)
            sizes[kind].append((path, len(body), len(gzip.compress(body, compresslevel=9))))
    assert sizes["script"] and sizes["stylesheet"]
    with capsys.disabled():
        print("\nP5 first load of the web app (bytes: raw / gzip -9)")
        for kind, files in sizes.items():
            for path, raw, packed in sorted(files):
                print(f"  {path:<32} {raw:>7} {packed:>7}")
            total_raw = sum(f[1] for f in files)
            total_gz = sum(f[2] for f in files)
            print(f"  {kind + ' total':<32} {total_raw:>7} {total_gz:>7}")
