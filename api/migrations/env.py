"""Alembic environment: the URL and connection come from Terrain, not alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import api.models  # noqa: F401  (fills the metadata)
from api.config import get_settings
from api.db import make_engine

target_metadata = SQLModel.metadata


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
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
