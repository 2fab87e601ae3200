"""The browser sync client (pwa/js/sync) in real Chromium against the real server."""

from __future__ import annotations

import mimetypes
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from api.leads.models import Lead
from api.main import PWA_DIR
from api.users import service as user_service
from api.users.models import Device
from api.users.security import hash_token
from sync.models import SyncClient, SyncRejected
from tests.pwa.conftest import PIN, STATIC_PREFIX, Live, open_harness

pytestmark = pytest.mark.browser


def _people(n: int, tag: str) -> list[tuple[str, str]]:
    """Distinct first names (to look for in raw storage) and valid Belgian mobiles."""
    return [(f"{tag}{i:03d}q", f"+32470{i:06d}") for i in range(n)]


def _open(page: Page, agent: Any) -> None:
    assert page.evaluate("([u, p, t]) => T.open(u, p, t)", [agent.user_id, PIN, agent.token])


def _lead_count(live: Live, *, ids: list[str] | None = None, prefix: str | None = None) -> int:
    query = select(func.count()).select_from(Lead)
    if ids is not None:
        query = query.where(col(Lead.id).in_([uuid.UUID(i) for i in ids]))
    if prefix is not None:
        query = query.where(col(Lead.first_name).startswith(prefix))
    with Session(live.engine) as session:
        count: int = session.execute(query).scalar_one()
        return count


def _go_offline(context: BrowserContext) -> None:
    context.set_offline(True)
    context.route("**/api/**", lambda route: route.abort())


def _go_online(context: BrowserContext) -> None:
    context.unroute("**/api/**")
    context.set_offline(False)


def _serve_shell_from_disk(context: BrowserContext, live: Live) -> None:
    """The app shell while offline, as the service worker's precache will serve it."""

    def fulfil(route: Route) -> None:
        relative = route.request.url.split(STATIC_PREFIX, 1)[1].split("?", 1)[0]
        path = Path(PWA_DIR) / relative.lstrip("/")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)

    context.route(f"{live.base_url}{STATIC_PREFIX}/**", fulfil)


def test_offline_contacts_survive_a_reload_and_arrive_once(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _go_offline(context)
    _serve_shell_from_disk(context, live_server)
    _open(page, agent)
    people = _people(50, "Offlyn")
    ids = page.evaluate("(people) => T.createLeads(people)", people)
    assert len(set(ids)) == 50

    dump = page.evaluate("(u) => T.rawDump(u)", agent.user_id)
    assert all(i in dump for i in ids)  # ids stay in clear: the dump does see the records
    leaked = [text for person in people for text in person if text in dump]
    assert leaked == []
    assert page.evaluate("T.status()")["pending"] == 50

    # Stop syncing first: a request still paused in the route when its page closes can be
    # let through to the server by Playwright.
    page.evaluate("T.close()")
    page.close()
    page = open_harness(context, live_server)
    with pytest.raises(PlaywrightError, match="wrong_key"):
        page.evaluate("([u, t]) => T.open(u, '000000', t)", [agent.user_id, agent.token])
    _open(page, agent)
    leads = page.evaluate("T.list('lead')")
    assert sorted(lead["first_name"] for lead in leads) == sorted(p[0] for p in people)
    assert all(lead["_pending"] for lead in leads)
    assert _lead_count(live_server, ids=ids) == 0

    _go_online(context)
    assert page.evaluate("T.sync()") == {"ok": True, "error": None}
    assert page.evaluate("T.outboxIds()") == []
    assert _lead_count(live_server, ids=ids) == 50
    assert _lead_count(live_server, prefix="Offlyn") == 50
    status = page.evaluate("T.status()")
    assert (status["pending"], status["error"]) == (0, None)
    assert status["lastSyncAt"] is not None
    leads = page.evaluate("T.list('lead')")
    assert sorted(lead["id"] for lead in leads) == sorted(ids)
    assert not any(lead.get("_pending") for lead in leads)


def test_rejected_mutation_goes_to_attention_and_the_outbox_advances(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, agent)
    bad, good = page.evaluate("[T.newId(), T.newId()]")
    outcome = page.evaluate(
        """async ([bad, good]) => {
            const fields = (name, phone) => T.leadFields(name, phone);
            await T.mutate('lead.create', {id: bad, fields: fields('Rejectme', 'no phone')});
            await T.mutate('lead.create', {id: good, fields: fields('Keepme', '+32470999001')});
            return T.sync();
        }""",
        [bad, good],
    )
    assert outcome == {"ok": True, "error": None}
    assert page.evaluate("T.outboxIds()") == []

    items = page.evaluate("T.attention()")
    assert len(items) == 1
    item = items[0]
    assert (item["kind"], item["mutationId"], item["name"], item["id"]) == (
        "rejected",
        1,
        "lead.create",
        bad,
    )
    assert item["code"]
    assert item["data"]["fields"]["first_name"] == "Rejectme"
    assert [n["mutationId"] for n in page.evaluate("T.seen().attention")] == [1]

    client_id = uuid.UUID(page.evaluate("T.state()")["clientID"])
    with Session(live_server.engine) as session:
        client = session.get(SyncClient, client_id)
        assert client is not None and client.last_mutation_id == 2
        rejected = session.execute(
            select(SyncRejected).where(col(SyncRejected.client_id) == client_id)
        ).scalars()
        assert [(r.mutation_id, r.name) for r in rejected] == [(1, "lead.create")]
    assert _lead_count(live_server, ids=[bad]) == 0
    assert _lead_count(live_server, ids=[good]) == 1
    # The overlay of the rejected create is gone; the accepted one is server state now.
    assert page.evaluate("([t, i]) => T.get(t, i)", ["lead", bad]) is None
    kept = page.evaluate("([t, i]) => T.get(t, i)", ["lead", good])
    assert kept["first_name"] == "Keepme" and not kept.get("_pending")


def test_patches_show_at_once_and_settle_to_the_server_state(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, agent)
    [lead_id] = page.evaluate("(p) => T.createLeads(p)", [("Patchable", "+32470555001")])
    assert page.evaluate("T.sync()")["ok"]
    page.evaluate(
        """async (id) => {
            const lead = await T.get('lead', id);
            const base = T.baseOf(lead, ['phone', 'commune']);
            await T.mutate('lead.patch', {id, set: {phone: 'not a phone'}, base});
            await T.mutate('lead.patch', {id, set: {commune: 'Ixelles'}, base});
        }""",
        lead_id,
    )
    shown = page.evaluate("(id) => T.get('lead', id)", lead_id)
    assert (shown["phone"], shown["commune"], shown["_pending"]) == ("not a phone", "Ixelles", True)

    assert page.evaluate("T.sync()") == {"ok": True, "error": None}
    shown = page.evaluate("(id) => T.get('lead', id)", lead_id)
    assert (shown["phone"], shown["commune"]) == ("+32470555001", "Ixelles")
    assert not shown.get("_pending")
    assert [(n["kind"], n["mutationId"]) for n in page.evaluate("T.attention()")] == [
        ("rejected", 2)
    ]
    with Session(live_server.engine) as session:
        lead = session.get(Lead, uuid.UUID(lead_id))
        assert lead is not None and (lead.phone, lead.commune) == ("+32470555001", "Ixelles")


def test_a_concurrent_edit_is_reported_under_attention(
    live_server: Live, context: BrowserContext, browser: Browser
) -> None:
    first = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, first)
    [lead_id] = page.evaluate("(p) => T.createLeads(p)", [("Contested", "+32470555002")])
    assert page.evaluate("T.sync()")["ok"]
    edit = """async ([id, commune]) => {
        const base = T.baseOf(await T.get('lead', id), ['commune']);
        await T.mutate('lead.patch', {id, set: {commune}, base});
    }"""
    other_context = browser.new_context()
    try:
        other = open_harness(other_context, live_server)
        _open(other, live_server.new_agent(team_id=first.team_id))
        assert other.evaluate("T.sync()")["ok"]
        other.evaluate(edit, [lead_id, "Etterbeek"])  # both saw the same stamp
        # The first phone is offline while the other pushes, so its own automatic sync
        # (1 s after a write, or on the poke) cannot push first, however slow the machine.
        context.set_offline(True)
        page.evaluate(edit, [lead_id, "Ixelles"])  # made later: wins
        assert other.evaluate("T.sync()")["ok"]
        context.set_offline(False)
        assert page.evaluate("T.sync()")["ok"]
    finally:
        other_context.close()

    items = page.evaluate("T.attention()")
    assert [(n["kind"], n["id"]) for n in items] == [("conflict", lead_id)]
    assert [(c["field"], c["won"]) for c in items[0]["data"]["conflicts"]] == [("commune", True)]
    assert items[0]["data"]["mine"] == {"commune": "Ixelles"}  # shown beside the value now
    assert page.evaluate("(id) => T.get('lead', id)", lead_id)["commune"] == "Ixelles"


def test_reset_clears_the_server_copy_but_keeps_the_outbox(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, agent)
    synced = page.evaluate("(p) => T.createLeads(p)", _people(3, "Resetsynced"))
    assert page.evaluate("T.sync()")["ok"]
    stale = page.evaluate("T.newId()")
    page.evaluate("(id) => T.putServerRecord('lead', id, {id, first_name: 'Stale'})", stale)

    context.route("**/api/sync/push", lambda route: route.abort())
    pending = page.evaluate("(p) => T.createLeads(p)", _people(2, "Resetpending"))
    page.evaluate("T.forgetCookie()")
    with page.expect_response("**/api/sync/pull") as response:
        page.evaluate("T.pull()")
    assert response.value.json()["reset"] is True

    assert page.evaluate("([t, i]) => T.get(t, i)", ["lead", stale]) is None
    leads = {lead["id"]: lead for lead in page.evaluate("T.list('lead')")}
    assert set(leads) == set(synced) | set(pending)
    assert all(leads[i].get("_pending") for i in pending)
    assert not any(leads[i].get("_pending") for i in synced)
    assert page.evaluate("T.outboxIds()") == [4, 5]

    context.unroute("**/api/sync/push")
    assert page.evaluate("T.sync()") == {"ok": True, "error": None}
    assert page.evaluate("T.outboxIds()") == []
    assert _lead_count(live_server, ids=synced + pending) == 5


def test_push_goes_in_chunks_of_100(live_server: Live, context: BrowserContext) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _go_offline(context)
    _open(page, agent)
    ids = page.evaluate("(p) => T.createLeads(p)", _people(250, "Chunk"))
    chunks: list[list[int]] = []

    def record(request: Request) -> None:
        if request.url.endswith("/api/sync/push"):
            body = request.post_data_json
            assert body is not None
            chunks.append([m["id"] for m in body["mutations"]])

    page.on("request", record)
    _go_online(context)
    assert page.evaluate("T.sync()") == {"ok": True, "error": None}
    assert [len(c) for c in chunks] == [100, 100, 50]
    assert [i for c in chunks for i in c] == list(range(1, 251))
    assert page.evaluate("T.outboxIds()") == []
    assert _lead_count(live_server, ids=ids) == 250


def test_expired_login_keeps_the_outbox(live_server: Live, context: BrowserContext) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, agent)
    page.evaluate("T.setToken('not-a-valid-token')")
    ids = page.evaluate("(p) => T.createLeads(p)", _people(2, "Expired"))
    assert page.evaluate("T.sync()") == {"ok": False, "error": "auth_required"}
    assert page.evaluate("T.outboxIds()") == [1, 2]
    assert [e["name"] for e in page.evaluate("T.seen().events")][:1] == ["auth_required"]

    page.evaluate("(t) => T.setToken(t)", agent.token)
    assert page.evaluate("T.sync()") == {"ok": True, "error": None}
    assert page.evaluate("T.outboxIds()") == []
    assert _lead_count(live_server, ids=ids) == 2


def test_server_that_lost_the_client_gets_pending_mutations_once(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, agent)
    first = page.evaluate("(p) => T.createLeads(p)", _people(1, "Lostfirst"))
    assert page.evaluate("T.sync()")["ok"]
    old_client = page.evaluate("T.state()")["clientID"]
    with Session(live_server.engine) as session:  # e.g. restored from an older backup
        session.execute(delete(SyncClient).where(col(SyncClient.id) == uuid.UUID(old_client)))
        session.commit()

    later = page.evaluate("(p) => T.createLeads(p)", _people(2, "Lostlater"))
    assert page.evaluate("T.sync()") == {"ok": True, "error": None}
    new_client = page.evaluate("T.state()")["clientID"]
    assert new_client != old_client
    assert page.evaluate("T.outboxIds()") == []
    assert _lead_count(live_server, ids=first + later) == 3
    with Session(live_server.engine) as session:
        client = session.get(SyncClient, uuid.UUID(new_client))
        assert client is not None and client.last_mutation_id == 2


def test_a_poke_makes_the_other_phone_pull(
    live_server: Live, context: BrowserContext, browser: Browser
) -> None:
    watcher = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, watcher)
    assert page.evaluate("T.sync()")["ok"]

    writer_context = browser.new_context()
    try:
        writer = live_server.new_agent(team_id=watcher.team_id)
        other = open_harness(writer_context, live_server)
        _open(other, writer)
        [lead_id] = other.evaluate("(p) => T.createLeads(p)", _people(1, "Poked"))
        assert other.evaluate("T.sync()")["ok"]
    finally:
        writer_context.close()

    _wait_until(
        lambda: page.evaluate("([t, i]) => T.get(t, i)", ["lead", lead_id]) is not None,
        "the poke did not bring the new lead",
    )


def _wait_until(check: Any, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_only_one_tab_syncs_and_another_takes_over(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    first = open_harness(context, live_server)
    _open(first, agent)
    second = open_harness(context, live_server)
    assert not second.evaluate(
        "([u, p, t]) => T.open(u, p, t, 300)", [agent.user_id, PIN, agent.token]
    )
    pushes: list[str] = []

    def recorder(name: str) -> Callable[[Request], None]:
        def record(request: Request) -> None:
            if request.url.endswith("/api/sync/push"):
                pushes.append(name)

        return record

    first.on("request", recorder("first"))
    second.on("request", recorder("second"))

    # A write in the second tab is pushed by the first (the leader), about a second later.
    [lead_id] = second.evaluate("(p) => T.createLeads(p)", _people(1, "Tabwritten"))
    _wait_until(lambda: _lead_count(live_server, ids=[lead_id]) == 1, "leader did not push")
    _wait_until(lambda: second.evaluate("T.outboxIds()") == [], "outbox not emptied")
    assert pushes == ["first"]  # (request events arrive during Playwright calls)

    first.close()
    _wait_until(lambda: second.evaluate("T.isLeader()"), "second tab did not take over")
    [later] = second.evaluate("(p) => T.createLeads(p)", _people(1, "Tablater"))
    assert second.evaluate("T.sync()") == {"ok": True, "error": None}
    assert _lead_count(live_server, ids=[later]) == 1


def test_a_device_revoked_with_wipe_deletes_its_local_data(
    live_server: Live, context: BrowserContext
) -> None:
    """AC-4: a lost phone's token is revoked with a wipe; at its next sync the phone deletes
    its whole database, unsynced changes included."""
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    _open(page, agent)
    context.set_offline(True)  # the changes stay unsynced until the wipe
    page.evaluate("(p) => T.createLeads(p)", _people(2, "Wiped"))
    database = f"terrain-{agent.user_id}"
    names = "async () => (await indexedDB.databases()).map((d) => d.name)"
    assert database in page.evaluate(names)
    with Session(live_server.engine) as session:
        device = session.execute(
            select(Device).where(col(Device.token_hash) == hash_token(agent.token))
        ).scalar_one()
        user_service.revoke_device(session, device_id=device.id, wipe=True)

    context.set_offline(False)  # back online: the client syncs by itself
    gone = """async (name) => {
        for (let i = 0; i < 200; i++) {
            const all = await indexedDB.databases();
            if (!all.some((d) => d.name === name)) return true;
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return false;
    }"""
    assert page.evaluate(gone, database)
    assert [e["name"] for e in page.evaluate("T.seen().events")] == ["wiped"]
    assert _lead_count(live_server, prefix="Wiped") == 0


# A phone's database as version 1 of the store made it: a 'type' index, `dirty: 0` on
# clean records.
MAKE_VERSION_1 = """async (userId) => {
  const ask = (r) => new Promise((ok, ko) => { r.onsuccess = () => ok(r.result); r.onerror = ko; });
  const request = indexedDB.open(`terrain-${userId}`, 1);
  request.onupgradeneeded = () => {
    const db = request.result;
    db.createObjectStore('meta');
    const records = db.createObjectStore('records', { keyPath: ['type', 'id'] });
    records.createIndex('type', 'type');
    records.createIndex('dirty', 'dirty');
    db.createObjectStore('outbox', { keyPath: 'id' });
    db.createObjectStore('attention', { keyPath: 'seq', autoIncrement: true });
  };
  (await ask(request)).close();
}"""
INDEXES = """async (userId) => {
  const ask = (r) => new Promise((ok, ko) => { r.onsuccess = () => ok(r.result); r.onerror = ko; });
  const db = await ask(indexedDB.open(`terrain-${userId}`));
  const names = [...db.transaction('records').objectStore('records').indexNames];
  const version = db.version;
  db.close();
  return { version, names };
}"""


def test_a_version_1_store_upgrades_and_lists_by_type(
    live_server: Live, context: BrowserContext
) -> None:
    agent = live_server.new_agent()
    page = open_harness(context, live_server)
    page.evaluate(MAKE_VERSION_1, agent.user_id)
    _open(page, agent)
    assert page.evaluate(INDEXES, agent.user_id) == {"version": 2, "names": ["dirty"]}
    ids = page.evaluate("(p) => T.createLeads(p)", [("Upgraded", "+32470555009")])
    page.evaluate("() => T.sync()")
    assert _lead_count(live_server, ids=ids) == 1
    # Records of several types: listed by type through the primary key's range.
    page.evaluate(
        """async () => {
          await T.putServerRecord('lead', T.newId(), {first_name: 'Old'});
          await T.putServerRecord('followup', T.newId(), {kind: 'oldkind'});
        }"""
    )
    leads = page.evaluate("() => T.list('lead')")
    assert sorted(lead["first_name"] for lead in leads) == ["Old", "Upgraded"]
    kinds = sorted(f["kind"] for f in page.evaluate("() => T.list('followup')"))
    assert kinds == ["call", "oldkind"]  # the server's first call, and the one put here
