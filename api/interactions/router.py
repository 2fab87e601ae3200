"""HTTP routes for interactions (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["interactions"])
