"""The agent app (pwa/js/agent) in real Chromium against the real app, as an agent's phone:
a persistent browser profile (its IndexedDB, service worker and caches survive closing the
browser), a phone-sized viewport, and the network really off (`context.set_offline`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, expect

from tests.conftest import PASSWORD
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, until
from tests.web.conftest import WATCH_CSP, Live, Person, live  # noqa: F401 (fixture)

PIN = "482916"
AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"

# Every byte of a user's IndexedDB as text (values, keys, sealed bytes decoded), to look for
# names and numbers that should only be there encrypted.
RAW_DUMP = """async (name) => {
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = ko;
  });
  const flat = (v) => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v)
        : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return new TextDecoder('latin1').decode(bytes) + new TextDecoder().decode(bytes);
    }
    if (Array.isArray(v)) return v.map(flat);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flat(x)]));
    }
    return v;
  };
  const out = [];
  for (const store of db.objectStoreNames) {
    const tx = db.transaction(store);
    const ask = (r) => new Promise((ok) => { r.onsuccess = () => ok(r.result); });
    const keys = await ask(tx.objectStore(store).getAllKeys());
    const values = await ask(tx.objectStore(store).getAll());
    out.push(JSON.stringify({store, keys: flat(keys), values: flat(values)}));
  }
  db.close();
  return out.join('\\n');
}"""


@dataclass
class Phone:
    """An agent's phone: one persistent browser profile, opened and closed like a browser."""

    playwright: Playwright
    live: Live
    profile: Path
    context: BrowserContext | None = None
    page: Page | None = None
    errors: list[str] = field(default_factory=list)
    viewport: dict[str, int] = field(default_factory=lambda: {"width": 390, "height": 844})

    def open(self, *, offline: bool = False) -> Page:
        self.context = self.playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport=self.viewport,
            accept_downloads=True,
        )
        self.context.add_init_script(WATCH_CSP)
        if offline:
            self.context.set_offline(True)
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        self.page = page
        page.goto(self.live.base_url)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = None
        self.page = None

    @property
    def p(self) -> Page:
        assert self.page is not None
        return self.page

    def offline(self, off: bool = True) -> None:
        assert self.context is not None
        self.context.set_offline(off)

    def log_in(self, person: Person, pin: str = PIN) -> None:
        """The one log-in (online), then choosing the PIN."""
        page = self.p
        self.live.forget_login_failures()
        page.fill("#login-email", person.email)
        page.fill("#login-password", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.fill("input[name=pin]", pin)
        page.fill("input[name=pin-again]", pin)
        page.locator("form button[type=submit]").click()
        expect(page.locator(".today h1")).to_be_visible()
        # The worker controls the page and holds the shell before the network goes away.
        until(
            page,
            "async () => { await navigator.serviceWorker.ready;"
            " return navigator.serviceWorker.controller !== null; }",
        )

    def wait_forms_cached(self) -> None:
        """The ten intake forms the app downloads after unlocking (hand-over offline)."""
        until(
            self.p,
            """async () => {
              const cache = await caches.open('terrain-forms');
              return (await cache.keys()).length >= 10;
            }""",
        )

    def unlock(self, pin: str = PIN) -> None:
        page = self.p
        page.fill("input[name=pin]", pin)
        page.locator("form button[type=submit]").click()

    def go(self, route: str) -> None:
        self.p.evaluate("(r) => { location.hash = r; }", route)

    def sync_now(self) -> None:
        """Press "Sync now" and wait until the pass is done. A pass the server's poke already
        started shows "Syncing…" on a disabled button (on a loaded CI machine for many seconds):
        wait for it to end, then press, so what was just written is pulled for sure."""
        button = self.p.get_by_role(
            "button", name=re.compile(r"^(Synchroniser maintenant|Synchronisation…)$")
        )
        try:
            expect(button).to_be_enabled(timeout=60_000)
        except AssertionError as exc:
            shown = self.p.locator("main").inner_text()
            raise AssertionError(
                f"no usable 'Sync now' button; the screen shows: {shown!r}"
            ) from exc
        button.click()
        self.wait_synced()

    def wait_synced(self) -> None:
        """Until nothing waits in the outbox and a pull has run."""
        expect(self.p.locator(".sync-pill")).to_have_class(
            re.compile(r"\bsync-ok\b"), timeout=30_000
        )

    def raw_store(self, user_id: str) -> str:
        dump: str = self.p.evaluate(RAW_DUMP, f"terrain-{user_id}")
        return dump

    def database_names(self) -> list[str]:
        names: list[str] = self.p.evaluate(
            "async () => (await indexedDB.databases()).map((d) => d.name)"
        )
        return names

    def cached_urls(self) -> list[str]:
        urls: list[str] = self.p.evaluate(
            """async () => {
              const out = [];
              for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) out.push(request.url);
              }
              return out;
            }"""
        )
        return urls

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.2 AA violations on the page as it is (injected past the CSP)."""
        page = self.p
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        result: list[dict[str, Any]] = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations
                .map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target)}))"""
        )
        return result


@pytest.fixture
def phone(
    playwright: Playwright,
    live: Live,  # noqa: F811
    tmp_path: Path,
) -> Iterator[Phone]:
    made = Phone(playwright, live, tmp_path / "profile")
    yield made
    made.close()


def agent(live: Live, name: str = "Amina Diallo") -> Person:  # noqa: F811
    from api.vocab import Role

    return live.new_person(name=name, role=Role.agent)
