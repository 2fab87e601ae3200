"""Consent records and target-group markers of a new lead.

Migrant background may reveal ethnic origin (GDPR Art. 9): it is stored only under a consent
that names `sensitive_markers`, checked here and again by the table's constraint.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api.errors import InvalidInput
from api.leads.models import Consent, LeadMarker
from api.leads.schemas import ConsentIn, MarkersIn
from api.vocab import ConsentPurpose

SENSITIVE_MARKERS = frozenset({"migrant_background"})


def check_consent(consent: ConsentIn, markers: MarkersIn | None) -> None:
    """Refuse sensitive markers the person did not explicitly agree to give."""
    if markers is None or ConsentPurpose.sensitive_markers in consent.purposes:
        return
    if any(getattr(markers, name) is not None for name in SENSITIVE_MARKERS):
        raise InvalidInput(
            "Migrant background can only be recorded with the person's explicit consent.",
            code="sensitive_consent_required",
        )


def consent_row(
    consent: ConsentIn, *, lead_id: uuid.UUID, agent_id: uuid.UUID | None, now: datetime
) -> Consent:
    return Consent(
        id=consent.id or uuid.uuid4(),
        lead_id=lead_id,
        purposes=[p.value for p in consent.purposes],
        text_version=consent.text_version,
        text_sha256=consent.text_sha256,
        language=consent.language.value,
        given_at=min(consent.given_at or now, now).astimezone(UTC),
        channel=consent.channel.value,
        agent_id=agent_id,  # None: given by the person on the public form
    )


def marker_row(
    markers: MarkersIn, *, lead_id: uuid.UUID, consent: Consent, now: datetime
) -> LeadMarker:
    values = markers.model_dump(mode="json")
    sensitive = any(values.get(name) is not None for name in SENSITIVE_MARKERS)
    return LeadMarker(
        lead_id=lead_id,
        consent_id=consent.id,
        sensitive_consent_id=consent.id if sensitive else None,
        updated_at=now,
        **values,
    )
