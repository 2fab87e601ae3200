"""lead send-back and merge: the coordinator's question to the agent and the agent's answer
(latest round), and the survivor a merged-away tombstone points to

Revision ID: 5b7e0c1d2a93
Revises: e483f4fc2011
Create Date: 2026-12-04 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from sync.sqltypes import UTCDateTime

revision: str = "5b7e0c1d2a93"
down_revision: str | None = "e483f4fc2011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: the lead table carries triggers).
    op.add_column("lead", sa.Column("sent_back_at", UTCDateTime(), nullable=True))
    op.add_column("lead", sa.Column("sent_back_by", sa.Uuid(), nullable=True))
    op.add_column(
        "lead",
        sa.Column("sent_back_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    )
    op.add_column(
        "lead",
        sa.Column("sent_back_hlc", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    )
    op.add_column("lead", sa.Column("answered_at", UTCDateTime(), nullable=True))
    op.add_column(
        "lead",
        sa.Column("answer_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    )
    op.add_column("lead", sa.Column("merged_into", sa.Uuid(), nullable=True))


def downgrade() -> None:
    for column in (
        "merged_into",
        "answer_note",
        "answered_at",
        "sent_back_hlc",
        "sent_back_note",
        "sent_back_by",
        "sent_back_at",
    ):
        op.drop_column("lead", column)
