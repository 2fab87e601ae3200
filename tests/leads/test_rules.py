"""Derived ids: the fast uuid5 is uuid5 (rows already stored were keyed with uuid.uuid5)."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from api.leads.rules import derived_id, first_followup_id, status_interaction_id


@settings(max_examples=2000, deadline=None)
@given(st.uuids(), st.text(max_size=200))
def test_derived_id_is_uuid5(namespace: uuid.UUID, name: str) -> None:
    assert derived_id(namespace, name) == uuid.uuid5(namespace, name)
    assert derived_id(namespace, name).version == 5


def test_the_lead_derived_ids_keep_their_values() -> None:
    lead = uuid.UUID("0b6b3f0e-5a43-4d0f-8f1c-2a9d7c1e4b21")
    ns = uuid.UUID("6f1d3c52-8a4e-4f0b-9a57-3c1e2b7d9e10")
    assert first_followup_id(lead) == uuid.uuid5(ns, f"first-call:{lead}")
    stamp = "1764136200123-0000-x"
    assert status_interaction_id(lead, stamp) == uuid.uuid5(ns, f"status:{lead}:{stamp}")
