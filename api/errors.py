"""Typed application errors → {"error": code, "detail": translated text}."""

from __future__ import annotations

from typing import Any

from i18n import gettext as _


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        # Messages are English msgids translated at response time, per request locale.
        self.msgid = message or self.message
        self.params = params
        if code:
            self.code = code
        self.headers = headers or {}
        super().__init__(self.msgid)

    def detail(self) -> str:
        text = _(self.msgid)
        return text.format(**self.params) if self.params else text


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Please log in again."


class PermissionDenied(AppError):
    status_code = 403
    code = "permission_denied"
    message = "You are not allowed to do this."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "This conflicts with the current state."


class InvalidInput(AppError):
    status_code = 422
    code = "invalid_input"
    message = "Some fields are not valid."


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"
    message = "Too many attempts. Please wait a little and try again."

    def __init__(self, retry_after_s: int, message: str | None = None, **params: Any) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))}, **params)


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    message = "The request is too large."
