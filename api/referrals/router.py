"""HTTP routes for referrals (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/referrals", tags=["referrals"])
