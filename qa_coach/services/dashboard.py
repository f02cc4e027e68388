"""Read queries behind the app's team overview and review queue (aggregated in the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from qa_coach.domain.people import UserRole
from qa_coach.domain.scorecard import REVIEW_CONFIDENCE
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import AutoScorecard, CriterionScore, InteractionRow, Representative, Review, Team, utcnow

from .access import Actor, Sessions, rep_scope, require_role, unit_of_work
from .analytics import _FRACTION, _as_date, _week, review_sample
from .errors import NotFoundError, PermissionDeniedError

LOW_SCORE = 60.0  # a score at or below this is low: the overview lists it, the review queue includes it


@dataclass(frozen=True)
class TrendPoint:
    week: date
    mean: float
    n: int


@dataclass(frozen=True)
class HeatCell:
    representative: str
    criterion_id: str
    criterion: str
    mean: float  # 0..1 share of the criterion's points earned
    n: int


@dataclass(frozen=True)
class ScoredRow:
    interaction_id: int
    external_id: str
    representative: str
    occurred_at: datetime
    score: float | None
    min_confidence: float
    human_score: float | None


@dataclass(frozen=True)
class QueueRow:
    interaction_id: int
    external_id: str
    representative: str
    occurred_at: datetime
    score: float | None
    min_confidence: float
    sampled: bool
    low_confidence: bool
    failed: tuple[str, ...]  # names of the criteria that earned no points
    low_score: bool = False  # at or below the queue's low-score line
    failed_critical: bool = False  # a critical criterion failed (the score is 0)


@dataclass(frozen=True)
class TeamDashboard:
    team: str
    since: datetime
    trend: tuple[TrendPoint, ...]
    heatmap: tuple[HeatCell, ...]
    low_scores: tuple[ScoredRow, ...]


def _check_team(s, actor: Actor, team_id: int) -> Team:
    team = s.get(Team, team_id)
    if team is None:
        raise NotFoundError(f"team {team_id} not found")
    if not actor.is_admin and team_id not in actor.team_ids:
        raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not see team {team.name!r}")
    return team


def team_dashboard(sessions: Sessions, user_id: int, team_id: int, *, weeks: int = 12, low_below: float = LOW_SCORE,
                   low_limit: int = 10, now: datetime | None = None) -> TeamDashboard:
    """The team's weekly QA score, criteria × representative means and the latest low scores."""
    now = as_utc(now) or utcnow()
    since = now - timedelta(weeks=weeks)
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="see team overviews")
        team = _check_team(s, actor, team_id)
        reps = dict(s.execute(select(Representative.id, Representative.name).where(Representative.team_id == team_id)).all())
        window = (AutoScorecard.representative_id.in_(list(reps)), AutoScorecard.is_current.is_(True),
                  AutoScorecard.occurred_at >= since, AutoScorecard.occurred_at < now)
        week = _week(s, AutoScorecard.occurred_at).label("week")
        trend = tuple(
            TrendPoint(_as_date(w), float(m), int(n))
            for w, m, n in s.execute(select(week, func.avg(AutoScorecard.score), func.count(AutoScorecard.score))
                                     .where(*window).group_by(week).order_by(week))
            if n
        )
        heat = tuple(
            HeatCell(reps[r], cid, name, float(m), int(n))
            for r, cid, name, m, n in s.execute(
                select(AutoScorecard.representative_id, CriterionScore.criterion_id, func.max(CriterionScore.name),
                       func.avg(_FRACTION), func.count(_FRACTION))
                .join(CriterionScore, CriterionScore.scorecard_id == AutoScorecard.id)
                .where(*window).group_by(AutoScorecard.representative_id, CriterionScore.criterion_id))
            if n
        )
        low = tuple(
            ScoredRow(i, ext, reps[r], as_utc(at), sc, float(mc), hs)
            for i, ext, r, at, sc, mc, hs in s.execute(
                select(AutoScorecard.interaction_id, InteractionRow.external_id, AutoScorecard.representative_id,
                       AutoScorecard.occurred_at, AutoScorecard.score, AutoScorecard.min_confidence, Review.score)
                .join(InteractionRow, InteractionRow.id == AutoScorecard.interaction_id)
                .outerjoin(Review, Review.interaction_id == AutoScorecard.interaction_id)
                .where(*window, AutoScorecard.score < low_below)
                .order_by(AutoScorecard.occurred_at.desc()).limit(low_limit))
        )
        return TeamDashboard(team.name, since, trend, tuple(sorted(heat, key=lambda c: (c.representative, c.criterion))),
                             low)


def review_queue(
    sessions: Sessions, user_id: int, *, team_id: int | None = None, representative_id: int | None = None,
    since: datetime, until: datetime, max_score: float | None = None, failed_criterion: str | None = None,
    per_rep: int = 3, low_confidence: float = REVIEW_CONFIDENCE, low_score: float = LOW_SCORE, seed: int = 0,
    limit: int = 200,
) -> list[QueueRow]:
    """Unreviewed interactions to check, filtered by team, representative, dates, score and
    failed criterion: every one whose critical criterion failed, every low score (at or below
    ``low_score``, or at or below ``max_score`` when a reviewer asks for scores up to it),
    every low-confidence one, and a seeded random sample per representative. Failed critical
    criteria come first, then the lowest scores."""
    low_line = max_score if max_score is not None else low_score
    sampled = {i for ids in review_sample(sessions, user_id, per_rep=per_rep, since=since, until=until, seed=seed,
                                          team_id=team_id).values() for i in ids}
    with unit_of_work(sessions, user_id) as (s, actor):
        if team_id is not None:
            _check_team(s, actor, team_id)
        names = dict(s.execute(select(Representative.id, Representative.name)
                               .where(rep_scope(actor, Representative.id))).all())
        q = (select(AutoScorecard.id, AutoScorecard.interaction_id, InteractionRow.external_id,
                    AutoScorecard.representative_id, AutoScorecard.occurred_at, AutoScorecard.score,
                    AutoScorecard.min_confidence, AutoScorecard.auto_failed)
             .join(InteractionRow, InteractionRow.id == AutoScorecard.interaction_id)
             .where(AutoScorecard.is_current.is_(True), rep_scope(actor, AutoScorecard.representative_id),
                    AutoScorecard.occurred_at >= as_utc(since), AutoScorecard.occurred_at < as_utc(until),
                    ~select(Review.id).where(Review.interaction_id == AutoScorecard.interaction_id).exists(),
                    AutoScorecard.auto_failed.is_(True) | (AutoScorecard.score <= low_line)
                    | (AutoScorecard.min_confidence < low_confidence) | AutoScorecard.interaction_id.in_(sampled))
             .order_by(AutoScorecard.auto_failed.desc(), AutoScorecard.score.asc().nulls_last(),
                       AutoScorecard.min_confidence, AutoScorecard.occurred_at.desc()).limit(limit))
        if team_id is not None:
            q = q.where(AutoScorecard.representative_id.in_(
                select(Representative.id).where(Representative.team_id == team_id)))
        if representative_id is not None:
            q = q.where(AutoScorecard.representative_id == representative_id)
        if max_score is not None:
            q = q.where(AutoScorecard.score <= max_score)
        if failed_criterion:
            q = q.where(select(CriterionScore.id).where(
                CriterionScore.scorecard_id == AutoScorecard.id, CriterionScore.criterion_id == failed_criterion,
                CriterionScore.na.is_(False), CriterionScore.points <= 0).exists())
        rows = s.execute(q).all()
        failed: dict[int, list[str]] = {}
        if rows:
            for card_id, name in s.execute(
                select(CriterionScore.scorecard_id, CriterionScore.name)
                .where(CriterionScore.scorecard_id.in_([r[0] for r in rows]), CriterionScore.na.is_(False),
                       CriterionScore.points <= 0).order_by(CriterionScore.position)):
                failed.setdefault(card_id, []).append(name)
    return [
        QueueRow(iid, ext, names.get(rep, str(rep)), as_utc(at), sc, float(mc), iid in sampled, mc < low_confidence,
                 tuple(failed.get(card_id, ())), sc is not None and sc <= low_line, bool(auto_failed))
        for card_id, iid, ext, rep, at, sc, mc, auto_failed in rows
    ]


def get_rubric(sessions: Sessions, user_id: int, rubric_version_id: int):
    """The parsed rubric of a stored version (its YAML text is ``source_text``)."""
    from qa_coach.storage import repositories as repo
    from qa_coach.storage.models import RubricVersion

    with unit_of_work(sessions, user_id) as (s, _actor):
        row = s.get(RubricVersion, rubric_version_id)
        if row is None:
            raise NotFoundError(f"rubric version {rubric_version_id} not found")
        return repo.rubric_of(row)


@dataclass(frozen=True)
class CalibrationListRow:
    id: int
    interaction_id: int
    title: str
    closed: bool
    submitted_by_me: bool


def list_calibrations(sessions: Sessions, user_id: int) -> list[CalibrationListRow]:
    """Calibration sessions on interactions the user may see, newest first."""
    from qa_coach.storage.models import CalibrationScore, CalibrationSession

    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="take part in calibration")
        mine = set(s.scalars(select(CalibrationScore.session_id).where(CalibrationScore.reviewer_id == actor.user_id)))
        q = (select(CalibrationSession).join(InteractionRow, InteractionRow.id == CalibrationSession.interaction_id)
             .where(rep_scope(actor, InteractionRow.representative_id)).order_by(CalibrationSession.id.desc()))
        return [CalibrationListRow(c.id, c.interaction_id, c.title, c.closed_at is not None, c.id in mine)
                for c in s.scalars(q)]
