"""The coordinator screens in real Chromium on the demo organisation: the dashboard draws
the demo data and its table holds the charts' numbers, a number leads to the leads behind
it, and axe-core finds 0 violations on every coordinator screen (laptop and tablet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.db import get_engine
from api.demo.seed import seed_demo
from api.leads.models import Lead
from api.sessions.models import OutreachSession, Tally
from sync.models import SyncConflict
from tests.scratch import app_in_thread
from tests.support.axe import violations

pytestmark = pytest.mark.browser
PASSWORD = "terrain-demo"
SCREENS = [
    "leads",
    "leads?status=new&overdue=true",
    "duplicates",
    "funnel",
    "funnel?group_by=gender",
    "impact?from=2026-01-01&to=2026-06-30",
    "outreach",
    "referrals",
    "conflicts",
    "codes",
    "admin/users",
    "admin/teams",
    "admin/partners",
    "admin/venues",
    "notifications",
]


@pytest.fixture(scope="module")
def demo(live_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_in_thread(live_database, tmp_path_factory.mktemp("office-data")) as base_url:
        with Session(get_engine()) as session:
            seed_demo(session, leads=600)
        yield base_url


def _page(browser: Browser, base_url: str, who: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url)
    page.fill("#login-email", f"{who}@demo.terrain")
    page.fill("#login-password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".lead-list-screen .result-count")
    page.errors = errors  # type: ignore[attr-defined]  # read back by the tests
    return page


def _number(text: str) -> int:
    return int("".join(c for c in text if c.isdigit()))


def test_dashboard_table_equals_charts(browser: Browser, demo: str) -> None:
    page = _page(browser, demo, "coordinator", 1280)
    page.goto(f"{demo}/#/office/funnel")
    page.wait_for_selector(".chart .bar")
    bars = {
        g.get_attribute("data-key"): int(g.get_attribute("data-value") or 0)
        for g in page.locator(".chart-figure").first.locator(".bar").all()
    }
    assert bars["leads"] > 100 and bars["financed"] > 0 and bars["reached"] > bars["leads"]
    table = page.locator(".funnel-table table")
    headers = table.locator("thead th").all_text_contents()
    total = table.locator("tbody tr").last.locator("th, td").all_text_contents()
    by_header = dict(zip(headers, total, strict=False))
    for key, label in (
        ("reached", "Personnes touchées"),
        ("leads", "Contacts"),
        ("contacted", "Contacté"),
        ("qualified", "Qualifié"),
        ("financed", "Financé"),
        ("coached", "Accompagné"),
    ):
        assert _number(by_header[label].split("(")[0]) == bars[key], key
    # The trend's points are the cohort table's leads, month by month.
    points = [
        int(c.get_attribute("data-value") or 0) for c in page.locator(".series-leads circle").all()
    ]
    cohort_leads = [
        _number(row.locator("td").first.inner_text())
        for row in page.locator(".cohort-table tbody tr").all()
    ]
    assert [p for p in points if p] == cohort_leads
    # A number leads to the leads behind it.
    page.locator(".funnel-table a.count-link").nth(3).click()
    expect(page.locator(".result-count")).to_be_visible()
    assert "reached=" in page.url
    assert page.errors == []  # type: ignore[attr-defined]


def test_drill_down_counts_match(browser: Browser, demo: str) -> None:
    page = _page(browser, demo, "coordinator", 1280)
    page.goto(f"{demo}/#/office/funnel")
    link = page.locator(".funnel-table tbody tr").last.locator("a.count-link").nth(4)
    expected = _number(link.inner_text())
    link.click()
    expect(page.locator(".result-count")).to_contain_text(str(expected))


@pytest.mark.parametrize("screen", ["outreach", "impact?from=2026-01-01&to=2026-06-30"])
def test_figures_line_up_under_their_headings(browser: Browser, demo: str, screen: str) -> None:
    """Counts and shares sit on the end edge of their column, as their headings do; names
    and dates on the start edge (they were left under right-aligned headings)."""
    page = _page(browser, demo, "coordinator", 1280)
    page.goto(f"{demo}/#/office/{screen}")
    table = page.locator(".data-table").first
    table.locator("tbody tr").first.wait_for()
    aligned = table.evaluate(
        """t => [...t.querySelectorAll('thead th')].map((th, i) => ({
            heading: getComputedStyle(th).textAlign,
            cells: [...t.querySelectorAll('tbody tr')].map(
              tr => getComputedStyle(tr.children[i]).textAlign),
            text: [...t.querySelectorAll('tbody tr')].map(tr => tr.children[i].textContent),
        }))"""
    )
    figures = 0
    for column in aligned:
        is_figure = all(
            any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text)
            for text in column["text"]
        )
        expected = "end" if is_figure else "start"
        figures += is_figure
        assert column["heading"] == expected, column
        assert set(column["cells"]) == {expected}, column
    assert figures >= 2


def test_a_conflict_names_the_field_in_words(browser: Browser, demo: str) -> None:
    """The conflicts screen says which field two people changed as the lead form names it
    ("Téléphone"), not by its name in the database ("phone")."""
    with Session(get_engine()) as session:
        lead = session.exec(
            select(Lead).where(col(Lead.deleted_at).is_(None)).order_by(col(Lead.created_at))
        ).first()
        assert lead is not None
        session.add(
            SyncConflict(
                entity="lead",
                entity_id=lead.id,
                field="phone",
                kind="concurrent",
                losing_value="+32470000001",
                winning_value=lead.phone,
            )
        )
        first_name = lead.first_name
        session.commit()
    page = _page(browser, demo, "admin", 1280)
    page.goto(f"{demo}/#/office/conflicts")
    heading = page.locator(".conflict-list h2").filter(has_text=first_name).first
    expect(heading).to_contain_text("· Téléphone")
    assert page.errors == []  # type: ignore[attr-defined]


def test_queue_starts_on_the_first_screen_of_a_tablet(browser: Browser, demo: str) -> None:
    """On a tablet the menu has its own row and the less used filters fold away: the first
    lead of the queue is on the first screen. A folded filter set in the address is shown
    open, with its value, and still filters."""
    page = _page(browser, demo, "coordinator", 820)
    first = page.locator(".lead-list li").first
    first.wait_for()
    box = first.bounding_box()
    assert box is not None and box["y"] < 900, box
    expect(page.locator("details.more-filters")).not_to_have_attribute("open", "")
    page.goto(f"{demo}/#/office/leads?commune=Evere")
    expect(page.locator("details.more-filters")).to_have_attribute("open", "")
    expect(page.locator("#f-commune")).to_have_value("Evere")
    expect(page.locator("details.more-filters summary")).to_contain_text("(1)")
    page.select_option("#lead-status", "new")  # applies at once, the folded filter with it
    page.wait_for_url("**status=new**")
    assert "commune=Evere" in page.url


@pytest.mark.parametrize("width", [1280, 820])
def test_no_axe_violations_on_coordinator_screens(
    browser: Browser, demo: str, width: int, tmp_path: Path
) -> None:
    page = _page(browser, demo, "admin", width)
    found = {}
    for screen in [*SCREENS, "admin/devices"]:
        page.goto(f"{demo}/#/office/{screen}")
        page.wait_for_selector("main h1")
        page.wait_for_load_state("networkidle")
        problems = violations(page)
        if problems:
            found[screen] = problems
    assert found == {}
    assert page.errors == []  # type: ignore[attr-defined]


def test_more_leads_than_people_reached_reads_as_an_incomplete_tally(
    browser: Browser, demo: str
) -> None:
    """A week where the agents tallied fewer conversations than they took leads shows
    "Pointage incomplet", not a conversion above 100 %."""
    with Session(get_engine()) as session:
        reached = (
            select(func.coalesce(func.sum(col(Tally.delta)), 0))
            .where(
                col(Tally.session_id) == col(OutreachSession.id), col(Tally.kind) == "conversations"
            )
            .scalar_subquery()
        )
        # The latest session with a tally, and leads of its team moved onto it: more leads
        # than the conversations counted there (the tally was not kept).
        stand, counted = session.exec(
            select(OutreachSession, reached)
            .where(col(OutreachSession.deleted_at).is_(None), reached > 0)
            .order_by(col(OutreachSession.started_at).desc())
        ).first()  # type: ignore[misc]
        movable = session.exec(
            select(Lead).where(
                col(Lead.team_id) == stand.team_id,
                col(Lead.deleted_at).is_(None),
                col(Lead.session_id).is_not(None),
                col(Lead.session_id) != stand.id,
            )
        ).all()[: counted + 2]
        for lead in movable:
            lead.session_id = stand.id
            session.add(lead)
        session.commit()
    page = _page(browser, demo, "admin", 1280)
    page.goto(f"{demo}/#/office/outreach")
    table = page.locator(".data-table").first
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table).to_contain_text("Pointage incomplet")
    shown = [
        float(cell.replace("\u202f", "").replace("\u00a0", "").replace(" %", "").replace(",", "."))
        for cell in table.locator("tbody td:last-child").all_inner_texts()
        if cell.endswith("%")
    ]
    assert shown and max(shown) <= 100, shown
    # The words stand where a figure would: the column stays on the figures' end edge.
    expect(table.locator("tbody td:last-child").first).to_have_class("num")
    expect(table.locator("thead th:last-child")).to_have_class("num")
    assert page.errors == []  # type: ignore[attr-defined]
