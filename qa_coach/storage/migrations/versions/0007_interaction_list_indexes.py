"""indexes for the Interactions page, the review queue and the Disputes inbox

The Interactions page reads current scorecards in the order asked for (newest, lowest score,
least confident) and stops after one page: one index per order, holding the representative
and the interaction so that the visibility, search, review and dispute filters need no table
read. A failed criterion is looked up by criterion; a search by ticket id or customer, or a
channel, scans one narrow index instead of the conversations; open disputes are read oldest
first.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("auto_scorecards", "ix_auto_scorecards_current_occurred",
     ["is_current", "occurred_at", "representative_id", "interaction_id"]),
    ("auto_scorecards", "ix_auto_scorecards_current_score",
     ["is_current", "score", "representative_id", "interaction_id"]),
    ("auto_scorecards", "ix_auto_scorecards_current_confidence",
     ["is_current", "min_confidence", "representative_id", "interaction_id"]),
    ("criterion_scores", "ix_criterion_scores_failed", ["criterion_id", "na", "points", "scorecard_id"]),
    ("interactions", "ix_interactions_channel_search", ["channel", "external_id", "customer_key"]),
    ("disputes", "ix_disputes_status_created", ["status", "created_at"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
