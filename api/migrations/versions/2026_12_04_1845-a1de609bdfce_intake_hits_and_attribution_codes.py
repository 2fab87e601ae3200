"""intake hits and attribution codes: the public form's rate limit (per client, shared by
every instance), QR/short-link codes, and leads found by their campaign (code)

Revision ID: a1de609bdfce
Revises: a7c41e2d9b05
Create Date: 2026-12-04 18:45:32.238242
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import sync.sqltypes

revision: str = "a1de609bdfce"
down_revision: str | None = "a7c41e2d9b05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sync.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_hit")),
    )
    with op.batch_alter_table("intake_hit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_hit_at"), ["at"], unique=False)
        batch_op.create_index("ix_intake_hit_client_at", ["client", "at"], unique=False)

    op.create_table(
        "attribution_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("venue_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("campaign", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sync.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sync.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["user.id"], name=op.f("fk_attribution_code_agent_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_attribution_code_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_attribution_code_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["outreach_session.id"],
            name=op.f("fk_attribution_code_session_id_outreach_session"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_attribution_code_team_id_team")
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venue.id"], name=op.f("fk_attribution_code_venue_id_venue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribution_code")),
        sa.UniqueConstraint("code", name=op.f("uq_attribution_code_code")),
    )
    with op.batch_alter_table("attribution_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attribution_code_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_campaign"), ["campaign"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_campaign"))

    with op.batch_alter_table("attribution_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attribution_code_team_id"))

    op.drop_table("attribution_code")
    with op.batch_alter_table("intake_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_hit_client_at")
        batch_op.drop_index(batch_op.f("ix_intake_hit_at"))

    op.drop_table("intake_hit")
