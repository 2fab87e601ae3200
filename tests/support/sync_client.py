"""A reference sync client: the protocol of sync-protocol.md as the phone speaks it.

Outbox of named mutations with ids 1, 2, 3 … per clientID, each stamped with the client's
hybrid logical clock; push in chunks of 100 (halved on 413, resent from `gap.expected`,
renumbered under a new clientID on 409, waiting on 429/503 and on network errors); pull
until `more` is false into a local copy of the server state; outbox entries leave only
once acknowledged (by a push answer or a pull's lastMutationIDChanges).

Works over any httpx.Client, including FastAPI's TestClient (in-process app).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sync.hlc import Clock, parse

PROTOCOL = 1
SCHEMA_VERSION = 1
PUSH_PATH = "/api/sync/push"
PULL_PATH = "/api/sync/pull"
CHUNK = 100
PULL_LIMIT = 500


def uuid7() -> str:
    """A time-ordered UUID (version 7), as the phone makes record ids."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


@dataclass
class Mutation:
    id: int
    name: str
    hlc: str
    args: dict[str, Any]
    v: int = 1

    def wire(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "v": self.v, "hlc": self.hlc, "args": self.args}


class SyncError(Exception):
    """An answer the client cannot retry its way out of (401, 403, 426, lost mutations)."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


@dataclass
class PushAnswer:
    """One push request and what came of it."""

    status: int
    body: dict[str, Any]
    sent: list[Mutation]
    retry_after: float | None = None

    @property
    def last_mutation_id(self) -> int | None:
        value = self.body.get("lastMutationID")
        return value if isinstance(value, int) else None

    @property
    def gap(self) -> int | None:
        gap = self.body.get("gap")
        return int(gap["expected"]) if isinstance(gap, dict) else None


@dataclass
class Stats:
    push_requests: int = 0
    pull_requests: int = 0
    transport_errors: int = 0
    gaps: int = 0
    halvings: int = 0
    throttled: int = 0
    client_resets: int = 0
    pull_resets: int = 0


@dataclass
class SyncClient:
    """One outbox writer (clientID) of one client group, authenticated as one user."""

    http: httpx.Client
    headers: dict[str, str]
    client_group_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    now_ms: Callable[[], int] | None = None
    chunk_size: int = CHUNK
    pull_limit: int = PULL_LIMIT
    max_attempts: int = 60
    backoff_s: tuple[float, float] = (0.01, 0.5)
    retry_after_cap_s: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    app_version: str = "reference-client"

    def __post_init__(self) -> None:
        # A client takes the server's stamps as they come (it is the one that may be behind).
        self.clock = Clock(node=self.client_id, now_ms=self.now_ms, max_future_ms=None)
        self.outbox: list[Mutation] = []
        self.next_id = 1
        # Server state as last pulled: (type, id) → {"version": n, "value": {...}}.
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.cookie: Any = None
        self.acked_up_to = 0  # highest mutation id the server acknowledged
        self.results: dict[int, dict[str, Any]] = {}  # per-mutation results seen
        self.attention: list[dict[str, Any]] = []  # rejected mutations, as the phone shows them
        self.history: list[Mutation] = []  # every mutation ever made, in order
        # Stamps of our own field writes, so `base` reflects what this client shows.
        self.local_stamps: dict[tuple[str, str], str] = {}
        self.renumbered: dict[tuple[str, int], tuple[str, int]] = {}
        self.stats = Stats()

    # ---- local writes (one "IndexedDB transaction" each) -------------------------------

    def mutate(self, name: str, args: dict[str, Any], *, v: int = 1) -> Mutation:
        mutation = Mutation(self.next_id, name, self.clock.now(), args, v)
        self.next_id += 1
        self.outbox.append(mutation)
        self.history.append(mutation)
        return mutation

    def create_lead(
        self, fields: dict[str, Any], *, lead_id: str | None = None, consent: dict[str, Any]
    ) -> Mutation:
        lead_id = lead_id or uuid7()
        mutation = self.mutate("lead.create", lead_create_args(lead_id, fields, consent))
        for name in fields:
            self.local_stamps[(lead_id, name)] = mutation.hlc
        return mutation

    def patch_lead(self, lead_id: str, changes: dict[str, Any]) -> Mutation:
        base = {name: self.field_stamp(lead_id, name) for name in changes}
        mutation = self.mutate("lead.patch", {"id": lead_id, "set": changes, "base": base})
        for name in changes:
            self.local_stamps[(lead_id, name)] = mutation.hlc
        return mutation

    def add_interaction(
        self, lead_id: str, *, kind: str = "conversation", body: str | None = None
    ) -> Mutation:
        args: dict[str, Any] = {"id": uuid7(), "lead_id": lead_id, "kind": kind}
        args.update(occurred_at=_now_iso(), body=body)
        return self.mutate("interaction.add", args)

    def create_session(self, fields: dict[str, Any], *, session_id: str | None = None) -> Mutation:
        """`session.create@1`: an outreach session (coffee stand, shop round …)."""
        fields = {"channel": "coffee_stand", "started_at": _now_iso(), **fields}
        return self.mutate("session.create", {"id": session_id or uuid7(), "fields": fields})

    def add_tally(self, session_id: str, *, kind: str = "coffees", delta: int = 1) -> Mutation:
        """`tally.add@1`: an increment with its own id (a replay never counts twice)."""
        args = {"id": uuid7(), "session_id": session_id, "kind": kind, "delta": delta}
        return self.mutate("tally.add", {**args, "occurred_at": _now_iso()})

    def field_stamp(self, lead_id: str, name: str) -> str | None:
        """The stamp of the value this client shows for a field: its own newer write, or
        the pulled server value."""
        record = self.records.get(("lead", lead_id))
        stamps_of = (record or {}).get("value", {}).get("_hlc") or {}
        server = stamps_of.get(name, stamps_of.get("*"))  # "*": every field not listed
        local = self.local_stamps.get((lead_id, name))
        stamps = [s for s in (server, local) if s]
        return max(stamps) if stamps else None

    # ---- push ---------------------------------------------------------------------------

    def push_body(self, batch: list[Mutation]) -> dict[str, Any]:
        oldest = self.outbox[0].hlc if self.outbox else None
        age = 0
        if oldest is not None:
            age = max(0, (self.clock.wall() - parse(oldest).wall_ms) // 1000)
        return {
            "protocol": PROTOCOL,
            "clientGroupID": self.client_group_id,
            "clientID": self.client_id,
            "schemaVersion": SCHEMA_VERSION,
            "appVersion": self.app_version,
            "pending": {"count": len(self.outbox), "oldestAgeS": age},
            "mutations": [m.wire() for m in batch],
        }

    def post_push(self, body: dict[str, Any], *, timeout: float | None = None) -> httpx.Response:
        self.stats.push_requests += 1
        kwargs: dict[str, Any] = {"json": body, "headers": self.headers}
        if timeout is not None:
            kwargs["timeout"] = timeout
        return self.http.post(PUSH_PATH, **kwargs)

    def next_batch(self, size: int | None = None) -> list[Mutation]:
        return self.outbox[: size or self.chunk_size]

    def push_batch(
        self, batch: list[Mutation] | None = None, *, timeout: float | None = None
    ) -> PushAnswer:
        """One push request, no retry. A 200 is folded in (acks, results, server clock);
        network errors propagate; other statuses come back for the caller to handle."""
        batch = self.next_batch() if batch is None else batch
        response = self.post_push(self.push_body(batch), timeout=timeout)
        body = _json(response)
        answer = PushAnswer(response.status_code, body, batch, _retry_after(response))
        if response.status_code == 200:
            self.apply_push_answer(answer)
        return answer

    def apply_push_answer(self, answer: PushAnswer) -> None:
        body = answer.body
        last = answer.last_mutation_id
        if last is None and answer.gap is not None:
            last = answer.gap - 1
        for result in body.get("results", []):
            self.results[int(result["id"])] = result
            if result.get("status") == "rejected":
                self.attention.append(result)
        if last is not None:
            self.acknowledge(last)
        if isinstance(body.get("serverHLC"), str):
            self.clock.receive(body["serverHLC"])
        if answer.gap is not None:
            self.stats.gaps += 1
            if self.outbox and self.outbox[0].id > answer.gap:
                raise SyncError(f"server expects mutation {answer.gap}, no longer in the outbox")

    def acknowledge(self, last: int) -> None:
        """Drop outbox entries the server acknowledged (I3: never before)."""
        self.acked_up_to = max(self.acked_up_to, last)
        self.outbox = [m for m in self.outbox if m.id > last]

    def push(self, *, chunk_size: int | None = None) -> int:
        """Push the whole outbox, retrying through every recoverable answer. Returns the
        number of requests made."""
        size = chunk_size or self.chunk_size
        requests = 0
        failures = 0
        while self.outbox:
            requests += 1
            try:
                answer = self.push_batch(self.next_batch(size))
            except httpx.TransportError:
                failures = self._failed(failures)
                continue
            status = answer.status
            if status == 200 and answer.gap is None and self.acked_up_to < answer.sent[0].id:
                # A 200 that acknowledges nothing and names no gap: a server bug, not a
                # reason to spin forever.
                raise SyncError(f"push made no progress: {answer.body}")
            if status == 200:
                failures = 0
            elif status == 413:
                self.stats.halvings += 1
                size = max(1, min(size, len(answer.sent)) // 2)
            elif status == 409:
                self.new_client_id()
            elif status in (429, 503):
                self.stats.throttled += 1
                wait = min(answer.retry_after or 1.0, self.retry_after_cap_s)
                failures = self._failed(failures, wait)
            elif status in (401, 403, 426) or status < 500:
                raise SyncError(f"push answered {status}: {answer.body}")
            else:
                failures = self._failed(failures)
        return requests

    def new_client_id(self) -> None:
        """The server lost our state (409 ClientStateNotFound): become a new clientID and
        re-send pending mutations numbered from 1. Creates are upserts, adds carry their
        own ids, so nothing doubles."""
        self.stats.client_resets += 1
        old = self.client_id
        self.client_id = str(uuid.uuid4())
        for new_id, mutation in enumerate(self.outbox, start=1):
            self.renumbered[(self.client_id, new_id)] = (old, mutation.id)
            mutation.id = new_id
        self.next_id = len(self.outbox) + 1
        self.acked_up_to = 0

    def _failed(self, failures: int, wait: float | None = None) -> int:
        failures += 1
        self.stats.transport_errors += wait is None
        if failures >= self.max_attempts:
            raise SyncError(f"gave up after {failures} failed attempts")
        low, high = self.backoff_s
        self.sleep(wait if wait is not None else min(high, low * 2 ** min(failures, 10)))
        return failures

    # ---- pull ---------------------------------------------------------------------------

    def pull_body(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL,
            "clientGroupID": self.client_group_id,
            "schemaVersion": SCHEMA_VERSION,
            "cookie": self.cookie,
            "limit": self.pull_limit,
        }

    def pull_page(self, *, timeout: float | None = None) -> dict[str, Any]:
        """One pull request; a 200 page is written to the local copy at once."""
        self.stats.pull_requests += 1
        kwargs: dict[str, Any] = {"json": self.pull_body(), "headers": self.headers}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = self.http.post(PULL_PATH, **kwargs)
        if response.status_code != 200:
            raise SyncError(f"pull answered {response.status_code}", response)
        page = _json(response)
        self.apply_page(page)
        return page

    def apply_page(self, page: dict[str, Any]) -> None:
        if page.get("reset"):
            self.stats.pull_resets += 1
            self.records.clear()
        for op in page.get("patch", []):
            key = (str(op["type"]), str(op["id"]))
            if op["op"] == "put":
                value = op["value"]
                self.records[key] = {"version": op.get("version"), "value": value}
                for stamp in (value.get("_hlc") or {}).values():
                    if isinstance(stamp, str):
                        self.clock.receive(stamp)
            elif op["op"] == "del":
                self.records.pop(key, None)
            else:
                raise SyncError(f"unknown patch op {op['op']!r}")
        self.cookie = page.get("cookie")
        changes = page.get("lastMutationIDChanges") or {}
        if self.client_id in changes:
            self.acknowledge(int(changes[self.client_id]))
        if isinstance(page.get("serverHLC"), str):
            self.clock.receive(page["serverHLC"])

    def pull(self, *, max_pages: int = 10_000) -> int:
        """Pull until `more` is false, retrying a page on network errors and 5xx/429.
        A page that says `more` without moving the cookie would loop forever (I4): fail."""
        pages = 0
        failures = 0
        while True:
            sent_cookie = self.cookie
            try:
                page = self.pull_page()
            except httpx.TransportError:
                failures = self._failed(failures)
                continue
            except SyncError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                if status in (429, 503) or status >= 500:
                    failures = self._failed(failures)
                    continue
                raise
            pages += 1
            failures = 0
            if not page.get("more"):
                return pages
            if page.get("cookie") == sent_cookie or pages >= max_pages:
                raise SyncError(
                    f"pull does not advance after {pages} pages: "
                    f"cookie {sent_cookie!r} → {page.get('cookie')!r}, "
                    f"{len(page.get('patch', []))} ops"
                )

    def sync(self) -> None:
        self.push()
        self.pull()

    # ---- views --------------------------------------------------------------------------

    def values(self, kind: str) -> dict[str, dict[str, Any]]:
        """The local copy of one entity type: id → value."""
        return {rid: rec["value"] for (t, rid), rec in self.records.items() if t == kind}


def lead_create_args(
    lead_id: str, fields: dict[str, Any], consent: dict[str, Any]
) -> dict[str, Any]:
    """`lead.create@1` args: the lead's fields, with the consent record among them."""
    return {"id": lead_id, "fields": {**fields, "consent": consent}}


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"body": body}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


AGENT_CONSENT: dict[str, Any] = {
    "purposes": ["contact"],
    "text_version": "2026-01",
    "text_sha256": "0" * 64,
    "language": "fr",
    "channel": "agent",
}
