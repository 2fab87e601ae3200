"""Payloads carry no personal data: property test over generated leads, through the
whole path (REST create and assign, outbox, worker, encryption, the receiver's decryption).
Size from TERRAIN_PUSH_EXAMPLES (CI default 20)."""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.vocab import AgeBand, Education, Gender, Role, YesNo
from tests.push.conftest import CONSENT, PushEnv

EXAMPLES = int(os.environ.get("TERRAIN_PUSH_EXAMPLES", "20"))
LEAD_URL = re.compile(r"^/#/leads(/[0-9a-f-]{36})?$")
# Letters of the languages agents meet, spaces and dashes: names as people write them.
letters = st.characters(categories=["L"], exclude_characters="\x00")
words = st.text(letters, min_size=4, max_size=30).map(str.strip).filter(lambda s: len(s) >= 4)
phones = st.integers(min_value=460_000_000, max_value=499_999_999).map(lambda n: f"0{n}")


@st.composite
def leads(draw: st.DrawFn) -> dict[str, Any]:
    lead: dict[str, Any] = {
        "first_name": draw(words),
        "last_name": draw(words),
        "phone": draw(phones),
        "commune": draw(words),
        "project_idea": draw(st.text(letters | st.just(" "), min_size=10, max_size=300)),
        "sector": draw(words),
        "channel": "coffee_stand",
        "language": draw(st.sampled_from(["fr", "nl", "ar", "tr"])),
        "consent": {**CONSENT, "purposes": ["contact", "markers", "sensitive_markers"]},
        "markers": {
            "gender": draw(st.sampled_from(list(Gender))).value,
            "age_band": draw(st.sampled_from(list(AgeBand))).value,
            "education_level": draw(st.sampled_from(list(Education))).value,
            "migrant_background": draw(st.sampled_from(list(YesNo))).value,
            "no_stable_income": draw(st.sampled_from(list(YesNo))).value,
        },
    }
    return lead


def personal_strings(lead: dict[str, Any]) -> list[str]:
    phone = lead["phone"]
    found = [lead[k] for k in ("first_name", "last_name", "commune", "sector")]
    found += [phone, phone[1:], "+32" + phone[1:], lead["project_idea"].strip()]
    found += [v for v in lead["markers"].values() if len(v) >= 5]
    found += list(lead["markers"])  # the marker names themselves
    return [s for s in found if len(s) >= 4]


def test_payloads_hold_no_personal_data(push_env: PushEnv) -> None:
    env = push_env
    agent, author = env.person(language="fr"), env.person()
    coordinator = env.person(Role.coordinator)
    env.subscribe(agent)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(lead=leads())
    def check(lead: dict[str, Any]) -> None:
        before = len(env.receiver.received)
        r = env.client.post("/api/leads", json=lead, headers=author.auth)
        assert r.status_code == 201, r.text
        env.assign(r.json()["id"], agent, by=coordinator)
        env.drain()
        [message] = env.receiver.received[before:]
        text = message.raw.decode()
        assert len(message.raw) <= 3 * 1024 and message.size <= 4096
        assert set(message.payload) == {"type", "count", "url", "title", "body"}
        assert message.payload["type"] == "assigned" and message.payload["count"] == 1
        assert LEAD_URL.match(message.payload["url"])
        assert message.payload["body"] == "1 contact vous a été attribué"
        for value in personal_strings(lead):
            assert value.casefold() not in text.casefold(), value

    check()
    assert env.receiver.refused == []
