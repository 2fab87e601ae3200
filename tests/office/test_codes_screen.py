"""The QR-code screen in real Chromium: a coordinator makes a code for a place, prints its
sheet, a person scans it and sends the form, and the screen shows the scan, the form and
the lead it brought; stopping the code is shown too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from api.db import get_engine
from api.demo.seed import seed_demo
from tests.intake.helpers import answers, token_of
from tests.scratch import app_in_thread

pytestmark = pytest.mark.browser
PASSWORD = "terrain-demo"


@pytest.fixture(scope="module")
def demo(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_in_thread(live_database, tmp_path_factory.mktemp("codes-data")) as base_url:
        with Session(get_engine()) as session:
            seed_demo(session, leads=40)
        yield base_url


def _coordinator(browser: Browser, base_url: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url)
    page.fill("#login-email", "coordinator@demo.terrain")
    page.fill("#login-password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".lead-list-screen .result-count")
    page.errors = errors  # type: ignore[attr-defined]  # read back by the tests
    return page


def test_make_print_scan_and_see_what_a_code_brought(
    browser: Browser, demo: str, tmp_path: Path
) -> None:
    page = _coordinator(browser, demo, 1280)
    page.get_by_role("link", name="Codes QR").click()
    expect(page.get_by_role("heading", name="Codes QR", level=1)).to_be_visible()
    form = page.locator("form.new-code")
    form.get_by_label("À quoi ce code attribue-t-il les contacts ?").select_option("venue")
    place = form.get_by_label("Lequel ?")
    venue_name = place.locator("option").first.inner_text()
    form.get_by_label("Nom dans cette liste (facultatif)").fill("Comptoir de la boulangerie")
    form.get_by_label("Le formulaire s\u2019ouvre en").select_option("ar")
    form.get_by_role("button", name="Créer le code").click()

    row = page.locator(".code-card.code-new")
    expect(row).to_contain_text("Comptoir de la boulangerie")
    expect(row).to_contain_text(f"Attribue à {venue_name}")
    code = row.get_attribute("data-code")
    assert code
    page.screenshot(path=str(tmp_path / "codes-1280.png"), full_page=True)

    # The printable sheet opens in a new tab, in Arabic then Dutch, with its QR codes.
    with page.context.expect_page() as sheet_tab:
        row.get_by_role("link", name="Imprimer des flyers").click()
    sheet = sheet_tab.value
    sheet.wait_for_load_state()
    assert sheet.locator(f'img[src="/q/{code}.svg"]').count() == 4
    assert sheet.locator("html").get_attribute("lang") == "ar"

    # A person scans it (no JavaScript needed) and sends the form in Arabic.
    with httpx.Client(base_url=demo, follow_redirects=True) as person:
        form_page = person.get(f"/q/{code}")
        assert form_page.url.path == "/ar/intake"
        sent = person.post(
            "/ar/intake",
            data={"token": token_of(form_page.text), "c": code, **answers("ar")},
        )
        assert sent.status_code == 200 and "/ar/intake/thanks" in str(sent.url)

    page.reload()
    row = page.locator(f'.code-card[data-code="{code}"]')
    expect(row.locator("[data-count=scans]")).to_have_text("1")
    expect(row.locator("[data-count=submissions]")).to_have_text("1")
    row.get_by_text("Contacts apportés").click()
    expect(row).to_contain_text("Nouveau : 1")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Arrêter l\u2019attribution").click()
    row = page.locator(f'.code-card[data-code="{code}"]')
    expect(row).to_contain_text("Arrêté")
    expect(row.get_by_role("link", name="Imprimer des flyers")).to_have_count(0)
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_codes_screen_on_a_phone(browser: Browser, demo: str, tmp_path: Path) -> None:
    page = _coordinator(browser, demo, 390)
    page.goto(f"{demo}/#/office/codes")
    expect(page.get_by_role("button", name="Créer le code")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(tmp_path / "codes-390.png"), full_page=True)
    assert width <= 390 + 1, "the page scrolls sideways on a phone"
    assert page.errors == []  # type: ignore[attr-defined]
