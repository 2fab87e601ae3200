"""Bounded integer parameters shared by every list endpoint.

Every integer a client can send has both bounds in the schema, so an out-of-range value is
a 422 in the usual error shape instead of reaching the database (SQLite and PostgreSQL
take 64-bit integers only). tests/robustness/test_openapi.py checks it for every operation.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator

from api.validation import FieldProblem
from i18n import N_

# Far beyond any list this organisation will have, far below 2**63.
MAX_OFFSET = 1_000_000_000
# Identifiers that come from a database sequence: the columns are INTEGER (32-bit on
# PostgreSQL; a larger value is a DataError there, found by schemathesis).
MAX_INT32 = 2**31 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
RowId = Annotated[int, Path(ge=1, le=MAX_INT32)]


def page_limit(maximum: int) -> Any:
    """`limit: Annotated[int, page_limit(200)] = 50`: a page of 1 to `maximum` rows."""
    return Query(ge=1, le=maximum, description="Rows in the page.")


# Dates in queries: any date is a valid filter, clamped to 1900-2199 (no row has a date
# outside, and the arithmetic on year 1 or 9999 would overflow), as ISO text only (pydantic
# alone also reads `0` as 1970-01-01, which the schema's `format: date` does not allow).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
_NUMBER = re.compile(r"\s*[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*")


def iso_text(value: Any) -> Any:
    """A date or an instant as the ISO text the schema documents, never a number (pydantic
    alone reads `0` or "0" as 1970-01-01); other text is left to pydantic's own parsing."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise FieldProblem("date_parsing", N_("Enter a valid date."))
    return value


def _clamp_day(value: date) -> date:
    return min(max(value, FIRST_DAY), LAST_DAY)


def _clamp_instant(value: datetime) -> datetime:
    if value.date() < FIRST_DAY:
        return datetime.combine(FIRST_DAY, time.min, value.tzinfo)
    if value.date() > LAST_DAY:
        return datetime.combine(LAST_DAY, time.max, value.tzinfo)
    return value


IsoDate = Annotated[date, BeforeValidator(iso_text)]
Day = Annotated[date, BeforeValidator(iso_text), AfterValidator(_clamp_day)]
Instant = Annotated[datetime, BeforeValidator(iso_text), AfterValidator(_clamp_instant)]
