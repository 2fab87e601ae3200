"""lead funnel covering index

The funnel reads, for each of the viewer's leads, its group (channel, commune, agent, team,
partner, language, campaign, month of first contact), the filters' columns, the progress
columns and the days in stage that the triggers keep (performance.md P3). The lead rows
are wide (names, project text, field stamps): this index holds only what the funnel reads,
tombstones left out, so the funnel scans it alone (an index-only scan on PostgreSQL, a
covering index on SQLite) instead of the table. Led by the team: a coordinator scans one
team's part. Declared here only (api/migrations/env.py MIGRATION_ONLY_INDEXES): its two
forms differ by database.

Revision ID: 4e8a1f6b2c57
Revises: 9c3d5e7f1a20
Create Date: 2026-12-04 23:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4e8a1f6b2c57"
down_revision: str | None = "9c3d5e7f1a20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out (not imported): this migration never changes afterwards.
_COLUMNS = (
    "id",
    "channel",
    "commune",
    "agent_id",
    "assigned_to",
    "partner_id",
    "language",
    "campaign",
    "status",
    "session_id",
    "first_touch_at",
    "created_at",
    "status_changed_at",
    "first_contact_at",
    "contacted_at",
    "qualified_at",
    "applied_at",
    "financed_at",
    "coached_at",
    "referred_at",
    "not_eligible_at",
    "unreachable_at",
    "withdrawn_at",
    "days_in_new",
    "days_in_contacted",
    "days_in_qualified",
    "days_in_applied",
)


def upgrade() -> None:
    columns = ", ".join(_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        definition = f"(team_id) INCLUDE ({columns})"
    else:
        # SQLite (3.40) counts an index as covering only if it holds the columns of its own
        # WHERE too.
        definition = f"(team_id, {columns}, deleted_at)"
    op.execute(f"CREATE INDEX ix_lead_funnel ON lead {definition} WHERE deleted_at IS NULL")


def downgrade() -> None:
    op.drop_index("ix_lead_funnel", table_name="lead")
