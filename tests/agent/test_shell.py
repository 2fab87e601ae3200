"""The service worker and the installable app (issue 9, pwa/sw.js, api/shell): while an agent
works, the Cache API holds the shell and the public intake forms only, never API data; a new
version waits until the agent says "reload", then the old version's cache is gone. The
manifest makes the app installable (PNG icons 192, 512 and maskable, standalone)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from playwright.sync_api import expect

from api.shell import router as shell_router
from api.shell.service import PWA_DIR
from tests.agent.conftest import Phone, agent
from tests.web.conftest import Live

CACHES = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
  }
  return out;
}"""

WORKER_VERSION = """async () => {
  const worker = navigator.serviceWorker.controller;
  if (!worker) return null;
  const channel = new MessageChannel();
  const answer = new Promise((ok) => { channel.port1.onmessage = (e) => ok(e.data.version); });
  worker.postMessage({t: 'version'}, [channel.port2]);
  return answer;
}"""


@pytest.mark.browser
def test_no_api_data_in_caches_and_a_new_version_waits_for_reload(
    live: Live, phone: Phone, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = agent(live)
    live.create_lead(person, "Canarycachekeeper")
    page = phone.open()
    phone.log_in(person)
    phone.wait_synced()
    phone.wait_forms_cached()
    phone.go("#/leads")
    expect(page.locator(".lead-rows")).to_contain_text("Canarycachekeeper")

    before: dict[str, list[str]] = page.evaluate(CACHES)
    (shell,) = [name for name in before if name.startswith("terrain-shell-")]
    old_version = page.evaluate(WORKER_VERSION)
    assert shell == f"terrain-shell-{old_version}"
    assert "/" in before[shell] and "/i18n/ar.json" in before[shell]
    api = [path for paths in before.values() for path in paths if path.startswith("/api/")]
    assert api and all(path.startswith("/api/intake/form/") for path in api), api

    # The server now has a new version: the new worker installs and waits for the agent.
    source = shell_router.worker_source
    monkeypatch.setattr(
        shell_router, "worker_source", lambda pwa, extra="": source(pwa, extra + "next")
    )
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    banner = page.locator("#update-banner")
    expect(banner).to_contain_text("Une nouvelle version de Terrain est prête.")
    assert page.evaluate(WORKER_VERSION) == old_version  # nothing changes behind the agent
    banner.get_by_role("button", name="Recharger").click()

    expect(page.locator("input[name=pin]")).to_be_visible()
    new_version = page.evaluate(WORKER_VERSION)
    assert new_version == f"{old_version}next"
    phone.unlock()
    expect(page.locator(".lead-rows")).to_contain_text("Canarycachekeeper")  # where it was
    after: dict[str, list[str]] = page.evaluate(CACHES)
    assert [n for n in after if n.startswith("terrain-shell-")] == [f"terrain-shell-{new_version}"]
    assert phone.errors == []


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_manifest_makes_the_app_installable() -> None:
    manifest = json.loads((PWA_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["display"] == "standalone"
    assert manifest["scope"] == "/" and manifest["start_url"] == "/"
    assert manifest["name"] and manifest["short_name"]
    assert manifest["theme_color"] and manifest["background_color"]
    pngs = {
        (icon["sizes"], icon["purpose"]): icon["src"]
        for icon in manifest["icons"]
        if icon["type"] == "image/png"
    }
    for sizes, purpose in [("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")]:
        src = pngs[(sizes, purpose)]
        width, height = _png_size(PWA_DIR / src.lstrip("/"))
        assert f"{width}x{height}" == sizes, src
    html = (PWA_DIR / "index.html").read_text(encoding="utf-8")
    assert 'rel="manifest"' in html and 'name="theme-color"' in html
    assert 'rel="apple-touch-icon"' in html
