"""HTTP routes for partners (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/partners", tags=["partners"])
