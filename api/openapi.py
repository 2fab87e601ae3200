"""The API's schema says what the API does (issue 8.7).

- Errors are documented in Terrain's own shape `{error, detail, fields?}` (api/errors.py,
  api/validation.py), not FastAPI's default `{"detail": [...]}`.
- Every operation lists each status it can answer: 401/403 where a token is needed, 404
  where the path names something, 422 where it takes input, 400 where it takes a body (one
  that cannot be decoded), 409 on writes, and the few
  operation-specific ones (413, 426, 429, 503, 304) from `EXTRA_STATUSES`.
- UUID path parameters only match UUIDs, so `PATCH /api/leads/duplicates` is a 405 (the
  path has GET only) instead of a 422 about `lead_id`; a 405's `Allow` lists the methods of
  every route of the path (api/main.py).
"""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from api.fields import SINGLE_LINE_BAD

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMAS: dict[str, Any] = {
    "Error": {
        "title": "Error",
        "type": "object",
        "description": "Every refusal: a stable code, a message in the caller's language and, "
        "for invalid input, one entry per field.",
        "required": ["error", "detail"],
        "properties": {
            "error": {"type": "string", "description": "Stable code, e.g. validation_error."},
            "detail": {"type": "string", "description": "Translated message."},
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            "request_id": {"type": "string"},
        },
    },
    "FieldError": {
        "title": "FieldError",
        "type": "object",
        "required": ["loc", "code", "message"],
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "code": {"type": "string"},
            "message": {"type": "string"},
        },
    },
}

_SYNC = {401, 403, 409, 413, 422, 426}
# Statuses that depend on what an operation does beyond its shape (method, path, body).
EXTRA_STATUSES: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/auth/token"): {401, 429},
    ("POST", "/api/sync/push"): _SYNC,
    ("POST", "/api/sync/pull"): _SYNC,
    ("GET", "/api/push/key"): {503},
    ("POST", "/api/push/subscriptions"): {503},
    ("GET", "/api/intake/form/{lang}"): {304, 404},
    ("GET", "/i18n/{lang}.json"): {304, 404},
}
# Operations that read the bearer token themselves (one database round trip): documented as
# secured like those that take it through the dependency.
SELF_AUTHENTICATED = {("POST", "/api/sync/push"), ("POST", "/api/sync/pull")}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_NO_BODY = {204, 304}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def statuses(method: str, path: str, op: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer."""
    found: set[int] = set()
    secured = bool(op.get("security"))
    if secured:
        found |= {401, 403}
    if "{" in path:
        found.add(404)
    if op.get("parameters") or op.get("requestBody"):
        found.add(422)
    if op.get("requestBody"):
        found.add(400)  # a body that cannot be read (not UTF-8, cut short)
    if secured and method in _WRITES:
        found.add(409)
    return found | EXTRA_STATUSES.get((method, path), set())


def _body_has_id(doc: dict[str, Any], op: dict[str, Any]) -> bool:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    ref = schema.get("$ref", "")
    if ref:
        schema = doc["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return "id" in schema.get("properties", {})


# Every query parameter is refused with a control character in it (api/middleware.py, as
# sent: no stripping); free text says so in the schema (typed ones cannot hold one anyway).
QUERY_TEXT_PATTERN = f"^[^{SINGLE_LINE_BAD}]*$"


def _state_query_text_rule(schema: dict[str, Any]) -> None:
    for option in schema.get("anyOf", [schema]):
        free = option.get("type") == "string" and not {"format", "enum", "pattern"} & set(option)
        if free:
            option["pattern"] = QUERY_TEXT_PATTERN


def _document(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(ERROR_SCHEMAS)
    security_scheme = next(iter(doc["components"].get("securitySchemes", {})), None)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            method = method.upper()
            if (method, path) in SELF_AUTHENTICATED and security_scheme:
                op["security"] = [{security_scheme: []}]
            for param in op.get("parameters", []):
                if param.get("in") == "query":
                    _state_query_text_rule(param.get("schema", {}))
            responses = op.setdefault("responses", {})
            if "201" in responses and _body_has_id(doc, op):
                # A create with a client-made id, sent again: 200 with the row as it is.
                responses.setdefault("200", {**responses["201"], "description": "Already created"})
            for status in sorted(statuses(method, path, op)):
                entry = responses.setdefault(str(status), {})
                entry["description"] = HTTPStatus(status).phrase
                if status in _NO_BODY:
                    entry.pop("content", None)
                else:
                    entry["content"] = {"application/json": {"schema": ERROR_REF}}
    return doc


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.160)
            found.extend(_api_routes(route.original_router.routes))
    return found


def strict_uuid_paths(app: FastAPI) -> None:
    """A UUID path parameter matches only a UUID: another segment is another path."""
    for route in _api_routes(app.routes):
        path = route.path
        for param in route.dependant.path_params:
            if param.field_info.annotation is uuid.UUID:
                path = path.replace("{" + param.name + "}", "{" + param.name + ":uuid}")
        if path != route.path:
            route.path = path
            route.path_regex, route.path_format, route.param_convertors = compile_path(path)


_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _path_pattern(path: str, ops: dict[str, Any]) -> re.Pattern[str]:
    uuids = {
        p["name"]
        for op in ops.values()
        if isinstance(op, dict)
        for p in op.get("parameters", [])
        if p.get("in") == "path" and p.get("schema", {}).get("format") == "uuid"
    }
    pattern = ""
    for literal, name in re.findall(r"([^{]*)(?:\{([^}]+)\})?", path):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?:{_UUID})" if name in uuids else "[^/]+"
    return re.compile(pattern)


def documented_methods(app: FastAPI, path: str) -> list[str] | None:
    """The methods the schema documents for this concrete path (None: not an API path)."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allow", None)
    if table is None:
        table = []
        for template, ops in app.openapi()["paths"].items():
            methods = {m.upper() for m in ops if m in _METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            table.append((_path_pattern(template, ops), methods))
        app.state.allow = table
    found: set[str] = set()
    for pattern, methods in table:
        if pattern.fullmatch(path):
            found |= methods
    return sorted(found) if found else None


def install(app: FastAPI) -> None:
    strict_uuid_paths(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
