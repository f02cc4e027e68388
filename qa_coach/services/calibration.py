"""Calibration: several reviewers score one interaction blind, then compare."""

from __future__ import annotations

from typing import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qa_coach.domain.people import UserRole
from qa_coach.domain.progress import CalibrationSummary, calibration_summary
from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import CalibrationScore, CalibrationSession, User, utcnow

from .access import Sessions, audit, require_role, unit_of_work
from .answers import score_answers, validate_answers
from .errors import ConflictError, NotFoundError, ValidationError
from .records import CalibrationRecord, CalibrationScoreRecord
from .reviews import visible_interaction
from .rubrics import usable_rubric_version

_SCORERS = (UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH)


def create_calibration(sessions: Sessions, user_id: int, interaction_id: int, *, rubric_version_id: int | None = None,
                       title: str = "") -> CalibrationRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="start calibration sessions")
        row = visible_interaction(s, actor, interaction_id, "calibrate on this interaction")
        if rubric_version_id is None:
            card = repo.current_scorecard(s, row.id)
            if card is None:
                raise ValidationError(f"interaction {row.id} has no scorecard: name a rubric version")
            rubric_version_id = card.rubric_version_id
        version = usable_rubric_version(s, rubric_version_id)
        cs = CalibrationSession(interaction_id=row.id, rubric_version_id=version.id, created_by=actor.user_id, title=title)
        s.add(cs)
        s.flush()
        audit(s, actor, "create", "calibration", cs.id, interaction=row.id)
        return CalibrationRecord(cs.id, row.id, version.id, title, False, ())


def _session(s, actor, session_id: int) -> CalibrationSession:
    cs = s.get(CalibrationSession, session_id)
    if cs is None:
        raise NotFoundError(f"calibration session {session_id} not found")
    visible_interaction(s, actor, cs.interaction_id, "take part in this calibration")
    return cs


def submit_calibration(sessions: Sessions, user_id: int, session_id: int, answers: Mapping[str, str | None]) -> CalibrationRecord:
    """One reviewer's blind score: every criterion of the rubric must be answered."""
    try:
        with unit_of_work(sessions, user_id) as (s, actor):
            require_role(actor, *_SCORERS, action="score calibration sessions")
            cs = _session(s, actor, session_id)
            if cs.closed_at is not None:
                raise ConflictError(f"calibration session {session_id} is closed")
            rubric = repo.rubric_of(usable_rubric_version(s, cs.rubric_version_id))
            where = f"calibration session {session_id}"
            validate_answers(rubric, answers, where=where)
            missing = [c.id for c in rubric.criteria if c.id not in answers]
            if missing:
                raise ValidationError(f"{where}: answer every criterion (missing: {', '.join(missing)}); nothing was saved")
            clean = {k: (None if v in (None, BuiltInAnswer.NA) else v) for k, v in answers.items()}
            s.add(CalibrationScore(session_id=cs.id, reviewer_id=actor.user_id, answers=clean,
                                   score=score_answers(rubric, clean).score))
            s.flush()
            audit(s, actor, "submit", "calibration", cs.id, answers=clean)
            return _record(s, cs, actor.user_id)
    except IntegrityError:
        raise ConflictError(f"you already submitted a score in calibration session {session_id}") from None


def close_calibration(sessions: Sessions, user_id: int, session_id: int) -> CalibrationRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="close calibration sessions")
        cs = _session(s, actor, session_id)
        cs.closed_at = cs.closed_at or utcnow()
        audit(s, actor, "close", "calibration", cs.id)
        return _record(s, cs, actor.user_id)


def get_calibration(sessions: Sessions, user_id: int, session_id: int) -> CalibrationRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, *_SCORERS, action="see calibration sessions")
        cs = _session(s, actor, session_id)
        return _record(s, cs, actor.user_id)


def calibration_results(sessions: Sessions, user_id: int, session_id: int) -> CalibrationSummary:
    """Alignment per criterion, share within ±10 points and variance (closed sessions only)."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, *_SCORERS, action="see calibration results")
        cs = _session(s, actor, session_id)
        if cs.closed_at is None:
            raise ConflictError(f"calibration session {session_id} is still open: results stay blind until it closes")
        rubric = repo.rubric_of(_version(s, cs))
        scores = list(s.scalars(select(CalibrationScore).where(CalibrationScore.session_id == cs.id)))
        maxima = {c.id: c.weight for c in rubric.criteria}
        fractions = {c.id: {o.key: o.fraction for o in c.options} for c in rubric.criteria}
        per_reviewer = {
            sc.reviewer_id: {
                cid: (None if ans is None else fractions[cid][ans] * maxima[cid]) for cid, ans in sc.answers.items()
            }
            for sc in scores
        }
        totals = {sc.reviewer_id: sc.score for sc in scores}
        return calibration_summary(per_reviewer, maxima, totals)


def _version(s, cs):
    from qa_coach.storage.models import RubricVersion

    return s.get(RubricVersion, cs.rubric_version_id)


def _record(s, cs: CalibrationSession, viewer_id: int) -> CalibrationRecord:
    scores = list(s.scalars(select(CalibrationScore).where(CalibrationScore.session_id == cs.id)
                            .order_by(CalibrationScore.reviewer_id)))
    if cs.closed_at is None:  # blind: each reviewer sees only their own score until it closes
        scores = [sc for sc in scores if sc.reviewer_id == viewer_id]
    names = dict(s.execute(select(User.id, User.name).where(User.id.in_([sc.reviewer_id for sc in scores])))
                 .tuples().all()) if scores else {}
    return CalibrationRecord(
        cs.id, cs.interaction_id, cs.rubric_version_id, cs.title, cs.closed_at is not None,
        tuple(CalibrationScoreRecord(sc.reviewer_id, dict(sc.answers), sc.score, names.get(sc.reviewer_id, ""))
              for sc in scores),
    )
