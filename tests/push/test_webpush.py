"""The sender (api/push/webpush.py) against two real receivers: each push service gets a
VAPID token made for it (pywebpush writes `aud` and `exp` into the claims it is given, so a
claims dict kept across sends would sign the second service's push for the first)."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric import ec

from api.push.keys import VapidKeys, public_key_of
from api.push.webpush import Sender, Target
from tests.support.push_receiver import PushReceiver


def test_each_push_service_gets_its_own_audience() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    keys = VapidKeys(key, public_key_of(key), "test")
    receivers = [PushReceiver(keys.public_key).start() for _ in range(2)]
    try:
        sender = Sender(keys, "mailto:push@localhost")
        for round_no in range(2):
            for receiver in receivers:
                sub = receiver.subscribe()
                target = Target(sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
                body = json.dumps({"type": "assigned", "count": round_no + 1}).encode()
                outcome = sender.send(target, body, ttl=60, urgency="low")
                assert outcome.delivered, (outcome, receiver.refused)
        for receiver in receivers:
            assert receiver.refused == []  # the audience (and signature) checked on each
            assert [m.payload["count"] for m in receiver.received] == [1, 2]
            assert {m.headers["ttl"] for m in receiver.received} == {"60"}
            assert {m.headers["urgency"] for m in receiver.received} == {"low"}
    finally:
        for receiver in receivers:
            receiver.stop()


def test_a_redirect_is_never_followed() -> None:
    """The allow-list covers the URL stored, not where a "push service" sends us next: a
    redirect to another address (the metadata service, here a second receiver) is not
    followed, and the answer counts as the service's."""
    key = ec.generate_private_key(ec.SECP256R1())
    keys = VapidKeys(key, public_key_of(key), "test")
    service, inside = (PushReceiver(keys.public_key).start() for _ in range(2))
    try:
        sub, elsewhere = service.subscribe(), inside.subscribe()
        token = str(sub["endpoint"]).rsplit("/", 1)[-1]
        for status in (301, 302, 307, 308):
            service.answer(token, (status, {"Location": str(elsewhere["endpoint"])}))
            target = Target(sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
            outcome = Sender(keys, "mailto:push@localhost").send(
                target, b'{"type":"assigned"}', ttl=60, urgency="normal"
            )
            assert outcome.status == status and not outcome.delivered
        assert len(service.hits[token]) == 4
        assert inside.hits == {} and inside.received == []
    finally:
        service.stop()
        inside.stop()
