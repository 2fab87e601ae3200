"""HTTP routes for followups (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/followups", tags=["followups"])
