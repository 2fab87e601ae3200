"""Canary people: names, phones and e-mail addresses the tests type into Terrain, which must
never come out in a log line (tests/support/logcanary.py checks the whole run's logs)."""

from __future__ import annotations

# The default lead of tests/leads/helpers.py: hundreds of tests create it.
LEAD_FIRST = "Amina"
LEAD_LAST = "Benali"
LEAD_PHONE_TYPED = "0470 12 34 56"
LEAD_PHONE = "+32470123456"

# A person the privacy tests create, erase and look for.
FIRST = "Zorabel"
LAST = "Quintavalle"
PHONE = "+32478998877"
PHONE_NATIONAL = "0478998877"
EMAIL = "zorabel.quintavalle@example.org"
IDEA = "Tajine truck Quintessence"
NOTE = "Canary note: prefers calls after the Quintessence market"

# What a log must never hold.
NAMES_AND_NUMBERS = (
    LEAD_LAST,
    LEAD_PHONE,
    "470123456",
    FIRST,
    LAST,
    PHONE,
    PHONE_NATIONAL,
    EMAIL,
    IDEA,
    NOTE,
)
