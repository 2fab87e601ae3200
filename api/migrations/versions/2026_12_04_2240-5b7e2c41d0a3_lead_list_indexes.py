"""lead list indexes

The coordinators' lists (performance.md P4): one index per order the queue offers, each
led by the team (a coordinator reads one team at a time) and left without tombstones, so a
page is read in order and a team's leads are counted without touching the table. The
queue's own order, new and unassigned first, is an expression; the index holds it written
exactly as api/leads/service.py sorts by it. (team_id, status) becomes (team_id, status,
created_at, id): a status filter then reads its leads newest first.

Revision ID: 5b7e2c41d0a3
Revises: 5b7e0c1d2a93
Create Date: 2026-12-04 22:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b7e2c41d0a3"
down_revision: str | None = "5b7e0c1d2a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out (not imported): this migration never changes afterwards.
_PRIORITY = (
    "CASE WHEN (status = 'new' AND assigned_to IS NULL) THEN 2 "
    "WHEN (status = 'new') THEN 1 ELSE 0 END"
)
_INDEXES = {
    "ix_lead_queue": f"team_id, ({_PRIORITY}), created_at, id",
    "ix_lead_team_status_created": "team_id, status, created_at, id",
    "ix_lead_team_changed": "team_id, status_changed_at, id",
    "ix_lead_team_touch": "team_id, last_touch_at, id",
}


def upgrade() -> None:
    op.drop_index("ix_lead_team_status", table_name="lead")
    for name, columns in _INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON lead ({columns}) WHERE deleted_at IS NULL")


def downgrade() -> None:
    for name in reversed(_INDEXES):
        op.drop_index(name, table_name="lead")
    op.create_index("ix_lead_team_status", "lead", ["team_id", "status"], unique=False)
