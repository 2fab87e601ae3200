"""lead reached indexes

A funnel number's drill-down lists the leads that reached a stage (`reached=applied`,
api/leads/filters.py STAGE_COLUMNS). The later stages hold a few leads in a hundred: read in
the list's order, a team's 50,000 leads were walked until fifty had applied (11 ms on
SQLite, bench/api_reads.py). One partial index per stage holds only the team's leads that
reached it, so such a page reads those few and sorts them (1.4 ms), and their total is
counted from the index alone. New leads have reached none, so creating one writes none of
these.

Revision ID: 7d2f4a9c1e63
Revises: 4e8a1f6b2c57
Create Date: 2026-12-05 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7d2f4a9c1e63"
down_revision: str | None = "4e8a1f6b2c57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out (not imported): this migration never changes afterwards.
_STAGES = (
    "contacted",
    "qualified",
    "applied",
    "financed",
    "coached",
    "referred",
    "not_eligible",
    "unreachable",
    "withdrawn",
)


def upgrade() -> None:
    for stage in _STAGES:
        op.execute(
            f"CREATE INDEX ix_lead_reached_{stage} ON lead (team_id, {stage}_at) "
            f"WHERE {stage}_at IS NOT NULL AND deleted_at IS NULL"
        )


def downgrade() -> None:
    for stage in reversed(_STAGES):
        op.drop_index(f"ix_lead_reached_{stage}", table_name="lead")
