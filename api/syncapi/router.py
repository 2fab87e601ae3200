"""HTTP routes for syncapi (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/sync", tags=["syncapi"])
