"""Serving the PWA folder at `/`: API routes first, no test harness, always revalidated;
and the page itself holds nothing the Content-Security-Policy would block."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import PWA_DIR, PwaFiles

APP_JS = PWA_DIR / "js" / "app"


def _site(tmp_path: Path) -> TestClient:
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "index.html").write_text("<p>harness</p>")
    (tmp_path / "index.html").write_text("<p>app</p>")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "testimony.js").write_text("export const x = 1;")
    app = FastAPI()
    app.mount("/", PwaFiles(directory=tmp_path, html=True), name="pwa")
    return TestClient(app)


def test_pwa_files_refuse_the_test_folder(tmp_path: Path) -> None:
    client = _site(tmp_path)
    for path in ("/test/index.html", "/test/", "/test", "/js/../test/index.html"):
        assert client.get(path).status_code == 404, path
    # Only the folder: a file whose name merely starts with "test" is served.
    assert client.get("/testimony.js").status_code == 200


def test_pwa_files_are_always_revalidated(tmp_path: Path) -> None:
    client = _site(tmp_path)
    for path in ("/", "/index.html", "/sw.js", "/testimony.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache", path
    etag = client.get("/sw.js").headers["etag"]
    again = client.get("/sw.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


def test_app_serves_the_pwa_after_the_api(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/js/app/main.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/api/version").json()["protocol"] == 1
    assert client.get("/healthz").json()["status"] == "ok"
    unknown = client.get("/api/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert client.get("/test/index.html").status_code == 404  # pwa/test/ exists on disk
    assert (
        client.get("/manifest.webmanifest").headers["content-type"] == "application/manifest+json"
    )
    assert client.get("/js/app/main.js").headers["content-type"].startswith("text/javascript")


def test_index_has_no_inline_script_or_style() -> None:
    html = (PWA_DIR / "index.html").read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert "<style" not in html
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_app_scripts_never_parse_html() -> None:
    """User text reaches the page as text nodes only (house style rule 8)."""
    sinks = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    scripts = sorted(APP_JS.rglob("*.js"))
    assert scripts
    for path in scripts:
        found = sinks.findall(path.read_text())
        assert found == [], f"{path.relative_to(PWA_DIR)}: {found}"


def test_the_service_worker_comes_filled_in_and_revalidated(client: TestClient) -> None:
    """/sw.js at the app's scope: never from the HTTP cache, with this version's hash and the
    shell to precache (every language's catalog for the hand-over; no office screens)."""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    body = response.text
    assert "const VERSION = 'dev'" not in body and "const PRECACHE = ['/']" not in body
    for url in ("'/'", "'/js/agent/app.js'", "'/css/agent.css'", "'/i18n/ar.json'"):
        assert url in body, url
    assert "/js/office/" not in body and "'/test/" not in body
