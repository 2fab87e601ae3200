"""The v1 mutators (sync-protocol.md) and the registry the push engine dispatches on."""

from __future__ import annotations

from api.syncapi.handlers import (
    assign,
    consent,
    erase,
    followups,
    interactions,
    leads,
    merge,
    places,
    sendback,
)
from sync.push import Registry


def build_registry() -> Registry:
    registry = Registry()
    for module in (leads, interactions, followups, places, consent, erase, assign, sendback, merge):
        for mutator in module.MUTATORS:
            registry.add(mutator)
    return registry


# Upcasters for older mutation versions are registered here as the schema moves on
# (REGISTRY.add_upcaster(name, v, fn)); versions below MIN are answered with 426.
REGISTRY = build_registry()
