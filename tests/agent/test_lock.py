"""Lock, wipe and log-out on an agent's phone (issue 9, privacy-security.md "Agent devices"):
idle lock; wrong PINs, a warning, and the wipe after five; nothing readable in IndexedDB;
log-out asks before dropping unsent changes and leaves no database and no API data behind;
a revoked device wipes itself and says so."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import update
from sqlmodel import Session, col

from api.users.models import Device
from sync.sqltypes import utcnow
from tests.agent.conftest import PIN, Phone, agent
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

CANARY_NAME = "Canarywipeqx"
CANARY_LAST = "Canaryfamilyqx"
CANARY_PHONE = "0470 99 88 71"
CANARY_E164 = "+32470998871"


def offline_lead(phone: Phone, first_name: str = CANARY_NAME) -> None:
    """A full lead made with the network off (it waits in the outbox)."""
    page = phone.p
    phone.go("#/leads/new")
    page.get_by_label("Prénom").fill(first_name)
    page.get_by_label("Nom (facultatif)").fill(CANARY_LAST)
    page.get_by_label("Téléphone").fill(CANARY_PHONE)
    page.get_by_label("Idée de projet").fill("Canaryidea: une épicerie fine")
    page.get_by_label(re.compile("La personne accepte d'être contactée")).check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    expect(page.locator(".lead-head h1")).to_contain_text(first_name)


def pin_error(page: Page) -> str:
    return page.locator(".form-problems").inner_text()


def test_idle_lock_wrong_pins_and_the_wipe(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.offline()
    offline_lead(phone)

    # Nothing of the person is readable in the phone's files; ids and counts are.
    raw = phone.raw_store(person.id)
    assert '"store":"outbox"' in raw
    for secret in (CANARY_NAME, CANARY_LAST, CANARY_E164, "470998871", "Canaryidea", person.name):
        assert secret not in raw, secret

    # 15 minutes without a touch: locked, the key forgotten.
    page.clock.install()
    page.clock.fast_forward("16:00")
    expect(page.locator("input[name=pin]")).to_be_visible(timeout=15_000)
    expect(page.locator(".notice")).to_contain_text("Verrouillé après un moment sans utilisation")
    assert page.evaluate("document.querySelector('#main').innerText").count(CANARY_NAME) == 0

    for tries_left in (4, 3, 2):
        phone.unlock("135790")
        expect(page.locator(".form-problems")).to_contain_text(f"Encore {tries_left} essais")
    phone.unlock("135790")
    # The warning before the last try, with the offer to save what is unsent.
    expect(page.locator(".form-problems")).to_contain_text("Encore 1 essai")
    warning = page.locator(".lock-warning")
    expect(warning).to_contain_text("Encore un code PIN erroné")
    expect(warning).to_contain_text("1 modification n'a pas encore été envoyée")
    with page.expect_download() as saved:
        warning.get_by_role("button", name="Enregistrer les modifications non envoyées").click()
    sealed = saved.value.path().read_text(encoding="utf-8")
    assert '"terrain-sealed-outbox"' in sealed and CANARY_NAME not in sealed

    phone.unlock("135790")
    expect(page.locator("#login-email")).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("Trop de codes PIN erronés")
    assert f"terrain-{person.id}" not in phone.database_names()
    assert page.evaluate("localStorage.getItem('terrain.agent')") is None
    assert phone.errors == []


def test_the_right_pin_after_a_wrong_one_opens_and_resets_the_count(
    live: Live, phone: Phone
) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    page.get_by_role("button", name="Verrouiller").click()
    phone.unlock("135790")
    expect(page.locator(".form-problems")).to_contain_text("Encore 4 essais")
    phone.unlock(PIN)
    expect(page.locator(".today h1")).to_be_visible()
    # A new tab opens on the PIN screen too, and the count starts again from five.
    other = phone.context.new_page() if phone.context else None
    assert other is not None
    other.goto(live.base_url)
    expect(other.locator("input[name=pin]")).to_be_visible()
    other.fill("input[name=pin]", "135790")
    other.locator("form button[type=submit]").click()
    expect(other.locator(".form-problems")).to_contain_text("Encore 4 essais")


def test_log_out_asks_first_and_leaves_nothing(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.offline()
    offline_lead(phone)
    phone.go("#/settings")
    logout = page.locator("section", has_text="Se déconnecter").last
    expect(logout).to_contain_text("1 modification n'a pas encore été envoyée")

    # Offline, "sync first" cannot send it: nothing is dropped, the agent is told.
    logout.get_by_role("button", name="Synchroniser, puis se déconnecter").click()
    expect(logout.locator(".notice-error")).to_contain_text("Tout n'a pas pu être envoyé")
    assert f"terrain-{person.id}" in phone.database_names()

    # "Discard" asks once more; saying no keeps everything.
    answers: list[bool] = [False]

    def on_dialog(dialog: Dialog) -> None:
        assert "1 modification non envoyée" in dialog.message
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", on_dialog)
    logout.get_by_role("button", name="Les abandonner et se déconnecter").click()
    expect(page.locator(".screen h1")).to_have_text("Réglages")
    assert answers == []

    # Online, sync first: it is sent, then the phone forgets everything.
    phone.offline(False)
    logout.get_by_role("button", name="Synchroniser, puis se déconnecter").click()
    expect(page.locator("#login-email")).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("Vous êtes déconnecté·e")
    assert [n for n in phone.database_names() if n.startswith("terrain-")] == []
    assert [u for u in phone.cached_urls() if "/api/" in u] == []
    leads = live.get(f"/api/leads?q={CANARY_NAME}", person)["items"]
    assert len(leads) == 1
    # The device's token was revoked on the way out: reopening shows the log-in screen.
    page.reload()
    expect(page.locator("#login-email")).to_be_visible()


def test_a_revoked_device_wipes_itself_and_says_so(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.offline()
    offline_lead(phone)
    with Session(live.engine) as session:
        session.execute(
            update(Device)
            .where(col(Device.user_id) == uuid.UUID(person.id), col(Device.name) == "browser")
            .values(revoked_at=utcnow(), wipe_requested=True)
        )
        session.commit()
    # Its next contact (the sync that coming back online starts) wipes it.
    phone.offline(False)
    expect(page.locator("#login-email")).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("Un administrateur a déconnecté ce téléphone")
    assert f"terrain-{person.id}" not in phone.database_names()
    assert page.evaluate("localStorage.getItem('terrain.agent')") is None
    # Unsent changes of a revoked phone are gone with it (AC-4): nothing arrived.
    assert live.get(f"/api/leads?q={CANARY_NAME}", person)["items"] == []
