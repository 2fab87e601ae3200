"""HTTP routes for administering users, teams and devices (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/admin", tags=["admin"])
