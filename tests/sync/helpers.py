"""A minimal sync client for tests: numbered mutations, HLC stamps, a replica from pulls."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

SHA = "a" * 64
DAY_MS = 24 * 3600 * 1000


class Http(Protocol):
    def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Any: ...


def now_ms() -> int:
    return int(time.time() * 1000)


def stamp(wall_ms: int, counter: int, node: uuid.UUID | str) -> str:
    return f"{wall_ms:013d}-{counter:04x}-{node}"


def lead_fields(**over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "first_name": "Fatima",
        "last_name": "El Amrani",
        "phone": "+32470123456",
        "language": "fr",
        "commune": "Molenbeek",
        "postcode": "1080",
        "needs": ["credit"],
        "channel": "coffee_stand",
        "consent": {
            "purposes": ["contact"],
            "text_version": "2026-01",
            "text_sha256": SHA,
            "language": "fr",
        },
    }
    fields.update(over)
    return fields


@dataclass
class Phone:
    """One browser profile of one user: a client group, an outbox writer, a replica."""

    http: Http
    headers: dict[str, str]
    group: uuid.UUID = field(default_factory=uuid.uuid4)
    client: uuid.UUID = field(default_factory=uuid.uuid4)
    next_id: int = 1
    wall_ms: int = field(default_factory=now_ms)
    counter: int = 0
    cookie: str | None = None
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    schema_version: int = 1

    def hlc(self) -> str:
        self.counter += 1
        return stamp(self.wall_ms, self.counter, self.client)

    def mutation(
        self, name: str, args: dict[str, Any], *, hlc: str | None = None
    ) -> dict[str, Any]:
        m = {"id": self.next_id, "name": name, "v": 1, "hlc": hlc or self.hlc(), "args": args}
        self.next_id += 1
        return m

    def create_lead(self, lead_id: uuid.UUID | None = None, **over: Any) -> dict[str, Any]:
        return self.mutation(
            "lead.create", {"id": str(lead_id or uuid.uuid4()), "fields": lead_fields(**over)}
        )

    def body(self, mutations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "protocol": 1,
            "clientGroupID": str(self.group),
            "clientID": str(self.client),
            "schemaVersion": self.schema_version,
            "appVersion": "test",
            "pending": {"count": len(mutations), "oldestAgeS": 0},
            "mutations": mutations,
            **extra,
        }

    def push(self, mutations: list[dict[str, Any]], *, expect: int = 200) -> dict[str, Any]:
        r = self.http.post("/api/sync/push", json=self.body(mutations), headers=self.headers)
        assert r.status_code == expect, r.text
        data: dict[str, Any] = r.json()
        return data

    def pull_page(self, limit: int = 500, *, expect: int = 200) -> dict[str, Any]:
        body = {
            "protocol": 1,
            "clientGroupID": str(self.group),
            "schemaVersion": self.schema_version,
            "cookie": self.cookie,
            "limit": limit,
        }
        r = self.http.post("/api/sync/pull", json=body, headers=self.headers)
        assert r.status_code == expect, r.text
        page: dict[str, Any] = r.json()
        if expect != 200:
            return page
        if page["reset"]:
            self.records.clear()
        for op in page["patch"]:
            key = (op["type"], op["id"])
            if op["op"] == "put":
                self.records[key] = {"version": op["version"], **op["value"]}
            else:
                self.records.pop(key, None)
        self.cookie = page["cookie"]
        if "lastMutationIDChanges" in page:
            self.acked.update(page["lastMutationIDChanges"])
        return page

    def pull(self, limit: int = 500) -> list[dict[str, Any]]:
        """Pull until `more` is false; returns the pages."""
        pages = [self.pull_page(limit)]
        while pages[-1]["more"]:
            pages.append(self.pull_page(limit))
        return pages

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {i: v for (t, i), v in self.records.items() if t == kind}
