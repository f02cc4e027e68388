"""ingested_files and interactions: "already stored" answered within a team

A file is recorded per team (``team_id``, unique with ``sha256``), and a conversation's
stored hash covers the team it was stored for (codec.team_content_hash), so importing a copy
of another team's file stores it normally instead of revealing that the other team has it;
within a team nothing is stored twice, as before.

Existing files take the team of their conversations (files whose conversations were all
already stored keep no team); existing conversation hashes are rehashed with their
representative's team. Downgrading keeps the team-scoped hashes, and fails if a file is
stored for two teams. (SQLite rebuilds ingested_files for the constraint: see
qa_coach.storage.migrate, which runs it with foreign keys checked at the end.)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _team_content_hash(team_id: int, conversation_hash: str) -> str:
    """Frozen copy of qa_coach.storage.codec.team_content_hash (a test keeps them equal)."""
    return hashlib.sha256(f"team {team_id}:{conversation_hash}".encode("ascii")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("ingested_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_ingested_files_sha256"), type_="unique")
        batch_op.create_unique_constraint("uq_ingested_files_sha256_team", ["sha256", "team_id"])
        batch_op.create_foreign_key(batch_op.f("fk_ingested_files_team_id_teams"), "teams", ["team_id"], ["id"])
    op.execute(
        "UPDATE ingested_files SET team_id = (SELECT MIN(r.team_id) FROM interactions i "
        "JOIN representatives r ON r.id = i.representative_id WHERE i.file_id = ingested_files.id)"
    )
    conn = op.get_bind()
    batch = sa.text("SELECT i.id, i.content_hash, r.team_id FROM interactions i JOIN representatives r "
                    "ON r.id = i.representative_id WHERE i.id > :after ORDER BY i.id LIMIT 10000")
    update = sa.text("UPDATE interactions SET content_hash = :h WHERE id = :id")
    after = 0
    while rows := conn.execute(batch, {"after": after}).all():
        conn.execute(update, [{"id": i, "h": _team_content_hash(team, h)} for i, h, team in rows])
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("ingested_files", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ingested_files_team_id_teams"), type_="foreignkey")
        batch_op.drop_constraint("uq_ingested_files_sha256_team", type_="unique")
        batch_op.drop_column("team_id")
        batch_op.create_unique_constraint(batch_op.f("uq_ingested_files_sha256"), ["sha256"])
