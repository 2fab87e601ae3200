"""Dates in the agent's language (issue 9): Today's date, follow-up days and timeline times
are formatted with Intl in the UI language (fr-BE, nl-BE), whatever the browser's own
locale (here Chromium's en-US): no English weekday or month on a French or Dutch screen."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
NL_DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
NL_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"]  # fmt: skip
ENGLISH = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March"
    r"|April|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul"
    r"|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
)


def full_day(days: list[str], months: list[str]) -> str:
    now = datetime.now(ZoneInfo("Europe/Brussels"))
    return f"{days[now.weekday()]} {now.day} {months[now.month - 1]} {now.year}"


def test_dates_follow_the_ui_language(live: Live, phone: Phone) -> None:
    person = agent(live)
    lead = live.create_lead(person, "Canarydateqx")
    page = phone.open()
    assert page.evaluate("navigator.language") == "en-US"
    phone.log_in(person)
    phone.wait_synced()
    expect(page.locator(".today-date")).to_have_text(full_day(FR_DAYS, FR_MONTHS))

    # The lead: its follow-up day and its timeline in French.
    phone.go(f"#/leads/{lead['id']}")
    main = page.locator("#main")
    expect(main.locator("time").first).to_be_visible()
    times = main.locator("time").all_inner_texts()
    assert times and not any(ENGLISH.search(x) for x in times), times
    assert any(re.search(r"\b(janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.?", x)
               for x in times), times  # fmt: skip
    page.screenshot(path="/tmp/agentapp/lead-dates-fr.png", full_page=True)

    # In Dutch, Today's date is Dutch.
    phone.go("#/settings")
    page.get_by_label("Langue de l'application").select_option("nl")
    expect(page.locator("#main h1")).to_have_text("Instellingen")
    phone.go("#/today")
    expect(page.locator(".today-date")).to_have_text(full_day(NL_DAYS, NL_MONTHS))
    phone.go(f"#/leads/{lead['id']}")
    expect(main.locator("time").first).to_be_visible()
    times = main.locator("time").all_inner_texts()
    assert not any(ENGLISH.search(x) for x in times), times
    assert phone.errors == []
