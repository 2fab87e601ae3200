"""Push in the agent app, in real Chromium: the settings section asks the browser only after
a tap, subscribes and saves preferences; a push from the server is shown by the service
worker (pwa/sw.js imports pwa/js/sw/push.js) and its click opens the lead.

Two stand-ins, both for things that cannot run in this sandbox: the browser's own push
service (FCM) is unreachable, so `pushManager.subscribe()` would wait for it forever — the
test gives the page the loopback receiver's subscription instead (made like a browser makes
one, the private key held by the receiver); and the message reaches the service worker
through DevTools' `ServiceWorker.deliverPushMessage`, as Chrome delivers what FCM hands it.
Notification clicks cannot be made by a script with the browser's blessing: the test
dispatches a `notificationclick` with the notification the worker really showed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Browser, Playwright, expect
from sqlalchemy import select
from sqlmodel import Session

from api.config import DEFAULT_PUSH_HOSTS
from api.db import get_engine
from api.push.keys import VapidKeys, pem_of, public_key_of
from api.push.models import PushPreference, PushSubscription
from api.push.webpush import Sender
from api.push.worker import PushWorker
from api.users.models import Organisation, TeamMember, User
from api.vocab import Role
from tests.agent.conftest import Phone
from tests.scratch import app_in_thread
from tests.support.push_receiver import PushReceiver
from tests.web.conftest import Live, Person, log_in

pytestmark = pytest.mark.browser

# The page's pushManager, answering with the receiver's subscription (see the docstring).
BRIDGE = """
(() => {
  const SUB = %s;
  const SAVED = 'test-push-key';
  const calls = (window.__pushCalls = []);
  const b64 = (u8) => btoa(String.fromCharCode(...u8))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')),
    (c) => c.charCodeAt(0));
  const made = (key) => ({
    endpoint: SUB.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: key.buffer },
    toJSON: () => ({ endpoint: SUB.endpoint, expirationTime: null, keys: SUB.keys }),
    unsubscribe: async () => { localStorage.removeItem(SAVED); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    calls.push({ userVisibleOnly: options.userVisibleOnly, key: b64(key),
      permission: Notification.permission });
    localStorage.setItem(SAVED, b64(key));
    return made(key);
  };
  PushManager.prototype.getSubscription = async function () {
    const saved = localStorage.getItem(SAVED);
    return saved ? made(unb64(saved)) : null;
  };
})();
"""

CLICK = """async () => {
  const [shown] = await self.registration.getNotifications();
  const event = new NotificationEvent('notificationclick', { notification: shown });
  const pending = [];
  // A script's event cannot extend itself: collect what the handler waits for instead.
  Object.defineProperty(event, 'waitUntil', { value: (p) => pending.push(p) });
  self.dispatchEvent(event);
  return (await Promise.allSettled(pending)).map((r) => r.status);
}"""


@pytest.fixture(scope="module")
def vapid() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    return VapidKeys(key, public_key_of(key), "test")


@pytest.fixture(scope="module")
def receiver(vapid: VapidKeys) -> Iterator[PushReceiver]:
    r = PushReceiver(vapid.public_key).start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def live(
    live_database: str,
    tmp_path_factory: pytest.TempPathFactory,
    vapid: VapidKeys,
    receiver: PushReceiver,
) -> Iterator[Live]:
    env = {
        "TERRAIN_VAPID_PRIVATE_KEY": pem_of(vapid.private_key).decode(),
        "TERRAIN_PUSH_ALLOWED_HOSTS": f"{DEFAULT_PUSH_HOSTS},{receiver.host}",
        "TERRAIN_PUSH_WORKER": "false",  # the test drains the outbox itself
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with app_in_thread(live_database, tmp_path_factory.mktemp("push-web")) as base_url:
            engine = get_engine()
            with Session(engine) as session:
                org = Organisation(name="Push browser test")
                session.add(org)
                session.commit()
                live = Live(base_url, engine, org.id)
            try:
                yield live
            finally:
                live.http.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def phone(playwright: Playwright, live: Live, tmp_path: Path) -> Iterator[Phone]:
    made = Phone(playwright, live, tmp_path / "profile")
    yield made
    made.close()


def turn_on(phone: Phone, live: Live, person: Person, receiver: PushReceiver) -> str:
    """Log in, then turn notifications on in the settings as the agent would; the token of
    the receiver's subscription."""
    sub = receiver.subscribe()
    page = phone.open()
    assert phone.context is not None
    phone.context.add_init_script(BRIDGE % json.dumps(sub))
    phone.log_in(person)
    page.reload()  # the bridge is in place from this load on
    phone.unlock()
    expect(page.locator(".today h1")).to_be_visible()
    phone.go("#/settings")
    section = page.locator(".push-settings")
    expect(section).to_contain_text("ne montrent jamais de nom")
    # Nothing asked yet: the browser's question waits for the agent's tap.
    assert page.evaluate("Notification.permission") == "default"
    assert page.evaluate("window.__pushCalls.length") == 0
    phone.context.grant_permissions(["notifications"], origin=live.base_url)  # "Allow"
    section.get_by_role("button", name="Activer les notifications").click()
    expect(section).to_contain_text("Les notifications sont activées sur ce téléphone")
    return str(sub["endpoint"]).rsplit("/", 1)[-1]


def subscriptions(live: Live) -> list[PushSubscription]:
    with Session(live.engine) as session:
        return list(session.execute(select(PushSubscription)).scalars())


def test_permission_after_a_tap_then_preferences(
    phone: Phone, live: Live, receiver: PushReceiver, vapid: VapidKeys
) -> None:
    person = live.new_person(name="Fatou Ndiaye", role=Role.agent)
    turn_on(phone, live, person, receiver)
    page = phone.p
    [call] = page.evaluate("window.__pushCalls")
    assert call == {"userVisibleOnly": True, "key": vapid.public_key, "permission": "granted"}
    mine = [s for s in subscriptions(live) if str(s.user_id) == person.id]
    assert len(mine) == 1 and mine[0].endpoint.startswith(receiver.origin)

    section = page.locator(".push-settings")
    section.get_by_label("Un contact m\u2019est renvoyé").uncheck()
    expect(section.locator("[role=status]")).to_have_text("Enregistré.")
    section.get_by_label("Heures calmes : pas de notifications").check()
    section.get_by_label("Commence à", exact=True).fill("22:30")

    def saved() -> PushPreference | None:
        with Session(live.engine) as session:
            pref = session.get(PushPreference, uuid.UUID(person.id))
        quiet = pref and pref.quiet_start and pref.quiet_start.strftime("%H:%M")
        return pref if quiet == "22:30" else None

    page.wait_for_timeout(100)
    for _ in range(50):  # the save runs in the background of the page
        if (pref := saved()) is not None:
            break
        page.wait_for_timeout(100)
    assert pref is not None and pref.sent_back is False and pref.assigned is True
    assert pref.quiet_end is not None and pref.quiet_end.strftime("%H:%M") == "07:00"
    page.screenshot(path=str(Path(phone.profile).parent / "push-settings-390.png"), full_page=True)

    section.get_by_role("button", name="Désactiver les notifications sur ce téléphone").click()
    expect(section.get_by_role("button", name="Activer les notifications")).to_be_visible()
    assert [s for s in subscriptions(live) if str(s.user_id) == person.id] == []
    assert phone.errors == []


def test_a_push_is_shown_and_its_click_opens_the_lead(
    phone: Phone, live: Live, receiver: PushReceiver, vapid: VapidKeys
) -> None:
    person = live.new_person(name="Moussa Traoré", role=Role.agent)
    token = turn_on(phone, live, person, receiver)
    page = phone.p
    # A coordinator of the agent's team assigns the agent one of the team's leads.
    coordinator = live.new_person(name="Claire Dubois", role=Role.coordinator)
    with Session(live.engine) as session:
        team = session.execute(
            select(TeamMember.team_id).where(TeamMember.user_id == uuid.UUID(person.id))
        ).scalar_one()
        session.add(TeamMember(team_id=team, user_id=uuid.UUID(coordinator.id)))
        assert session.get(User, uuid.UUID(coordinator.id)) is not None
        session.commit()
    lead = live.create_lead(person, "Canaryaminata")
    r = live.http.post(
        f"/api/leads/{lead['id']}/assign",
        json={"agent_id": person.id},
        headers=coordinator.headers(),
    )
    assert r.status_code == 200, r.text
    worker = PushWorker(
        live.engine,
        Sender(vapid, "mailto:push@localhost"),
        allowed_hosts=f"{DEFAULT_PUSH_HOSTS},{receiver.host}",
    )
    while worker.run_once():
        pass
    [message] = receiver.for_token(token)
    assert message.payload["url"] == f"/#/leads/{lead['id']}"
    assert "Canaryaminata" not in message.raw.decode()

    # The phone syncs (at its next start here) and has the lead.
    page.reload()
    phone.unlock()
    phone.go("#/leads")
    expect(page.locator("main")).to_contain_text("Canaryaminata", timeout=30_000)
    phone.go("#/today")
    expect(page.locator(".today h1")).to_be_visible()

    # The push service hands the message to Chrome, which wakes the worker.
    assert phone.context is not None
    cdp = phone.context.new_cdp_session(page)
    registrations: list[dict[str, str]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)  # the registration events
    [registration] = {r["registrationId"] for r in registrations if not r.get("isDeleted")}
    [worker_js] = [w for w in phone.context.service_workers if w.url.endswith("/sw.js")]
    count = "async () => (await self.registration.getNotifications()).length"
    for _ in range(10):
        # DevTools may drop a message sent just after ServiceWorker.enable: send it until
        # it arrives (one tag per kind, so a second copy would only replace the first).
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live.base_url, "registrationId": registration, "data": message.raw.decode()},
        )
        page.wait_for_timeout(500)
        if worker_js.evaluate(count):
            break
    shown = worker_js.evaluate(
        """async () => (await self.registration.getNotifications())
          .map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}))"""
    )
    assert shown == [
        {
            "title": "Terrain",
            "body": "1 contact vous a été attribué",
            "tag": "assigned",
            "data": {"url": f"/#/leads/{lead['id']}"},
        }
    ]

    assert worker_js.evaluate(CLICK) == ["fulfilled"]
    expect(page).to_have_url(f"{live.base_url}/#/leads/{lead['id']}")
    expect(page.locator("main")).to_contain_text("Canaryaminata")
    assert (
        worker_js.evaluate("async () => (await self.registration.getNotifications()).length") == 0
    )
    assert phone.errors == []


def test_log_out_offline_forgets_the_phone_subscription(
    phone: Phone, live: Live, receiver: PushReceiver
) -> None:
    """The next person on this phone must not get the last one's pushes: the browser's
    subscription goes with the log-out, even when the server cannot be told."""
    person = live.new_person(name="Awa Diallo", role=Role.agent)
    turn_on(phone, live, person, receiver)
    page = phone.p
    assert page.evaluate("localStorage.getItem('test-push-key')") is not None
    assert phone.context is not None
    phone.context.set_offline(True)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e.")).to_be_visible()
    assert page.evaluate("localStorage.getItem('test-push-key')") is None


# Safari on an iPhone, Terrain opened in a tab: no PushManager there (iOS gives push only
# to an app started from the home screen).
IOS_TAB = """
(() => {
  Object.defineProperty(navigator, 'userAgent', {
    get: () => 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 '
      + '(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  });
  delete window.PushManager;
})();
"""


def test_an_iphone_tab_is_told_about_the_home_screen(phone: Phone, live: Live) -> None:
    person = live.new_person(name="Ines Mertens", role=Role.agent)
    page = phone.open()
    phone.log_in(person)
    phone.go("#/settings")
    section = page.locator(".push-settings")
    expect(section).to_contain_text("Activer les notifications")
    # On an ordinary browser, no word about iPhones.
    assert "iPhone" not in section.inner_text()

    assert phone.context is not None
    phone.context.add_init_script(IOS_TAB)
    page.reload()
    phone.unlock()
    phone.go("#/settings")
    expect(section).to_contain_text("l\u2019écran d\u2019accueil (iOS 16.4 ou plus récent)")
    expect(section).to_contain_text("ne montrent jamais de nom")
    # The iOS rule replaces the generic "this browser cannot", and nothing is offered that
    # could not work.
    expect(section).not_to_contain_text("Ce navigateur ne peut pas")
    expect(section.get_by_role("button", name="Activer les notifications")).to_have_count(0)
    assert phone.errors == []


def test_a_coordinator_turns_them_on_in_the_office(
    browser: Browser, live: Live, receiver: PushReceiver, vapid: VapidKeys
) -> None:
    """Coordinators work in the office screens, not the agent app: their notifications
    (new self-intakes in their team first) are turned on there, and a click opens the
    office's page of the lead."""
    coordinator = live.new_person(name="Claire Dubois", role=Role.coordinator)
    lead = live.create_lead(coordinator, "Canaryaminata")
    sub = receiver.subscribe()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(BRIDGE % json.dumps(sub))
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live.base_url)
        log_in(page, coordinator)
        page.get_by_role("link", name="Notifications").click()
        section = page.locator(".push-settings")
        expect(section).to_contain_text("ne montrent jamais de nom")
        # Their own trigger is named, one heading on the page, and no "phone" on a computer.
        expect(section).to_contain_text("nouvelle inscription en ligne arrive dans votre équipe")
        expect(page.locator("main").get_by_text("Notifications", exact=True)).to_have_count(1)
        assert page.evaluate("Notification.permission") == "default"
        assert page.evaluate("window.__pushCalls.length") == 0
        context.grant_permissions(["notifications"], origin=live.base_url)
        section.get_by_role("button", name="Activer les notifications").click()
        expect(section).to_contain_text("Les notifications sont activées sur cet appareil")
        expect(
            section.get_by_role("button", name="Désactiver les notifications sur cet appareil")
        ).to_be_visible()
        [call] = page.evaluate("window.__pushCalls")
        assert call["key"] == vapid.public_key and call["permission"] == "granted"
        mine = [s for s in subscriptions(live) if str(s.user_id) == coordinator.id]
        assert len(mine) == 1 and mine[0].endpoint == sub["endpoint"]

        intake = section.get_by_label("Une nouvelle inscription en ligne dans mon équipe")
        expect(intake).to_be_checked()
        intake.uncheck()
        expect(section.locator("[role=status]")).to_have_text("Enregistré.")
        with Session(live.engine) as session:
            pref = session.get(PushPreference, uuid.UUID(coordinator.id))
            assert pref is not None and pref.intake is False and pref.assigned is True

        # What the worker shows for an intake push; its click opens the office's lead page.
        [worker_js] = [w for w in context.service_workers if w.url.endswith("/sw.js")]
        url = f"/#/office/leads/{lead['id']}"
        worker_js.evaluate(
            "(url) => self.registration.showNotification('Terrain', {tag: 'intake', data: {url}})",
            url,
        )
        page.evaluate("location.hash = '#/office/leads'")
        assert worker_js.evaluate(CLICK) == ["fulfilled"]
        expect(page).to_have_url(live.base_url + url)
        expect(page.locator("main")).to_contain_text("Canaryaminata")

        # Logging out ends the subscription here and on the server: the next person to log
        # in on this computer does not get the last one's pushes.
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.locator("#login-email")).to_be_visible()
        page.wait_for_function("localStorage.getItem('test-push-key') === null")
        assert [s for s in subscriptions(live) if str(s.user_id) == coordinator.id] == []
        assert errors == []
    finally:
        context.close()
