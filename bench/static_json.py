"""The baseline of P4 (bench/api_reads.py): uvicorn answering fixed JSON bodies of the same
size as Terrain's list and detail answers, through the same GZip middleware.

    uvicorn bench.static_json:create_app --factory   # TERRAIN_BENCH_JSON=<folder>
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bench.static_pages import _gzip_options

JSON_ENV = "TERRAIN_BENCH_JSON"


def create_app() -> Starlette:
    folder = Path(os.environ[JSON_ENV])
    bodies = {name: (folder / f"{name}.json").read_bytes() for name in ("list", "detail")}

    async def answer_list(_request: Request) -> Response:
        return Response(bodies["list"], media_type="application/json")

    async def answer_detail(_request: Request) -> Response:
        return Response(bodies["detail"], media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/api/leads", answer_list),
            Route("/api/leads/{lead_id}", answer_detail),
            Route("/healthz", healthz),
        ],
        middleware=[Middleware(GZipMiddleware, **_gzip_options())],
    )
