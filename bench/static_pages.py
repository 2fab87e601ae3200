"""The floor of P2 (bench/sync_pull.py): the pages of a pull, rendered beforehand, answered
over the same stack (uvicorn, one worker, the app's own GZip settings) to the same client
loop. What is left between this and the Terrain pull is the server's work per page.

    uvicorn bench.static_pages:create_app --factory   # TERRAIN_BENCH_PAGES=<folder>
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.main import create_app as create_terrain_app

PAGES_ENV = "TERRAIN_BENCH_PAGES"


def write_pages(folder: Path, answers: list[dict[str, Any]]) -> None:
    """Keep a pull's pages (in order) for the static server."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, answer in enumerate(answers):
        (folder / f"{index:05d}.json").write_bytes(orjson.dumps(answer))


def _gzip_options() -> dict[str, Any]:
    """The GZip middleware's options exactly as Terrain's app sets them."""
    for middleware in create_terrain_app().user_middleware:
        factory: object = middleware.cls
        if factory is GZipMiddleware:
            return dict(middleware.kwargs)
    raise RuntimeError("Terrain's app has no GZip middleware")


def create_app() -> Starlette:
    pages = [p.read_bytes() for p in sorted(Path(os.environ[PAGES_ENV]).glob("*.json"))]
    # Page i answers the request carrying the cookie of page i - 1 (None for the first).
    cookies = [None, *(orjson.loads(page)["cookie"] for page in pages[:-1])]
    by_cookie = dict(zip(cookies, pages, strict=True))

    async def pull(request: Request) -> Response:
        cookie = orjson.loads(await request.body()).get("cookie")
        return Response(by_cookie[cookie], media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/api/sync/pull", pull, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        middleware=[Middleware(GZipMiddleware, **_gzip_options())],
    )
