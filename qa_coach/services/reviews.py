"""Human reviews: per-criterion answers beside the automatic score, never over it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from qa_coach.domain.people import UserRole
from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import InteractionRow, Review, ReviewAnswer, RubricVersion, utcnow

from .access import Actor, Sessions, audit, require_rep, require_role, unit_of_work
from .answers import score_answers, validate_answers
from .errors import ConflictError, NotFoundError, ValidationError
from .records import ReviewAnswerRecord, ReviewRecord
from .rubrics import usable_rubric_version


@dataclass(frozen=True)
class CriterionReview:
    answer: str | None  # an answer key of the criterion, or None / BuiltInAnswer.NA for N/A
    comment: str = ""


def review_record(r: Review) -> ReviewRecord:
    return ReviewRecord(
        r.id, r.interaction_id, r.scorecard_id, r.rubric_version_id, r.reviewer_id, r.score, r.comment, r.version,
        r.updated_at,
        tuple(
            ReviewAnswerRecord(a.criterion_id, a.answer, a.points, a.max_points, a.na, a.comment)
            for a in sorted(r.answers, key=lambda a: a.criterion_id)
        ),
    )


def visible_interaction(s: Session, actor: Actor, interaction_id: int, action: str) -> InteractionRow:
    row = s.get(InteractionRow, interaction_id)
    if row is None:
        raise NotFoundError(f"interaction {interaction_id} not found")
    require_rep(s, actor, row.representative_id, action=action)
    return row


def save_review(
    sessions: Sessions, user_id: int, interaction_id: int, answers: Mapping[str, CriterionReview | str | None],
    *, expected_version: int | None, comment: str | None = None,
) -> ReviewRecord:
    """Create (``expected_version=None``) or update the human review of an interaction.

    ``expected_version`` is the version the reviewer loaded: if someone saved in between,
    a ConflictError says so and nothing is written.
    """
    given = {k: v if isinstance(v, CriterionReview) else CriterionReview(v) for k, v in answers.items()}
    try:
        with unit_of_work(sessions, user_id) as (s, actor):
            require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="review interactions")
            row = visible_interaction(s, actor, interaction_id, "review this interaction")
            return _save(s, actor, row, given, expected_version, comment)
    except StaleDataError:
        raise ConflictError(
            f"interaction {interaction_id}: another reviewer saved this review while you were editing it; "
            "reload it and apply your changes again (nothing was saved)"
        ) from None
    except IntegrityError:
        raise ConflictError(
            f"interaction {interaction_id}: another reviewer created a review at the same moment; "
            "reload it and apply your changes again (nothing was saved)"
        ) from None


def _save(s: Session, actor: Actor, row: InteractionRow, given: Mapping[str, CriterionReview],
          expected_version: int | None, comment: str | None) -> ReviewRecord:
    card_row = repo.current_scorecard(s, row.id)
    review = repo.review_for(s, row.id)
    if review is None and expected_version is not None:
        raise ConflictError(f"interaction {row.id}: the review you edited no longer exists; reload it")
    if review is not None and expected_version != review.version:
        raise ConflictError(
            f"interaction {row.id}: the review is at version {review.version}, you edited version "
            f"{expected_version}; someone saved in between: reload it and apply your changes again (nothing was saved)"
        )
    if review is not None:
        version = s.get(RubricVersion, review.rubric_version_id)
    elif card_row is not None:
        version = usable_rubric_version(s, card_row.rubric_version_id)
    else:
        raise ValidationError(f"interaction {row.id} has no automatic scorecard to review against")
    rubric = repo.rubric_of(version)
    validate_answers(rubric, {k: v.answer for k, v in given.items()}, where=f"review of interaction {row.id}")

    before = {a.criterion_id: a.answer for a in review.answers} if review else {}
    if review is None:
        review = Review(interaction_id=row.id, scorecard_id=card_row.id if card_row else None,
                        rubric_version_id=version.id, reviewer_id=actor.user_id, comment="", answers=[])
        s.add(review)
    by_cid = {a.criterion_id: a for a in review.answers}
    for cid, cr in given.items():
        key = None if cr.answer in (None, BuiltInAnswer.NA) else cr.answer
        crit = rubric.criterion(cid)
        points = 0.0 if key is None else round(crit.option(key).fraction * crit.weight, 4)
        if cid in by_cid:
            a = by_cid[cid]
            a.answer, a.points, a.max_points, a.na, a.comment = key, points, crit.weight, key is None, cr.comment
        else:
            review.answers.append(ReviewAnswer(criterion_id=cid, answer=key, points=points, max_points=crit.weight,
                                               na=key is None, comment=cr.comment))
    base = None
    if card_row is not None and card_row.rubric_version_id == version.id:
        base = repo.scorecard_of(card_row, version, row.external_id)
    merged = {a.criterion_id: a.answer for a in review.answers}
    review.score = score_answers(rubric, merged, base).score
    review.reviewer_id = actor.user_id
    review.updated_at = utcnow()
    if comment is not None:
        review.comment = comment
    s.flush()
    audit(s, actor, "review", "interaction", row.id, before=before, after=merged, version=review.version)
    return review_record(review)


def get_review(sessions: Sessions, user_id: int, interaction_id: int) -> ReviewRecord | None:
    with unit_of_work(sessions, user_id) as (s, actor):
        visible_interaction(s, actor, interaction_id, "see this interaction")
        review = repo.review_for(s, interaction_id)
        return review_record(review) if review else None
