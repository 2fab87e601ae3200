"""The public form in real Chromium: Arabic right to left (measured), the enhanced one-question-
per-screen flow, a submission held offline and sent once, axe-core in fr, nl and ar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, func, select
from sqlmodel import Session, col

import i18n
from api.db import get_engine
from api.intake import form
from api.intake.models import IntakeHit
from api.leads.models import Lead
from api.users.models import Organisation, Team
from sync.sqltypes import utcnow
from tests.scratch import app_in_thread
from tests.support.axe import violations

pytestmark = pytest.mark.browser

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


@dataclass
class Site:
    base_url: str
    since: datetime = field(default_factory=utcnow)

    def leads(self) -> list[Lead]:
        """The self-intakes of the running test."""
        with Session(get_engine()) as session:
            query = select(Lead).where(
                col(Lead.channel) == "self_intake", col(Lead.created_at) >= self.since
            )
            return list(session.execute(query).scalars())

    def hits(self) -> int:
        with Session(get_engine()) as session:
            return int(session.execute(select(func.count()).select_from(IntakeHit)).scalar_one())


@pytest.fixture(scope="module")
def site(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with app_in_thread(live_database, tmp_path_factory.mktemp("intake-web")) as base_url:
        with Session(get_engine()) as session:
            org = Organisation(name="Intake browser test")
            session.add(org)
            session.flush()
            session.add(Team(organisation_id=org.id, name="Queue"))
            session.commit()
        yield Site(base_url)


@pytest.fixture(autouse=True)
def fresh_limits(site: Site) -> None:
    """Every browser submission comes from 127.0.0.1: each test starts with no hits."""
    with Session(get_engine()) as session:
        session.execute(delete(IntakeHit))
        session.commit()
    site.since = utcnow()


def open_page(browser: Browser, url: str, viewport: dict[str, int]) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    return page, errors


def texts(lang: str) -> dict[str, str]:
    t = form.Translated(lang)
    return {key: t(msgid) for key, msgid in form.TEXTS.items()}


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def text_box(page: Page, selector: str) -> dict[str, float]:
    """Where the text itself sits (not its block): a range over the element's first text."""
    found: dict[str, float] = page.eval_on_selector(
        selector,
        """(el) => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            const range = document.createRange();
            range.selectNodeContents(walker.nextNode());
            const r = range.getBoundingClientRect();
            return {x: r.x, width: r.width};
        }""",
    )
    return found


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_arabic_is_laid_out_right_to_left(browser: Browser, site: Site, lang: str) -> None:
    page, errors = open_page(browser, f"{site.base_url}/{lang}/intake", LAPTOP)
    assert page.evaluate("getComputedStyle(document.body).direction") == (
        "rtl" if lang == "ar" else "ltr"
    )
    label, field_ = text_box(page, "label[for=f-first_name]"), box(page, "#f-first_name")
    radio, words = box(page, "#f-sector-0"), box(page, "#q-project_stage .option span")
    option = box(page, "#f-language-0")
    option_text = box(page, "label:has(#f-language-0) span")
    if lang == "ar":
        # The label's text ends where the input ends, on the right; options read from the right.
        assert abs((label["x"] + label["width"]) - (field_["x"] + field_["width"])) < 2
        assert label["x"] > field_["x"] + field_["width"] / 2
        assert option["x"] > option_text["x"]
        first_tile, second_tile = box(page, "#f-sector-0"), box(page, "#f-sector-1")
        assert first_tile["x"] > second_tile["x"]
    else:
        assert abs(label["x"] - field_["x"]) < 2
        assert option["x"] < option_text["x"]
        assert box(page, "#f-sector-0")["x"] < box(page, "#f-sector-1")["x"]
    assert radio["width"] >= 20 and words["height"] > 0
    assert errors == [] and page.evaluate("window.__cspViolations") == []


# CSS px: WCAG 2.5.5 target size, what a thumb on a cheap phone needs.
TAP = 44
TAP_AREAS = """() => [...document.querySelectorAll(
  '.langs a, .option, input[type=text], input[type=tel], input[type=email], textarea,'
  + ' button, a.button')]
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => {
    const r = el.getBoundingClientRect();
    return {what: el.id || el.className || el.textContent.trim(), width: r.width, height: r.height};
  })"""
TILES = """() => [...document.querySelectorAll('.tiles .option')].map((el) => ({
  what: el.querySelector('input').id,
  icon: el.querySelector('svg.icon')?.getBoundingClientRect().width ?? 0,
  words: el.querySelector('span')?.textContent.trim() ?? '',
  wordsHeight: el.querySelector('span')?.getBoundingClientRect().height ?? 0,
}))"""


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_big_tap_targets_and_icons_with_words_on_a_phone(
    browser: Browser, site: Site, lang: str
) -> None:
    """Every control a prospect touches (language picker, answers, fields, buttons) is at
    least 44 px both ways on a 390 px phone, with and without the script; every answer
    tile shows its icon and its words."""
    for path, javascript, least in (
        ("intake", False, 50),
        ("intake", True, 12),
        ("intake/thanks", False, 11),
    ):
        context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)  # type: ignore[arg-type]
        page = context.new_page()
        page.goto(f"{site.base_url}/{lang}/{path}")
        areas = page.evaluate(TAP_AREAS)
        assert len(areas) >= least, (path, javascript, areas)
        small = [a for a in areas if a["width"] < TAP or a["height"] < TAP]
        assert small == [], (path, javascript)
        if path == "intake" and not javascript:
            tiles = page.evaluate(TILES)
            assert len(tiles) == sum(
                len(q.options) for q in form.QUESTIONS if q.options and q.options[0].icon
            )
            assert [
                t for t in tiles if t["icon"] < 32 or not t["words"] or t["wordsHeight"] < 16
            ] == []
            # The measure can fail: squeeze the answers and they are reported.
            page.evaluate(
                "for (const o of document.querySelectorAll('.option'))"
                " Object.assign(o.style, {minBlockSize: '0', padding: '0'})"
            )
            assert [a for a in page.evaluate(TAP_AREAS) if a["height"] < TAP] != []
        context.close()


def test_enhanced_flow_one_question_per_screen(browser: Browser, site: Site) -> None:
    page, errors = open_page(browser, f"{site.base_url}/fr/intake", PHONE)
    t = texts("fr")
    total = len(form.QUESTIONS) + 2  # the markers block, then the notice and the send button
    step = page.locator("#step-label")
    expect(step).to_have_text(t["step"].format(n=1, total=total))
    expect(page.locator("#q-phone")).to_be_hidden()
    expect(page.get_by_role("button", name=t["back"])).to_be_hidden()
    next_ = page.get_by_role("button", name=t["next"])
    # A required question is checked before moving on, beside the field, in French.
    next_.click()
    expect(page.locator("#e-first_name")).to_have_text(
        i18n.translations("fr").gettext("Please answer this question.")
    )
    page.fill("#f-first_name", "Yasmina")
    next_.click()
    expect(step).to_have_text(t["step"].format(n=2, total=total))
    next_.click()  # last name: optional
    page.fill("#f-phone", "0485 11 22 33")
    next_.click()
    next_.click()  # e-mail: a phone is enough
    expect(page.locator("#q-language")).to_be_visible()
    expect(page.locator("#f-language-0")).to_be_checked()  # the page's language
    while page.locator("#q-sector").is_hidden():
        next_.click()
    page.locator("label:has(#f-sector-2)").click()
    while page.locator(".final").is_hidden():
        next_.click()
    expect(step).to_have_text(t["step"].format(n=total, total=total))
    expect(next_).to_be_hidden()
    # Sending without the contact consent: the server's answer, shown on this screen.
    page.get_by_role("button", name=t["send"]).click()
    expect(page.locator("#e-consent")).to_be_visible()
    page.locator("label:has(#f-consent-0)").click()
    page.get_by_role("button", name=t["send"]).click()
    page.wait_for_url(f"{site.base_url}/fr/intake/thanks")
    expect(page.locator("h1")).to_have_text(t["thanks_title"])
    [lead] = site.leads()
    assert (lead.first_name, lead.phone, lead.sector, lead.language) == (
        "Yasmina",
        "+32485112233",
        "retail",
        "fr",
    )
    # The refused first send is the only failed request (its 422 shows in the console).
    assert [e for e in errors if "status of 422" not in e] == []
    assert page.evaluate("window.__cspViolations") == []


def test_a_submission_is_held_offline_and_sent_once(browser: Browser, site: Site) -> None:
    page, errors = open_page(browser, f"{site.base_url}/ar/intake", LAPTOP)
    t = texts("ar")
    page.fill("#f-first_name", "فاطمة")
    page.fill("#f-phone", "0470 99 88 77")
    page.locator("label:has(#f-needs-0)").click()
    page.locator("label:has(#f-consent-0)").click()
    page.context.set_offline(True)
    page.get_by_role("button", name=t["send"]).click()
    expect(page.locator(".status")).to_have_text(t["offline"])
    held = json.loads(page.evaluate("localStorage.getItem('terrain-intake-outbox')"))
    assert held["action"].endswith("/ar/intake") and "first_name=" in held["body"]
    assert site.leads() == []
    page.context.set_offline(False)  # the browser fires `online`: the answers go by themselves
    page.wait_for_url(f"{site.base_url}/ar/intake/thanks")
    expect(page.locator("h1")).to_have_text(t["thanks_title"])
    assert page.evaluate("localStorage.getItem('terrain-intake-outbox')") is None
    [lead] = site.leads()
    assert (lead.first_name, lead.needs, lead.language) == ("فاطمة", ["credit"], "ar")
    assert site.hits() == 1
    # The one failed request is the send attempted offline; no script error.
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


@pytest.mark.parametrize("lang", ["fr", "nl", "ar"])
def test_axe_finds_no_violations(browser: Browser, site: Site, lang: str) -> None:
    for viewport in (LAPTOP, PHONE):
        page, _errors = open_page(browser, f"{site.base_url}/{lang}/intake", viewport)
        assert violations(page) == [], (lang, viewport)
        if viewport is LAPTOP:
            # With every question's errors shown (the enhanced form's rendering of them).
            page.get_by_role("button", name=texts(lang)["send"]).click()
            page.locator(".summary").wait_for()
            assert violations(page) == [], (lang, "errors")
        page.context.close()
    page, _errors = open_page(browser, f"{site.base_url}/{lang}/intake/thanks", PHONE)
    assert violations(page) == [], (lang, "thanks")
    page.context.close()


def test_axe_would_see_a_missing_label(browser: Browser, site: Site) -> None:
    """The check above can fail: take a label away and axe reports it."""
    page, _errors = open_page(browser, f"{site.base_url}/fr/intake", LAPTOP)
    page.evaluate("document.querySelector('label[for=f-first_name]').remove()")
    assert "label" in {v["id"] for v in violations(page)}
    page.context.close()
