"""Bounded integer parameters shared by every list endpoint.

Every integer a client can send has both bounds in the schema, so an out-of-range value is
a 422 in the usual error shape instead of reaching the database (SQLite and PostgreSQL
take 64-bit integers only). tests/robustness/test_openapi.py checks it for every operation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

# Far beyond any list this organisation will have, far below 2**63.
MAX_OFFSET = 1_000_000_000
# Identifiers that come from a database sequence (64-bit signed).
MAX_INT64 = 2**63 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
RowId = Annotated[int, Path(ge=1, le=MAX_INT64)]


def page_limit(maximum: int) -> Any:
    """`limit: Annotated[int, page_limit(200)] = 50`: a page of 1 to `maximum` rows."""
    return Query(ge=1, le=maximum, description="Rows in the page.")
