"""The sync space version: one counter every writer bumps first, in its own transaction."""

from __future__ import annotations

from sqlalchemy import Connection, text

_BUMP = text("UPDATE sync_space SET version = version + 1 WHERE id = 1 RETURNING version")


def bump_version(conn: Connection) -> int:
    """Take the next version. The row lock it takes (PostgreSQL) or the write lock already
    held (SQLite, BEGIN IMMEDIATE) serialises commits, so a pull cursor never skips a row
    committed later with a smaller version."""
    version = conn.execute(_BUMP).scalar_one()
    assert isinstance(version, int)
    return version


def current_version(conn: Connection) -> int:
    version = conn.execute(text("SELECT version FROM sync_space WHERE id = 1")).scalar_one()
    assert isinstance(version, int)
    return version
