"""Disputes: a representative contests one criterion; a reviewer decides, with a reason."""

from __future__ import annotations

from sqlalchemy import select

from qa_coach.domain.people import UserRole
from qa_coach.domain.statuses import DisputeStatus
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import Dispute, InteractionRow, RubricVersion, utcnow

from .access import Sessions, audit, rep_scope, require_role, unit_of_work
from .answers import validate_answers
from .errors import ConflictError, NotFoundError, ValidationError
from .records import DisputeRecord
from .reviews import CriterionReview, save_review, visible_interaction


def dispute_record(d: Dispute) -> DisputeRecord:
    return DisputeRecord(d.id, d.interaction_id, d.criterion_id, d.raised_by, d.reason, d.status, d.decided_by,
                         d.decision_reason, d.new_answer, d.created_at, d.decided_at)


def raise_dispute(sessions: Sessions, user_id: int, interaction_id: int, criterion_id: str, reason: str) -> DisputeRecord:
    if not reason.strip():
        raise ValidationError("a dispute needs a reason")
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.REPRESENTATIVE, action="dispute scores (only the representative scored can)")
        row = visible_interaction(s, actor, interaction_id, "dispute this interaction")
        card = repo.current_scorecard(s, row.id)
        if card is None:
            raise ValidationError(f"interaction {row.id} has no score to dispute")
        rubric = repo.rubric_of(s.get(RubricVersion, card.rubric_version_id))
        validate_answers(rubric, {criterion_id: None}, where=f"dispute on interaction {row.id}")
        open_one = s.scalar(select(Dispute).where(Dispute.interaction_id == row.id, Dispute.criterion_id == criterion_id,
                                                  Dispute.status == DisputeStatus.OPEN))
        if open_one is not None:
            raise ConflictError(f"interaction {row.id}: {criterion_id!r} already has an open dispute ({open_one.id})")
        d = Dispute(interaction_id=row.id, criterion_id=criterion_id, raised_by=actor.user_id, reason=reason.strip())
        s.add(d)
        s.flush()
        audit(s, actor, "raise", "dispute", d.id, interaction=row.id, criterion=criterion_id, reason=reason)
        return dispute_record(d)


def decide_dispute(
    sessions: Sessions, user_id: int, dispute_id: int, *, accept: bool, reason: str, new_answer: str | None = None,
) -> DisputeRecord:
    """Accept (optionally with the answer the review should now carry) or reject a dispute.

    An accepted dispute with ``new_answer`` updates the human review in the same step;
    the automatic score stays as it was.
    """
    if not reason.strip():
        raise ValidationError("a decision needs a reason")
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="decide disputes")
        d = s.get(Dispute, dispute_id)
        if d is None:
            raise NotFoundError(f"dispute {dispute_id} not found")
        visible_interaction(s, actor, d.interaction_id, "decide this dispute")
        if d.status != DisputeStatus.OPEN:
            raise ConflictError(f"dispute {dispute_id} was already {d.status}")
        review = repo.review_for(s, d.interaction_id)
        expected = review.version if review else None
        interaction_id, criterion_id = d.interaction_id, d.criterion_id
    if accept and new_answer is not None:
        save_review(sessions, user_id, interaction_id,
                    {criterion_id: CriterionReview(new_answer, f"dispute {dispute_id}: {reason}")},
                    expected_version=expected)
    with unit_of_work(sessions, user_id) as (s, actor):
        d = s.get(Dispute, dispute_id)
        if d.status != DisputeStatus.OPEN:
            raise ConflictError(f"dispute {dispute_id} was already {d.status}")
        d.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
        d.decided_by, d.decision_reason, d.new_answer, d.decided_at = actor.user_id, reason.strip(), new_answer, utcnow()
        audit(s, actor, "decide", "dispute", d.id, status=d.status, new_answer=new_answer, reason=reason)
        return dispute_record(d)


def list_disputes(sessions: Sessions, user_id: int, *, status: str | None = None) -> list[DisputeRecord]:
    with unit_of_work(sessions, user_id) as (s, actor):
        q = (
            select(Dispute)
            .join(InteractionRow, InteractionRow.id == Dispute.interaction_id)
            .where(rep_scope(actor, InteractionRow.representative_id))
            .order_by(Dispute.id)
        )
        if status:
            q = q.where(Dispute.status == status)
        return [dispute_record(d) for d in s.scalars(q)]
