"""The printed lines of a flyer or cup sticker (public: prospects read them)."""

from __future__ import annotations

from i18n import N_

HEADLINE = N_("A business project? We can help.")
SCAN = N_("Scan the code with your phone, or type:")
