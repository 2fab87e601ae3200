"""IO-3 stored XSS: 210 payloads sent through the sync push (names, commune, project idea,
interaction, follow-up note) and the public form render as text in every coordinator and
agent screen on main, in Chromium: 0 scripts run — no `__xss` call, no dialog, no `XSS-`
console line, no request to xss.invalid, no CSP violation, none of the payloads' elements
in the page. (A new screen joins OFFICE_ROUTES or AGENT_ROUTES.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.vocab import Role
from tests.agent.conftest import Phone, agent
from tests.support.xss import FORBIDDEN, PAYLOADS, PROBES
from tests.web.conftest import WATCH_CSP, Live, log_in

pytestmark = pytest.mark.browser
CONSENT = {
    "purposes": ["contact"],
    "text_version": "2026-01",
    "text_sha256": "0" * 64,
    "language": "fr",
}
PER_LEAD = 10


class Probes:
    """What would show that a payload ran, on one page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.console.append(m.text))
        page.context.on("request", lambda r: self.requests.append(r.url))

    def check(self, where: str) -> None:
        page = self.page
        hits = page.evaluate("window.__xssHits || []")
        violations = page.evaluate("window.__cspViolations || []")
        found = page.locator("#main").locator(FORBIDDEN)
        elements = [found.nth(i).evaluate("e => e.outerHTML") for i in range(found.count())]
        assert (hits, self.dialogs, violations, elements) == ([], [], [], []), where
        assert not [c for c in self.console if "XSS-" in c], where
        assert not [u for u in self.requests if "xss.invalid" in u], where


def _push_people(live: Live, headers: dict[str, str]) -> list[str]:
    """The payloads in every text field of 21 leads, their interactions and follow-ups."""
    group, client = str(uuid.uuid4()), str(uuid.uuid4())
    mutations: list[dict[str, Any]] = []
    ids = []

    def add(name: str, args: dict[str, Any]) -> None:
        n = len(mutations) + 1
        wall = int(datetime.now(UTC).timestamp() * 1000)
        mutations.append(
            {"id": n, "name": name, "v": 1, "args": args, "hlc": f"{wall:013d}-{n:04x}-{client}"}
        )

    today = datetime.now(UTC).date().isoformat()
    for start in range(0, len(PAYLOADS), PER_LEAD):
        chunk = PAYLOADS[start : start + PER_LEAD]
        lead_id = str(uuid.uuid4())
        ids.append(lead_id)
        fields = {
            "first_name": chunk[0],
            "last_name": chunk[1],
            "commune": chunk[2],
            "project_idea": " | ".join(chunk),
            "phone": "+32470123456",
            "channel": "coffee_stand",
            "language": "fr",
            "consent": CONSENT,
        }
        add("lead.create", {"id": lead_id, "fields": fields})
        add(
            "interaction.add",
            {
                "id": str(uuid.uuid4()),
                "lead_id": lead_id,
                "kind": "note",
                "occurred_at": datetime.now(UTC).isoformat(),
                "body": " | ".join(chunk),
            },
        )
        add(
            "followup.create",
            {
                "id": str(uuid.uuid4()),
                "lead_id": lead_id,
                "due_on": today,
                "note": " | ".join(chunk)[:1000],
            },
        )
    body = {
        "protocol": 1,
        "clientGroupID": group,
        "clientID": client,
        "schemaVersion": 1,
        "mutations": mutations,
    }
    answer = live.http.post("/api/sync/push", json=body, headers=headers).json()
    assert {r["status"] for r in answer["results"]} == {"applied"}, answer["results"][:3]
    return ids


def _public_form(live: Live) -> None:
    """Five people fill the public form (its limit from one address) with payloads."""
    for k in range(5):
        chunk = PAYLOADS[k * PER_LEAD : (k + 1) * PER_LEAD]
        r = httpx.post(
            f"{live.base_url}/fr/intake",
            data={
                "first_name": chunk[3],
                "last_name": chunk[4],
                "phone": "0470123456",
                "language": "fr",
                "project_idea": " | ".join(chunk),
                "consent": "contact",
                "token": uuid.uuid4().hex,
            },
            headers={"Accept": "application/json"},
        )
        assert r.status_code == 200, r.text


OFFICE_ROUTES = (
    "#/office/leads",
    "#/office/duplicates",
    "#/office/funnel",
    "#/office/impact",
    "#/office/outreach",
    "#/office/referrals",
    "#/office/conflicts",
    "#/office/admin",
    "#/office/privacy",
    "#/office/audit",
)
AGENT_ROUTES = ("#/today", "#/leads", "#/outbox")


def test_io_3_payloads_render_as_text_in_every_screen(
    live: Live, phone: Phone, browser: Any
) -> None:
    field_agent = agent(live)
    lead_ids = _push_people(live, field_agent.headers())
    names = {
        lead_id: f"{PAYLOADS[k * PER_LEAD]} {PAYLOADS[k * PER_LEAD + 1]}"
        for k, lead_id in enumerate(lead_ids)
    }
    _public_form(live)

    # The office, as an admin (who sees every lead, self-intakes included).
    admin = live.new_person(role=Role.admin)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP + PROBES)
    page = context.new_page()
    page.set_default_timeout(20_000)
    probes = Probes(page)
    page.goto(live.base_url)
    live.forget_login_failures()
    log_in(page, admin)
    for route in OFFICE_ROUTES:
        page.goto(f"{live.base_url}/{route}")
        expect(page.locator("#main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        probes.check(route)
    for lead_id in lead_ids:
        page.goto(f"{live.base_url}/#/office/leads/{lead_id}")
        expect(page.locator("h1")).to_have_text(names[lead_id])
        probes.check(f"office lead {lead_id}")
    context.close()

    # The agent's phone.
    page = phone.open()
    assert phone.context is not None
    phone.context.add_init_script(PROBES)
    page.reload()
    agent_probes = Probes(page)
    phone.log_in(field_agent)
    phone.wait_synced()
    for route in AGENT_ROUTES:
        phone.go(route)
        page.wait_for_timeout(500)
        agent_probes.check(route)
    for lead_id in lead_ids:
        phone.go(f"#/leads/{lead_id}")
        expect(page.locator(".lead-head h1")).to_have_text(names[lead_id])
        agent_probes.check(f"agent lead {lead_id}")
    assert phone.errors == []
