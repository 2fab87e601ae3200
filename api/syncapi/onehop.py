"""Push and pull answered in one worker-thread hop.

Through FastAPI's dependency injection a push costs five thread-pool hops (session in and
out, settings, actor, endpoint), a stdlib JSON parse, a second validation of the response
model and its encoding — measured, about as much time as applying 100 mutations. These
endpoints read the body on the event loop, then authenticate, parse, work and encode
JSON in one call on a worker thread, with the same rules and error shapes: a bad token is
the same 401 as `CurrentUser`, a malformed body the same 422 as a FastAPI body model, and
a test's `dependency_overrides[get_session]` is honoured (the session and the actor come
from `api.db.request_session` and `api.deps.request_actor`, as for the office's hot reads).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from api.errors import PayloadTooLarge

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body; over `limit` bytes → 413 before anything is parsed or written."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("The request is too large.", code="payload_too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("The request is too large.", code="payload_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def parse(model: type[M], body: bytes) -> M:
    """Validate a JSON body in one pass (pydantic's own parser); errors are reported
    exactly as FastAPI reports a body model's."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            # pydantic's parser refuses a lone surrogate escape ("\ud800", what a phone
            # sends for an emoji cut in half); the standard one reads it, and the mutation
            # holding it is then refused on its own instead of the whole push, forever.
            try:
                return model.model_validate(json.loads(body))
            except (ValueError, ValidationError):
                pass
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from exc


def json_response(data: Any) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


async def in_worker(fn: Callable[..., Response], *args: Any) -> Response:
    return await run_in_threadpool(fn, *args)


def request_body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `requestBody` for an endpoint that parses `model` itself (definitions
    inlined: the document's components do not hold them)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }
