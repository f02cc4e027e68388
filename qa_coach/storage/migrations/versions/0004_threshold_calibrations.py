"""threshold_calibrations: decision thresholds refitted to a team's reviewer answers

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threshold_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("fits", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_threshold_calibrations_created_by_users")),
        sa.ForeignKeyConstraint(["rubric_version_id"], ["rubric_versions.id"],
                                name=op.f("fk_threshold_calibrations_rubric_version_id_rubric_versions")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_threshold_calibrations_team_id_teams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threshold_calibrations")),
        sa.UniqueConstraint("team_id", "rubric_version_id", "version", name=op.f("uq_threshold_calibrations_team_id")),
    )
    with op.batch_alter_table("threshold_calibrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threshold_calibrations_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_threshold_calibrations_rubric_version_id"), ["rubric_version_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("threshold_calibrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_threshold_calibrations_rubric_version_id"))
        batch_op.drop_index(batch_op.f("ix_threshold_calibrations_team_id"))
    op.drop_table("threshold_calibrations")
