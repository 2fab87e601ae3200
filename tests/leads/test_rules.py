"""Derived ids: the fast uuid5 is uuid5 (rows already stored were keyed with uuid.uuid5)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.leads.rules import (
    BRUSSELS,
    derived_id,
    first_followup_due,
    first_followup_id,
    status_interaction_id,
)


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


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_first_call_is_due_two_days_later_on_a_working_day(local: datetime) -> None:
    created = local.replace(tzinfo=BRUSSELS)
    due = first_followup_due(created.astimezone(UTC))
    assert due.weekday() < 5  # Monday to Friday
    two_days = created.date() + timedelta(days=2)
    # Never earlier than 48 h, and only pushed past a weekend: at most the Monday after.
    assert two_days <= due <= two_days + timedelta(days=2)
    assert due == two_days or two_days.weekday() >= 5


def test_a_friday_lead_is_called_by_monday() -> None:
    friday = datetime(2026, 12, 4, 18, 0, tzinfo=BRUSSELS)
    assert first_followup_due(friday).isoformat() == "2026-12-07"
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=BRUSSELS)
    assert first_followup_due(wednesday).isoformat() == "2026-12-04"
