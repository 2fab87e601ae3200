"""The held-load mix of privacy-security.md as locust users (run by bench/load.py).

60 agents each push 20 mutations (lead creates and interactions) every 30 s and pull
until done; 10 coordinators read the queue (lead list) and the funnel; the public form
takes about one submission a second from different people; one flooder hammers the form
from one address (its 429s are the expected answer). Every request goes to the next
instance in turn. The ids the server acknowledged are written out for the check.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import gevent
from locust import HttpUser, between, constant, constant_throughput, events, task

with open(os.environ["LOAD_CONFIG"]) as _fp:
    CONFIG: dict[str, Any] = json.load(_fp)
HOSTS: list[str] = CONFIG["hosts"]
_turn = itertools.count()
_agents = iter(CONFIG["agents"])
_coordinators = itertools.cycle(CONFIG["coordinators"])
ACKED: dict[str, Any] = {"lead": [], "interaction": [], "flood": {}}
SHA = "a" * 64


def host() -> str:
    return HOSTS[next(_turn) % len(HOSTS)]


def lead_fields(tag: str, n: int) -> dict[str, Any]:
    return {
        "first_name": f"Load{tag}",
        "last_name": f"Person {n}",
        "phone": f"+3247{random.randrange(1_000_000, 9_999_999)}",
        "language": "fr",
        "commune": "Molenbeek-Saint-Jean",
        "project_idea": "Épicerie et traiteur, livraison dans le quartier.",
        "needs": ["credit"],
        "channel": "coffee_stand",
        "consent": {
            "purposes": ["contact"],
            "text_version": "2026-01",
            "text_sha256": SHA,
            "language": "fr",
        },
    }


class Agent(HttpUser):
    fixed_count = CONFIG["agent_count"]
    wait_time = constant(30)

    def on_start(self) -> None:
        self.token = next(_agents)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.group_id, self.client_id = str(uuid.uuid4()), str(uuid.uuid4())
        self.next_id = 1
        self.pending: list[dict[str, Any]] = []
        self.leads: list[str] = []
        self.cookie: Any = None
        # Spread the agents over the 30 s period, as phones are.
        self.wait_s = random.uniform(0, 30)
        self.made = 0

    def _mutation(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        m = {
            "id": self.next_id,
            "name": name,
            "v": 1,
            "args": args,
            "hlc": f"{now_ms:013d}-{self.next_id % 65536:04x}-{self.client_id}",
        }
        self.next_id += 1
        return m

    def _new_batch(self) -> None:
        """Ten new leads and one interaction on each (20 mutations)."""
        for _ in range(10):
            lead_id = str(uuid.uuid4())
            self.made += 1
            fields = lead_fields(lead_id[:8], self.made)
            self.pending.append(self._mutation("lead.create", {"id": lead_id, "fields": fields}))
            self.pending.append(
                self._mutation(
                    "interaction.add",
                    {
                        "id": str(uuid.uuid4()),
                        "lead_id": lead_id,
                        "kind": "conversation",
                        "occurred_at": datetime.now(UTC).isoformat(),
                        "body": "Coffee stand.",
                    },
                )
            )

    @task
    def sync(self) -> None:
        if self.wait_s:
            self.wait_s, wait = 0.0, self.wait_s
            gevent.sleep(wait)
        if not self.pending:
            self._new_batch()
        self._push()
        self._pull()

    def _push(self) -> None:
        body = {
            "protocol": 1,
            "clientGroupID": self.group_id,
            "clientID": self.client_id,
            "schemaVersion": 1,
            "appVersion": "load",
            "mutations": self.pending[:100],
            "pending": {"count": len(self.pending), "oldestAgeS": 0},
        }
        with self.client.post(
            f"{host()}/api/sync/push",
            json=body,
            headers=self.headers,
            name="sync push",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"push {r.status_code}")
                return  # kept: sent again next time, as a phone does
            answer = r.json()
            last = answer["lastMutationID"]
            results = {x["id"]: x for x in answer["results"]}
            for m in self.pending:
                if m["id"] <= last and results.get(m["id"], {}).get("status") == "applied":
                    kind = "lead" if m["name"] == "lead.create" else "interaction"
                    ACKED[kind].append(m["args"]["id"])
                elif m["id"] <= last and m["id"] in results:
                    r.failure(f"rejected {results[m['id']].get('code')}")
            self.pending = [m for m in self.pending if m["id"] > last]

    def _pull(self) -> None:
        for _ in range(50):
            body = {
                "protocol": 1,
                "clientGroupID": self.group_id,
                "schemaVersion": 1,
                "cookie": self.cookie,
                "limit": 500,
            }
            with self.client.post(
                f"{host()}/api/sync/pull",
                json=body,
                headers=self.headers,
                name="sync pull",
                catch_response=True,
            ) as r:
                if r.status_code != 200:
                    r.failure(f"pull {r.status_code}")
                    return
                page = r.json()
            self.cookie = page["cookie"]
            if not page["more"]:
                return


class Coordinator(HttpUser):
    fixed_count = CONFIG["coordinator_count"]
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {next(_coordinators)}"}

    @task(3)
    def queue(self) -> None:
        self.client.get(
            f"{host()}/api/leads?status=new&sort=-created_at&limit=50",
            headers=self.headers,
            name="queue",
        )

    @task(2)
    def funnel(self) -> None:
        self.client.get(f"{host()}/api/funnel", headers=self.headers, name="funnel")


def _form(n: int) -> dict[str, Any]:
    return {
        "first_name": f"Intake{n}",
        "phone": f"+3248{random.randrange(10**6, 10**7 - 1)}",
        "language": "fr",
        "consent": "contact",
        "token": uuid.uuid4().hex,
    }


class PublicIntake(HttpUser):
    """People on their own phones: about one submission a second, each from its address."""

    fixed_count = 1
    wait_time = constant_throughput(1)

    @task
    def submit(self) -> None:
        n = random.randrange(1, 10**9)
        address = f"10.{n % 250}.{(n // 250) % 250}.{(n // 62500) % 250 + 1}"
        with self.client.post(
            f"{host()}/fr/intake",
            data=_form(n),
            name="intake",
            headers={"Accept": "application/json", "X-Forwarded-For": address},
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"intake {r.status_code} {r.text[:80]}")


class Flooder(HttpUser):
    """One address sending far too much: the server answers 429 (not an error here)."""

    fixed_count = 1
    wait_time = constant_throughput(10)

    @task
    def flood(self) -> None:
        with self.client.post(
            f"{host()}/fr/intake",
            data=_form(0),
            name="intake flood",
            headers={"Accept": "application/json", "X-Forwarded-For": "192.0.2.66"},
            catch_response=True,
        ) as r:
            flood = ACKED["flood"]
            flood[str(r.status_code)] = flood.get(str(r.status_code), 0) + 1
            if r.status_code in (200, 422, 429):
                r.success()
            else:
                r.failure(f"flood {r.status_code}")


@events.quitting.add_listener
def _write_acked(environment: Any, **_kw: Any) -> None:
    with open(CONFIG["acked_path"], "w") as fp:
        json.dump(ACKED, fp)
