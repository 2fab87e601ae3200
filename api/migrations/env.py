"""Alembic environment: the URL and connection come from Terrain, not alembic.ini."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.exc import SAWarning
from sqlmodel import SQLModel

import api.models  # noqa: F401  (fills the metadata)
from api.config import get_settings
from api.db import make_engine

target_metadata = SQLModel.metadata

# Indexes on expressions, declared by their migration only: Alembic cannot reflect them on
# SQLite nor compare their text on PostgreSQL, so `alembic check` leaves them alone.
MIGRATION_ONLY_INDEXES = {"ix_lead_queue", "ix_lead_team_commune", "ix_lead_funnel"}


def include_object(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def run_migrations_online() -> None:
    # api.migrate passes its own connection (held under the migration lock); the alembic
    # command line gets one made from the settings.
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(get_settings().resolved_database_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
        # One transaction for the whole upgrade on SQLite too (its DDL is transactional;
        # api/db.py issues BEGIN itself, so the driver never commits before DDL). Alembic
        # otherwise commits after each migration, and a second instance starting at the
        # same moment took the write lock in between, read that revision and ran the next
        # migration, which the first then ran again ("no such index", seen in CI).
        transactional_ddl=True,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        for name in MIGRATION_ONLY_INDEXES:
            # SQLite's reflection says it skipped them; that is expected.
            warnings.filterwarnings(
                "ignore",
                message=f"Skipped unsupported reflection of expression-based index {name}$",
                category=SAWarning,
            )
        context.run_migrations()


run_migrations_online()
