"""Per-field last-writer-wins by hybrid logical clock, with conflict records (I7).

Used by the sync push handlers and by REST writes (stamped with the server clock), so both
paths merge by the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CONCURRENT = "concurrent"
AFTER_DELETE = "after_delete"


@dataclass(frozen=True)
class FieldConflict:
    field: str
    kind: str
    losing_value: Any
    losing_hlc: str | None
    winning_value: Any
    winning_hlc: str | None


@dataclass
class MergeResult:
    changes: dict[str, Any] = field(default_factory=dict)
    field_hlc: dict[str, str] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)


def merge_patch(
    current: Mapping[str, Any],
    field_hlc: Mapping[str, str],
    updates: Mapping[str, Any],
    base: Mapping[str, str | None],
    hlc: str,
    *,
    deleted: bool = False,
) -> MergeResult:
    """Merge `updates` stamped `hlc` into a record.

    A field is written when `hlc` is newer than the field's stamp. When the writer had not
    seen the current stamp (`base` differs) and the values differ, whichever value loses is
    recorded, so no one's edit silently vanishes. A deleted record takes no patch; each
    value is kept as an `after_delete` conflict.
    """
    result = MergeResult(field_hlc=dict(field_hlc))
    for name, value in updates.items():
        stamp = field_hlc.get(name)
        old = current.get(name)
        if deleted:
            result.conflicts.append(FieldConflict(name, AFTER_DELETE, value, hlc, old, stamp))
            continue
        concurrent = stamp is not None and base.get(name) != stamp and old != value
        if stamp is None or hlc > stamp:
            result.changes[name] = value
            result.field_hlc[name] = hlc
            if concurrent:
                result.conflicts.append(FieldConflict(name, CONCURRENT, old, stamp, value, hlc))
        elif old != value and hlc != stamp:
            # Older than what is stored: it loses, whatever it was based on.
            result.conflicts.append(FieldConflict(name, CONCURRENT, value, hlc, old, stamp))
    return result
