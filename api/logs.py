"""Logs: structured (JSON lines in production), a request id on every line of a request, and
nothing a person typed — errors included.

- The access line is ours (uvicorn's is off): method, path, status, duration, client address
  and request id. Query strings are dropped (a search by name or phone lives there) and the
  capability in a consent link's path is masked.
- Exception messages are never written: they can carry values (a validation error, a
  database error with its parameters). A traceback keeps its frames and exception types.
- Every line of a request carries its id, also sent back as `X-Request-ID`, so an operator
  finds all of one request's lines (and a person reporting a problem can quote it).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from types import TracebackType
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("terrain.access")

# Path segments that are capabilities: the consent link's token.
_SECRET_PATHS = re.compile(r"^(/[a-z]{2}/consent/)[^/]+")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def safe_path(path: str) -> str:
    return _SECRET_PATHS.sub(r"\1…", path.split("?", 1)[0])


def format_exception_safely(exc_info: ExcInfo) -> str:
    """A traceback with its frames and exception types, never the messages."""
    chain: list[BaseException] = []
    exc: BaseException | None = exc_info[1]
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    lines: list[str] = []
    for exc in reversed(chain):  # the first cause first, as Python prints them
        if lines:
            lines.append("During it, another exception:")
        lines.append("Traceback (most recent call last):")
        frames = traceback.extract_tb(exc.__traceback__)
        lines += [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
        lines.append(f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld)")
    return "\n".join(lines)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatException(self, ei: Any) -> str:
        return format_exception_safely(ei)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given to a log call become keys."""

    _STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id.get()),
            "message": record.getMessage(),
        }
        out.update((k, v) for k, v in record.__dict__.items() if k not in self._STANDARD)
        if record.exc_info and record.exc_info[1] is not None:
            out["error"] = format_exception_safely(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def log_config(*, json_lines: bool, level: str = "info") -> dict[str, Any]:
    """dictConfig for uvicorn and the app: one handler, one format, the request id filter."""
    formatter = "json" if json_lines else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}, "plain": {"()": PlainFormatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "terrain", "api", "sync")
        },
    }


class RequestLogMiddleware:
    """Pure ASGI: a request id for every request (in the context and the response), and
    one access line when the response has started."""

    def __init__(self, app: ASGIApp, *, client_ip: Any = None) -> None:
        self.app = app
        self.client_ip = client_ip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        request_id.set(rid)  # each request runs in its own task: no reset needed
        # Also in the scope: the outermost error handler runs outside this context.
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                safe_path(scope["path"]),
                status,
                extra={
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": self.client_ip(scope) if self.client_ip else None,
                },
            )
