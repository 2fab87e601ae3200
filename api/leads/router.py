"""HTTP routes for leads (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/leads", tags=["leads"])
