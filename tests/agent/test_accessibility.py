"""WCAG 2.2 AA on every agent screen (issue 9): axe-core finds 0 violations in French and in
the Arabic hand-over; at 320 px wide nothing needs a sideways scroll; at 360 px every tab
label shows whole in French and Dutch (the longest); every tap target is at least 44 px and
the keyboard focus always shows; at 200 % text every screen still fits the phone, with the
lock button and every tab label whole, under a compact top bar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from api.vocab import Role
from tests.agent.conftest import Phone, agent
from tests.conftest import PASSWORD
from tests.web.conftest import Live

pytestmark = pytest.mark.browser


def clean(phone: Phone, where: str, found: dict[str, Any]) -> None:
    """Record the violations of the screen on show, and any sideways scroll at this width."""
    violations = phone.axe()
    if violations:
        found[where] = violations
    width = phone.p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if width > 0:
        found[f"{where} (scrolls sideways by {width}px)"] = []


# The agent's main screens (Today first), each with what shows once it is drawn.
MAIN_SCREENS = [
    ("#/today", ".today h1"),
    ("#/stand", "form"),
    ("#/visit", "form"),
    ("#/leads", ".result-count"),
    ("#/leads/new", "form"),
    ("#/outbox", ".sync-panel"),
    ("#/settings", ".settings-extra"),
]
HANDOVER = ("#/handover", ".language-grid")


def each_screen(phone: Phone, screens: list[tuple[str, str]]) -> Iterator[str]:
    """Open each screen in turn and wait until it is drawn; yields its route."""
    for route, ready in screens:
        phone.go(route)
        expect(phone.p.locator(f"#main {ready}").first).to_be_attached()
        yield route


@pytest.mark.parametrize("width", [390, 320])
def test_no_violation_on_any_agent_screen(live: Live, phone: Phone, width: int) -> None:
    phone.viewport = {"width": width, "height": 800}
    person = agent(live)
    page = phone.open()
    found: dict[str, Any] = {}
    clean(phone, "log in", found)
    phone.live.forget_login_failures()
    page.fill("#login-email", person.email)
    page.fill("#login-password", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("input[name=pin]")).to_be_visible()
    clean(phone, "choose the PIN", found)
    page.fill("input[name=pin]", "482916")
    page.fill("input[name=pin-again]", "482916")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".today h1")).to_be_visible()
    phone.wait_forms_cached()
    clean(phone, "today", found)

    for route in each_screen(phone, [*MAIN_SCREENS[1:], HANDOVER, ("#/relogin", "form")]):
        clean(phone, route, found)

    phone.go("#/stand")
    page.get_by_label("Commune ou quartier").fill("Schaerbeek")
    page.get_by_role("button", name="Commencer la session").click()
    expect(page.locator(".tallies")).to_be_visible()
    page.locator(".tally-coffees .tally-plus").click()
    clean(phone, "stand mode", found)
    form = page.locator("form.quick-lead")
    form.get_by_label("Prénom").fill("Nadia")
    form.get_by_label("Téléphone").fill("0470 12 34 99")
    form.get_by_label("Prénom").fill("Nadia")
    form.get_by_role("button", name="Enregistrer le contact").click()
    expect(form.locator(".form-problems")).not_to_be_empty()
    clean(phone, "quick lead with a problem", found)
    form.get_by_label(page.locator("form.quick-lead .check label").inner_text()).check()
    form.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".saved-leads")).to_contain_text("Nadia")
    page.locator(".saved-leads a").first.click()
    expect(page.locator(".lead-head h1")).to_have_text("Nadia")
    page.locator("details.disclosure summary").first.click()
    clean(phone, "lead", found)
    page.get_by_role("link", name="Modifier les informations").click()
    expect(page.locator("#main form").first).to_be_visible()
    clean(phone, "edit lead", found)
    phone.go("#/stand")
    page.get_by_role("button", name="Terminer la session").click()
    expect(page.locator("h1")).to_have_text("Bilan de la session")
    clean(phone, "session summary", found)
    page.get_by_role("button", name="Verrouiller").click()
    expect(page.locator("input[name=pin]")).to_be_visible()
    clean(phone, "lock", found)
    assert found == {}


# Each tab's label box against its tab: cut (ellipsis or overflow) or outside the tab.
_CUT_LABELS = """() => [...document.querySelectorAll('#tab-bar .tab')].flatMap((tab) => {
  const label = tab.querySelector('.tab-label');
  const box = label.getBoundingClientRect(), outer = tab.getBoundingClientRect();
  const cut = label.scrollWidth > label.clientWidth || label.scrollHeight > label.clientHeight
    || box.left < outer.left || box.right > outer.right || box.bottom > outer.bottom;
  return cut ? [label.textContent] : [];
})"""


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_tab_label_shows_whole_at_360_px(
    live: Live, phone: Phone, language: str, tmp_path: Path
) -> None:
    phone.viewport = {"width": 360, "height": 740}
    person = live.new_person(name="Amina Diallo", role=Role.agent, language=language)
    page = phone.open()
    phone.log_in(person)
    labels = page.locator("#tab-bar .tab-label")
    expect(labels).to_have_count(5)
    assert "Today" not in labels.all_inner_texts()  # the app speaks the agent's language
    for route in ("#/today", "#/stand", "#/leads", "#/outbox", "#/settings"):
        phone.go(route)  # each tab current in turn
        expect(page.locator("#tab-bar [aria-current=page]")).to_have_count(1)
        assert page.evaluate(_CUT_LABELS) == [], (language, route, labels.all_inner_texts())
    page.locator("#tab-bar").screenshot(path=tmp_path / f"tab-bar-{language}-360.png")


# At 200 % text: what runs off the phone's width, what is cut, and how much of the height the
# top bar and the tab bar take.
_AT_LARGE_TEXT = """() => {
  const problems = [];
  const sideways = document.documentElement.scrollWidth - innerWidth;
  if (sideways > 0) problems.push(`page scrolls sideways by ${sideways}px`);
  for (const e of document.querySelectorAll('#app-header > *')) {
    const box = e.getBoundingClientRect();
    const out = box.left < 0 || box.right > innerWidth;
    if (box.width && out) problems.push(`off screen: ${e.className}`);
  }
  for (const label of document.querySelectorAll('#tab-bar .tab-label')) {
    if (label.scrollWidth > label.clientWidth || label.scrollHeight > label.clientHeight + 1) {
      problems.push(`tab label cut: ${label.textContent}`);
    }
  }
  const chrome = document.querySelector('#app-header').offsetHeight
    + document.querySelector('#tab-bar').offsetHeight;
  if (chrome > innerHeight / 4) problems.push(`bars take ${chrome}px of ${innerHeight}px`);
  return problems;
}"""


def test_every_screen_at_200_percent_text(live: Live, phone: Phone) -> None:
    """Text at 200 % (the root font size doubled, as a phone's text-size setting does) on a
    390 px phone. At normal size the top bar takes a tenth of the height at most."""
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    header = page.locator("#app-header").bounding_box()
    assert header is not None and header["height"] <= phone.viewport["height"] / 10
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    found: dict[str, list[str]] = {}
    for route in each_screen(phone, [*MAIN_SCREENS, HANDOVER]):
        problems: list[str] = page.evaluate(_AT_LARGE_TEXT)
        if problems:
            found[route] = problems
    assert found == {}
    # The lock button is still there to press, and the app still speaks to the thumb.
    page.get_by_role("button", name="Verrouiller", exact=True).click()
    expect(page.locator("input[name=pin]")).to_be_visible()


# The element the keyboard is on, and whether a focus ring shows on it (a chip's radio or
# checkbox is invisible: its ring is drawn on the chip around it).
_FOCUS_RING = """() => {
  const e = document.activeElement;
  // A heading a screen focuses as it draws (tabindex -1, no ring by design) is no Tab stop.
  if (!e || e === document.body || e.getAttribute('tabindex') === '-1') return null;
  const ringed = e.classList.contains('chip-input') ? e.closest('.chip') : e;
  const style = getComputedStyle(ringed);
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const text = (e.textContent || e.name || '').slice(0, 30);
  return {what: `${e.tagName}.${e.className} ${text}`, ring};
}"""


def test_the_keyboard_focus_is_always_visible(live: Live, phone: Phone) -> None:
    """Tab through the agent's main screens: every stop shows a focus ring (WCAG 2.4.7)."""
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    unringed: dict[str, list[str]] = {}
    for route in each_screen(phone, MAIN_SCREENS):
        page.locator("#main h1").first.focus()
        for _ in range(12):
            page.keyboard.press("Tab")
            stop = page.evaluate(_FOCUS_RING)
            if stop and not stop["ring"]:
                unringed.setdefault(route, []).append(stop["what"])
    assert unringed == {}


# Everything a thumb can tap that is smaller than 44 px either way. A chip's radio button is
# counted as the chip; checkboxes are left out (their label takes the tap as well).
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, select, input, textarea, summary, label.chip')]
  .filter((e) => e.type !== 'checkbox' && e.type !== 'radio' && e.type !== 'hidden')
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([, b]) => b.width < 44 || b.height < 44)
  .map(([e, b]) => `${e.tagName}.${e.className} ${Math.round(b.width)}x${Math.round(b.height)}`)"""


def test_every_tap_target_is_at_least_44_px(live: Live, phone: Phone) -> None:
    person = agent(live)
    lead = live.create_lead(person, "Canarytarget")
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()
    small: dict[str, list[str]] = {}
    lead_screen = (f"#/leads/{lead['id']}", ".lead-head")
    for route in each_screen(phone, [*MAIN_SCREENS, lead_screen, HANDOVER]):
        found: list[str] = page.evaluate(_SMALL_TARGETS)
        if found:
            small[route] = found
    assert small == {}


def test_no_violation_in_the_arabic_hand_over(live: Live, phone: Phone) -> None:
    person = agent(live)
    form = live.http.get("/api/intake/form/ar").json()
    texts = form["texts"]
    page = phone.open()
    phone.log_in(person)
    phone.wait_forms_cached()
    phone.go("#/handover")
    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    found: dict[str, Any] = {}
    clean(phone, "intro", found)
    page.get_by_role("button", name=texts["next"]).click()
    for question in form["questions"]:
        clean(phone, question["name"], found)
        if question["name"] == "first_name":
            page.get_by_label(question["label"]).fill("كريم")
        if question["name"] == "phone":
            page.get_by_label(question["label"]).fill("0470 55 66 78")
        page.get_by_role("button", name=texts["next"]).click()
    clean(phone, "consent", found)
    contact = next(c for c in form["consents"] if c["purpose"] == "contact")
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator(".form-problems")).not_to_be_empty()
    clean(phone, "consent with a problem", found)
    page.get_by_label(contact["label"]).check()
    page.get_by_label(form["markers_consent"]["label"]).check()
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator(".handover select, .handover input").first).to_be_visible()
    clean(phone, "markers", found)
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("h1")).to_have_text(texts["thanks_title"])
    clean(phone, "thanks", found)
    assert found == {}
