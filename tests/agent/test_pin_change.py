"""Changing the PIN in the settings (issue 9): the current PIN, then the new one twice; it
works offline, only the wrapping of the phone's data key changes (nothing is re-encrypted),
the old PIN no longer opens the app, the new one does after a restart, a second change
works on the wrapped key, and a file of unsent changes saved afterwards opens with the new
PIN."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.agent.conftest import PIN, Phone, agent
from tests.agent.test_lock import CANARY_NAME, offline_lead
from tests.web.conftest import Live

pytestmark = pytest.mark.browser

NEW_PIN = "705193"
THIRD_PIN = "281746"

READ_SEALED_FILE = """async (pin) => {
  const { sealedOutbox } = await import('/js/agent/device.js');
  const { readSaved } = await import('/js/agent/recover.js');
  const userId = JSON.parse(localStorage.getItem('terrain.agent')).userId;
  const text = await (await sealedOutbox(userId)).text();
  try {
    return (await readSaved(text, pin)).map((m) => m.args.fields.first_name);
  } catch (error) {
    return String(error);
  }
}"""


def change_pin(phone: Phone, current: str, new: str, again: str | None = None) -> None:
    form = phone.p.locator("form.pin-change")
    form.get_by_label("Code PIN actuel").fill(current)
    form.get_by_label("Nouveau code PIN (6 à 12 chiffres)").fill(new)
    form.get_by_label("Retapez le nouveau code PIN").fill(again or new)
    form.get_by_role("button", name="Changer le code PIN").click()


def test_the_pin_changes_offline_and_only_the_new_one_opens(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.offline()
    offline_lead(phone)
    phone.go("#/settings")
    form = page.locator("form.pin-change")

    # The new PIN follows the PIN rules, twice the same; the current one must be right.
    change_pin(phone, PIN, "111111")
    expect(form.locator(".form-problems")).to_contain_text("trop facile à deviner")
    change_pin(phone, PIN, NEW_PIN, "705194")
    expect(form.locator(".form-problems")).to_contain_text("Les deux codes PIN diffèrent")
    change_pin(phone, "135790", NEW_PIN)
    expect(form.locator(".form-problems")).to_contain_text(
        "Ce n'est pas votre code PIN actuel. Encore 4 essais."
    )
    page.screenshot(path="/tmp/agentapp/pin-change-wrong.png", full_page=True)
    change_pin(phone, PIN, NEW_PIN)
    expect(page.locator(".flash")).to_contain_text("Code PIN changé")

    # Locked: the old PIN is wrong now, the new one opens (and the count starts again).
    page.get_by_role("button", name="Verrouiller maintenant").click()
    phone.unlock(PIN)
    expect(page.locator(".form-problems")).to_contain_text("Encore 4 essais")
    phone.unlock(NEW_PIN)
    expect(page.locator("#main h1")).to_have_text("Réglages")

    # After a restart, still offline: the new PIN opens the same data.
    phone.close()
    page = phone.open(offline=True)
    phone.unlock(NEW_PIN)
    expect(page.locator(".today h1")).to_be_visible()
    phone.go("#/leads")
    expect(page.locator("#main")).to_contain_text(CANARY_NAME)

    # A second change re-wraps the key the first one wrapped.
    phone.go("#/settings")
    change_pin(phone, NEW_PIN, THIRD_PIN)
    expect(page.locator(".flash")).to_contain_text("Code PIN changé")
    # A file of unsent changes saved now opens with the PIN of the moment only.
    assert page.evaluate(READ_SEALED_FILE, THIRD_PIN) == [CANARY_NAME]
    assert "Error" in page.evaluate(READ_SEALED_FILE, NEW_PIN)
    page.get_by_role("button", name="Verrouiller maintenant").click()
    phone.unlock(NEW_PIN)
    expect(page.locator(".form-problems")).to_contain_text("Encore 4 essais")
    phone.unlock(THIRD_PIN)
    expect(page.locator("#main h1")).to_have_text("Réglages")

    # Online: the lead made before the changes reaches the server once.
    phone.offline(False)
    phone.wait_synced()
    assert len(live.get(f"/api/leads?q={CANARY_NAME}", person)["items"]) == 1
    assert phone.errors == []


def test_wrong_current_pins_lock_the_app_before_the_wipe(live: Live, phone: Phone) -> None:
    person = agent(live)
    page = phone.open()
    phone.log_in(person)
    phone.go("#/settings")
    for left in (4, 3, 2):
        change_pin(phone, "135790", NEW_PIN)
        expect(page.locator("form.pin-change .form-problems")).to_contain_text(
            f"Encore {left} essais"
        )
    # The fourth wrong one: the lock screen takes over, with its last-try warning.
    change_pin(phone, "135790", NEW_PIN)
    expect(page.locator("input[name=pin]")).to_be_visible()
    expect(page.locator(".lock-screen")).to_contain_text(re.compile("plusieurs fois"))
    expect(page.locator(".lock-warning")).to_contain_text("Encore un code PIN erroné")
    phone.unlock(PIN)
    expect(page.locator("#main h1")).to_have_text("Réglages")
    assert phone.errors == []
