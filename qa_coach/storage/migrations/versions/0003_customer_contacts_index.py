"""interactions: index (customer_key, occurred_at) for repeat-contact lookups

First-contact resolution looks for a customer's later contacts within a window; with
both columns in one index the lookup reads the index alone (it replaces the index on
customer_key, whose lookups it also serves).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_customer_key"))
        batch_op.create_index("ix_interactions_customer_occurred", ["customer_key", "occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_customer_occurred")
        batch_op.create_index(batch_op.f("ix_interactions_customer_key"), ["customer_key"], unique=False)
