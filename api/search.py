"""Text search shared by the list endpoints (partners, venues, users)."""

from __future__ import annotations


def like_pattern(q: str) -> str:
    """A LIKE pattern matching `q` anywhere, with the wildcards in `q` taken literally."""
    escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
