"""HTTP routes for venues (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/venues", tags=["venues"])
