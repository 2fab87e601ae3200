"""HTTP routes for sessions (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/sessions", tags=["sessions"])
