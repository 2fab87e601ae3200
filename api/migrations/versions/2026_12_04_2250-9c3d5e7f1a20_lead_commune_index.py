"""lead commune index

The queue's commune filter (lower(commune) = …, api/leads/filters.py) newest first, one team
at a time, tombstones left out (performance.md P4): without it a commune's page reads the
team's leads until 50 of that commune turn up. An index on an expression, declared here
only (api/migrations/env.py MIGRATION_ONLY_INDEXES).

Revision ID: 9c3d5e7f1a20
Revises: 5b7e2c41d0a3
Create Date: 2026-12-04 22:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9c3d5e7f1a20"
down_revision: str | None = "5b7e2c41d0a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_lead_team_commune ON lead (team_id, lower(commune), created_at, id) "
        "WHERE deleted_at IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_lead_team_commune", table_name="lead")
