"""push preferences

Revision ID: a7c41e2d9b05
Revises: 3250f423c71c
Create Date: 2026-12-04 18:38:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sync.sqltypes

revision: str = "a7c41e2d9b05"
down_revision: str | None = "3250f423c71c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_preference",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("assigned", sa.Boolean(), nullable=False),
        sa.Column("intake", sa.Boolean(), nullable=False),
        sa.Column("sent_back", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("digest_time", sa.Time(), nullable=False),
        sa.Column("last_digest_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sync.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_push_preference_user_id_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_push_preference")),
    )


def downgrade() -> None:
    op.drop_table("push_preference")
