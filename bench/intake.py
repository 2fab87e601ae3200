"""P9 — the public form without JavaScript: its weight on the wire, and its p95 under 20
concurrent clients next to a static file of the same size served by the same server in the
same run (performance.md: ≤ 15 KB on the wire; p95 within 2x the static file).

    python -m bench.intake [--db sqlite|postgresql|both] [--json out.json]

The baseline is the page itself, rendered once and written under pwa/_bench/ for the run, so
both answers go through the same uvicorn worker, middleware and gzip; only the work of
rendering the form differs. Rounds alternate (static, form, form, static, …) so a noisy
minute hits both. TERRAIN_BENCH_INTAKE_REQUESTS sets the requests per round (default 2,000).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from typing import Any

import httpx

import i18n
from api.main import PWA_DIR
from bench.common import (
    backends,
    database_version,
    machine,
    parser,
    percentile,
    print_table,
    stage,
    write_json,
)

CLIENTS = 20
ROUNDS = 4
REQUESTS = int(os.environ.get("TERRAIN_BENCH_INTAKE_REQUESTS", "2000"))
BUDGET_BYTES = 15 * 1024
STATIC_DIR = PWA_DIR / "_bench"
GZIP = {"Accept-Encoding": "gzip"}


def wire_size(response: httpx.Response) -> int:
    """Bytes the response took on the wire: status line and headers, then the (compressed)
    body as sent."""
    head = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
    head += sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2
    return head + int(response.headers.get("content-length", len(response.content)))


_LINKED = re.compile(r'<(?:link|img)\b[^>]*?\b(?:href|src)="(/[^"]*)"')
_SCRIPT = re.compile(r'<script\b[^>]*?\bsrc="(/[^"]*)"')


def first_load(base_url: str, lang: str) -> dict[str, int]:
    """What a browser fetches for the form: the page, what it links (style sheet, icon,
    images) and, apart, the script a browser without JavaScript never loads."""
    with httpx.Client(base_url=base_url, headers=GZIP) as client:
        page = client.get(f"/{lang}/intake")
        linked = sorted(set(_LINKED.findall(page.text)))
        scripts = sorted(set(_SCRIPT.findall(page.text)))
        return {
            "page": wire_size(page),
            "linked files": len(linked),
            "linked": sum(wire_size(client.get(path)) for path in linked),
            "script": sum(wire_size(client.get(path)) for path in scripts),
        }


async def _round(base_url: str, path: str, requests: int) -> list[float]:
    latencies: list[float] = []
    remaining = requests
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, headers=GZIP, limits=limits) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                try:
                    response = await client.get(path)
                    await response.aread()
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    # A kept-alive connection the server closed as it was reused: counted
                    # in DROPPED and tried again on a new one, the same for both paths.
                    DROPPED[path] = DROPPED.get(path, 0) + 1
                    remaining += 1
                    continue
                latencies.append(time.perf_counter() - start)
                assert response.status_code == 200, response.status_code

        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return latencies


DROPPED: dict[str, int] = {}


def measure(base_url: str, lang: str) -> dict[str, Any]:
    with httpx.Client(base_url=base_url) as client:
        html = client.get(f"/{lang}/intake").content
    STATIC_DIR.mkdir(exist_ok=True)
    (STATIC_DIR / "page.html").write_bytes(html)
    static_path = "/_bench/page.html"
    # Warm both paths (templates compiled, files cached by the OS) before timing.
    asyncio.run(_round(base_url, static_path, 200))
    asyncio.run(_round(base_url, f"/{lang}/intake", 200))
    form: list[float] = []
    static: list[float] = []
    for index in range(ROUNDS):
        order = [static, form] if index % 2 == 0 else [form, static]
        for bucket in order:
            path = static_path if bucket is static else f"/{lang}/intake"
            bucket.extend(asyncio.run(_round(base_url, path, REQUESTS)))
    return {
        "html_bytes": len(html),
        "form_p50_ms": percentile(form, 0.5) * 1000,
        "form_p95_ms": percentile(form, 0.95) * 1000,
        "static_p50_ms": percentile(static, 0.5) * 1000,
        "static_p95_ms": percentile(static, 0.95) * 1000,
        "p95_ratio": percentile(form, 0.95) / percentile(static, 0.95),
        "form_rps": len(form) / sum(form) * CLIENTS,
        "static_rps": len(static) / sum(static) * CLIENTS,
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    results: dict[str, Any] = {"machine": machine(), "clients": CLIENTS, "runs": []}
    try:
        for backend in backends(args.db if args.db != "both" else "both"):
            with stage(backend, args.pg_url, serve=True) as current:
                assert current.server is not None
                base = current.server.base_url
                weights = {lang: first_load(base, lang) for lang in i18n.PUBLIC_LANGUAGES}
                print(f"\n{database_version(current.engine)} — bytes on the wire (gzip)")
                print_table(
                    ["lang", "page", "linked files", "linked", "no-JS total", "+ script"],
                    [
                        [
                            lang,
                            w["page"],
                            w["linked files"],
                            w["linked"],
                            w["page"] + w["linked"],
                            w["script"],
                        ]
                        for lang, w in weights.items()
                    ],
                )
                runs = {lang: measure(base, lang) for lang in ("fr", "ar")}
                print(f"\n{CLIENTS} concurrent clients, {ROUNDS} x {REQUESTS:,} requests each")
                print_table(
                    [
                        "lang",
                        "HTML bytes",
                        "form p50 ms",
                        "form p95 ms",
                        "static p50 ms",
                        "static p95 ms",
                        "p95 ratio",
                        "form req/s",
                        "static req/s",
                    ],
                    [
                        [
                            lang,
                            r["html_bytes"],
                            r["form_p50_ms"],
                            r["form_p95_ms"],
                            r["static_p50_ms"],
                            r["static_p95_ms"],
                            r["p95_ratio"],
                            r["form_rps"],
                            r["static_rps"],
                        ]
                        for lang, r in runs.items()
                    ],
                )
                if DROPPED:
                    print(f"connections the server closed on reuse (retried): {DROPPED}")
                worst = max(w["page"] for w in weights.values())
                print(
                    f"\npage ≤ 15 KB on the wire: {'met' if worst <= BUDGET_BYTES else 'NOT met'}"
                    f" (largest {worst:,} B); p95 within 2x static: "
                    + ", ".join(
                        f"{lang} {'met' if r['p95_ratio'] <= 2 else 'NOT met'}"
                        for lang, r in runs.items()
                    )
                )
                results["runs"].append(
                    {
                        "backend": backend,
                        "weights": weights,
                        "load": runs,
                        "database": database_version(current.engine),
                    }
                )
    finally:
        shutil.rmtree(STATIC_DIR, ignore_errors=True)
    write_json(args.json_path, results)


if __name__ == "__main__":
    main()
