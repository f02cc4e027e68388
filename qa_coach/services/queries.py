"""Read-only queries, every one limited to what the acting user may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from qa_coach.domain.people import UserRole
from qa_coach.storage import repositories as repo
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import AuditEntry, AutoScorecard, InteractionRow, Review, RubricVersion

from .access import Sessions, rep_scope, require_rep, require_role, unit_of_work
from .records import InteractionDetail, InteractionSummary, StoredScorecard
from .reviews import review_record, visible_interaction


def list_interactions(
    sessions: Sessions, user_id: int, *, representative_id: int | None = None, since: datetime | None = None,
    until: datetime | None = None, limit: int = 200, offset: int = 0,
) -> list[InteractionSummary]:
    with unit_of_work(sessions, user_id) as (s, actor):
        if representative_id is not None:
            require_rep(s, actor, representative_id, action="see this representative's interactions")
        card = aliased(AutoScorecard)
        q = (
            select(InteractionRow.id, InteractionRow.external_id, InteractionRow.representative_id,
                   InteractionRow.channel, InteractionRow.occurred_at, InteractionRow.source_path,
                   card.score, Review.score, card.min_confidence)
            .outerjoin(card, (card.interaction_id == InteractionRow.id) & card.is_current.is_(True))
            .outerjoin(Review, Review.interaction_id == InteractionRow.id)
            .where(rep_scope(actor, InteractionRow.representative_id))
            .order_by(InteractionRow.occurred_at.desc(), InteractionRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if representative_id is not None:
            q = q.where(InteractionRow.representative_id == representative_id)
        if since is not None:
            q = q.where(InteractionRow.occurred_at >= as_utc(since))
        if until is not None:
            q = q.where(InteractionRow.occurred_at < as_utc(until))
        return [
            InteractionSummary(r[0], r[1], r[2], r[3], as_utc(r[4]), r[5], r[6], r[7], r[8]) for r in s.execute(q)
        ]


def get_interaction(sessions: Sessions, user_id: int, interaction_id: int) -> InteractionDetail:
    """The conversation, every scorecard it ever had (newest first) and its human review."""
    with unit_of_work(sessions, user_id) as (s, actor):
        row = visible_interaction(s, actor, interaction_id, "see this interaction")
        cards = repo.scorecards_for(s, [row.id], current_only=False)
        versions = {v.id: v for v in s.scalars(select(RubricVersion).where(
            RubricVersion.id.in_({c.rubric_version_id for c in cards})))}
        stored = tuple(
            StoredScorecard(c.id, row.id, c.rubric_version_id, as_utc(c.created_at), c.is_current,
                            repo.scorecard_of(c, versions[c.rubric_version_id], row.external_id))
            for c in cards
        )
        review = repo.review_for(s, row.id)
        return InteractionDetail(row.id, row.representative_id, repo.interaction_of(row), row.audio_path, stored,
                                 review_record(review) if review else None)


def audit_log(sessions: Sessions, user_id: int, *, limit: int = 500) -> list[dict]:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="read the audit log")
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return [
            {"id": a.id, "at": as_utc(a.at).isoformat(), "user_id": a.user_id, "action": a.action,
             "entity": a.entity, "entity_id": a.entity_id, "details": a.details}
            for a in rows
        ]
