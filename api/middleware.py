"""Pure ASGI middleware: request language and security headers on every response; query
strings without control characters."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import i18n
from api.fields import CONTROL_CHARACTER, single_line
from api.proxies import is_https
from api.validation import FieldProblem

LANGUAGE_COOKIE = "terrain_lang"
# API documents without personal data that clients may keep and revalidate (ETag).
CACHEABLE_API = ("/api/intake/form/",)

# Scripts only from our origin: no inline script, no eval (plural rules are static code).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


# Browser features Terrain never uses stay off for every page (and anything it embeds).
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "browsing-topics=()"
)


def choose_language(scope: Scope) -> tuple[str, bool]:
    """(language, explicit): URL prefix → cookie → Accept-Language → default."""
    first = scope["path"].lstrip("/").split("/", 1)[0]
    if first in i18n.PUBLIC_LANGUAGES:
        return first, True
    headers = Headers(scope=scope)
    cookie = SimpleCookie(headers.get("cookie", ""))
    if LANGUAGE_COOKIE in cookie and cookie[LANGUAGE_COOKIE].value in i18n.PUBLIC_LANGUAGES:
        return cookie[LANGUAGE_COOKIE].value, True
    negotiated = i18n.negotiate(headers.get("accept-language"), i18n.PUBLIC_LANGUAGES)
    return negotiated or i18n.DEFAULT_LANGUAGE, False


class LanguageAndHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language, explicit = choose_language(scope)
        scope.setdefault("state", {})["language_explicit"] = explicit
        token = i18n.begin_language_scope(language)
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Language"] = i18n.get_language()
                headers.append("Vary", "Accept-Language")
                headers["Permissions-Policy"] = PERMISSIONS
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if self.https or is_https(scope):
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if path.startswith(CACHEABLE_API):
                    headers["Cache-Control"] = "no-cache"
                elif path.startswith("/api/") or path == "/healthz":
                    # Personal data must not linger in shared or browser caches.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            i18n.end_language_scope(token)


def control_in_query(query_string: bytes) -> str | None:
    """The name of the first query parameter whose name or value holds a control character
    (the text rule of api/fields.py: PostgreSQL even fails on a NUL in a search), or None."""
    if not query_string:
        return None
    for name, value in parse_qsl(
        query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"
    ):
        for text in (name, value):
            try:
                single_line(text)
            except FieldProblem:
                return name
    return None


class QueryTextMiddleware:
    """Refuses a request whose query string carries a control character, with the same
    422 a body field gets: one rule for every query parameter, present and future."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = control_in_query(scope.get("query_string", b""))
            if name is not None:
                body = {
                    "error": "validation_error",
                    "detail": i18n.gettext("Some fields are not valid."),
                    "fields": [
                        {
                            "loc": ["query", name],
                            "code": "control_character",
                            "message": i18n.gettext(CONTROL_CHARACTER),
                        }
                    ],
                }
                await JSONResponse(body, status_code=422)(scope, receive, send)
                return
        await self.app(scope, receive, send)
