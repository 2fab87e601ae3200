"""The send-back and assignment triggers, whichever way the change came: a REST call or a
mutation pushed by a device. Decrypted by the real receiver."""

from __future__ import annotations

from api.vocab import Role
from tests.push.conftest import PushEnv
from tests.sync.helpers import Phone


def test_a_send_back_reaches_the_agent_once(push_env: PushEnv) -> None:
    env = push_env
    agent, other, coordinator = env.person(), env.person(), env.person(Role.coordinator)
    agent_token, other_token = env.subscribe(agent), env.subscribe(other)
    coordinator_token = env.subscribe(coordinator)
    lead = env.lead(agent)
    r = env.client.post(
        f"/api/leads/{lead}/send-back",
        json={"comment": "Amina's phone number has a digit missing"},
        headers=coordinator.auth,
    )
    assert r.status_code == 200, r.text
    assert env.drain() == 1
    [message] = env.receiver.for_token(agent_token)
    assert message.payload == {
        "type": "sent_back",
        "count": 1,
        "url": f"/#/leads/{lead}",
        "title": "Terrain",
        "body": "1 lead was sent back to you",
    }
    assert env.receiver.for_token(other_token) == []
    assert env.receiver.for_token(coordinator_token) == []


def test_a_refused_send_back_queues_nothing(push_env: PushEnv) -> None:
    env = push_env
    agent = env.person()
    stranger = env.person(Role.coordinator, team=env.other_team_id)
    env.subscribe(agent)
    lead = env.lead(agent)
    r = env.client.post(
        f"/api/leads/{lead}/send-back", json={"comment": "?"}, headers=stranger.auth
    )
    assert r.status_code == 404
    assert env.drain() == 0 and env.receiver.received == []


def test_an_assignment_pushed_by_a_device_notifies_the_assignee(push_env: PushEnv) -> None:
    env = push_env
    agent, coordinator = env.person(), env.person(Role.coordinator)
    token = env.subscribe(agent)
    lead = env.lead(coordinator)
    tablet = Phone(env.client, coordinator.auth)
    m = tablet.mutation("lead.assign", {"id": lead, "agent_id": str(agent.id)})
    assert tablet.push([m])["results"][0]["status"] == "applied"
    assert env.drain() == 1
    [message] = env.receiver.for_token(token)
    assert message.payload["type"] == "assigned" and message.payload["url"] == f"/#/leads/{lead}"
    # The same assignment again tells nobody again.
    again = tablet.mutation("lead.assign", {"id": lead, "agent_id": str(agent.id)})
    assert tablet.push([again])["results"][0]["status"] == "applied"
    assert env.drain() == 0
