"""Progress, agreement, KPIs and review sampling: repository queries fed to pure functions."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping

from sqlalchemy import Date, Integer, case, cast, distinct, func, literal, select, true
from sqlalchemy.orm import Session, aliased

from qa_coach.domain import kpis
from qa_coach.domain.agreement import Agreement
from qa_coach.domain.people import UserRole
from qa_coach.domain.progress import (
    Change,
    CohortPoint,
    CriterionStanding,
    Observation,
    WeekPoint,
    agreement_by_criterion,
    change_since,
    change_since_by_key,
    cohort_comparison,
    mean_absolute_error,
    share_within,
    strongest_and_weakest,
    trends_by_key,
    weekly_trend,
    weighted_rolling,
)
from qa_coach.domain.scorecard import REVIEW_CONFIDENCE, BuiltInAnswer
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import (
    AutoScorecard,
    CoachingSession,
    CriterionScore,
    InteractionRow,
    Representative,
    Review,
    ReviewAnswer,
    Team,
    utcnow,
)

from .access import Actor, Sessions, rep_scope, require_rep, require_role, unit_of_work
from .directory import rep_record
from .errors import NotFoundError, PermissionDeniedError
from .records import RepresentativeRecord


MIN_GROUP_SIZE = 3
"""The fewest people, besides the representative, whose scores a team or cohort mean must
hold before it is shown beside that representative. With fewer, the mean (and what the
representative knows of their own scores) would reveal one or two colleagues' weekly means;
such a week's mean is left out (``None`` in a cohort point, no point in ``team_weeks``)."""
TOO_FEW_PEOPLE = f"not enough people to show a mean (it needs {MIN_GROUP_SIZE} others with scores in the same week)"


@dataclass(frozen=True)
class RepProgress:
    representative: RepresentativeRecord
    since: datetime
    weeks: tuple[WeekPoint, ...]  # weekly mean of the automatic score (0..100)
    rolling: tuple[float, ...]  # rolling mean over ``window`` weeks, aligned with ``weeks``
    criteria: Mapping[str, tuple[WeekPoint, ...]]  # weekly mean fraction (0..1) per criterion
    criterion_names: Mapping[str, str]
    team_weeks: tuple[WeekPoint, ...]  # the whole team's weekly mean (weeks with MIN_GROUP_SIZE others)
    cohort: tuple[CohortPoint, ...]  # by week since hire, beside other new hires of the teams the caller sees
    strongest: tuple[CriterionStanding, ...]
    weakest: tuple[CriterionStanding, ...]
    last_coaching_at: datetime | None
    score_change_since_coaching: Change | None
    criterion_change_since_coaching: Mapping[str, Change]


@dataclass(frozen=True)
class TeamOverviewRow:
    representative_id: int
    name: str
    interactions: int
    mean_score: float | None
    low_confidence: int
    reviewed: int
    mean_human_score: float | None


@dataclass(frozen=True)
class AgreementReport:
    reviews: int
    by_criterion: Mapping[str, Agreement]
    mean_absolute_error: float | None  # automatic vs human total, points of 100
    share_within_10: float | None


@dataclass(frozen=True)
class KpiReport:
    contacts: int
    average_handle_time: float | None  # seconds
    first_contact_resolution: kpis.Rate
    csat: kpis.Rate
    nps: kpis.NetPromoter
    ces: float | None
    mean_qa_score: float | None


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _week(session: Session, column):
    """The Monday starting the (UTC) week of ``column``, computed by the database."""
    if _is_pg(session):
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)
    return func.date(column, "weekday 0", "-6 days")


def _day(session: Session, column):
    if _is_pg(session):
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _weeks_since_hire(session: Session, column, hire_column):
    if _is_pg(session):
        return func.floor((cast(func.timezone("UTC", column), Date) - hire_column) / 7)
    return cast((func.julianday(func.date(column)) - func.julianday(hire_column)) / 7, Integer)


def _within_weeks_of_hire(session: Session, weeks: int) -> tuple:
    """Scorecards from each representative's hire date to ``weeks`` weeks after it."""
    day = _day(session, AutoScorecard.occurred_at)
    if _is_pg(session):
        return day >= Representative.hire_date, day < Representative.hire_date + literal(7 * weeks)
    # SQLite keeps datetimes as ISO text, so these bounds use the index on occurred_at.
    return (AutoScorecard.occurred_at >= Representative.hire_date,
            AutoScorecard.occurred_at < func.date(Representative.hire_date, f"+{7 * weeks} days"))


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def _monday(value) -> datetime:
    return datetime.combine(_as_date(value), time(12), tzinfo=timezone.utc)


_FRACTION = case((CriterionScore.na.is_(True) | (CriterionScore.max_points == 0), None),
                 else_=CriterionScore.points / CriterionScore.max_points)


def _visible_team(actor: Actor, team_column):
    """A WHERE clause limiting ``team_column`` to the teams the actor may see (a
    representative sees their own team's aggregates, never its rows)."""
    return true() if actor.is_admin else team_column.in_(actor.team_ids)


def rep_progress(
    sessions: Sessions, user_id: int, representative_id: int, *, weeks: int = 12, window: int = 4,
    now: datetime | None = None, cohort_days: int = 90, cohort_weeks: int = 26,
) -> RepProgress:
    """One representative's progress; aggregates of the team and cohort, never their rows.

    The cohort holds only new hires of teams the caller may see (a representative: their
    own team). A team or cohort mean is shown for a week only when at least
    :data:`MIN_GROUP_SIZE` people besides the representative have scores in it, so no
    comparison reveals one colleague's mean. The database groups by week (and by
    criterion), so the work grows with the number of weeks, not of interactions.
    """
    now = as_utc(now) or utcnow()
    since = now - timedelta(weeks=weeks)
    with unit_of_work(sessions, user_id) as (s, actor):
        require_rep(s, actor, representative_id, action="see this representative's progress")
        rep = s.get(Representative, representative_id)
        last = as_utc(s.scalar(select(func.max(CoachingSession.held_at))
                               .where(CoachingSession.representative_id == rep.id)))
        current = (AutoScorecard.is_current.is_(True), AutoScorecard.occurred_at >= since,
                   AutoScorecard.occurred_at < now)
        week = _week(s, AutoScorecard.occurred_at).label("week")

        # Per criterion and week, and per criterion before/after the last coaching session.
        crit_q = (select(week, CriterionScore.criterion_id, func.avg(_FRACTION), func.count(_FRACTION),
                         func.max(CriterionScore.name))
                  .join(CriterionScore, CriterionScore.scorecard_id == AutoScorecard.id)
                  .where(AutoScorecard.representative_id == rep.id, *current)
                  .group_by(week, CriterionScore.criterion_id))
        crit_obs, names = [], {}
        for w, cid, v, n, name in s.execute(crit_q):
            names[cid] = name
            if n:
                crit_obs.append(Observation(rep.id, _monday(w), float(v), cid, int(n)))

        totals_q = (select(AutoScorecard.representative_id, week, func.avg(AutoScorecard.score),
                           func.count(AutoScorecard.score))
                    .where(*current).group_by(AutoScorecard.representative_id, week))
        totals = [Observation(r, _monday(w), float(v), n=int(n))
                  for r, w, v, n in s.execute(totals_q.where(AutoScorecard.representative_id == rep.id)) if n]
        team_ids = select(Representative.id).where(Representative.team_id == rep.team_id).scalar_subquery()
        others = func.count(distinct(case((AutoScorecard.representative_id != rep.id,
                                           AutoScorecard.representative_id))))
        team_q = (select(week, func.avg(AutoScorecard.score), func.count(AutoScorecard.score), others)
                  .where(*current, AutoScorecard.representative_id.in_(team_ids)).group_by(week))
        team_obs = [Observation(0, _monday(w), float(v), n=int(n)) for w, v, n, k in s.execute(team_q)
                    if n and k >= MIN_GROUP_SIZE]

        score_change = None
        crit_change: dict[str, Change] = {}
        if last is not None:
            after = (AutoScorecard.occurred_at >= last).label("after")
            split = []
            for flag, v, n in s.execute(
                select(after, func.avg(AutoScorecard.score), func.count(AutoScorecard.score))
                .where(AutoScorecard.representative_id == rep.id, *current).group_by(after)
            ):
                if n:
                    split.append(Observation(rep.id, last if flag else last - timedelta(seconds=1), float(v), n=int(n)))
            score_change = change_since(split, last)
            csplit = []
            for flag, cid, v, n in s.execute(
                select(after, CriterionScore.criterion_id, func.avg(_FRACTION), func.count(_FRACTION))
                .join(CriterionScore, CriterionScore.scorecard_id == AutoScorecard.id)
                .where(AutoScorecard.representative_id == rep.id, *current)
                .group_by(after, CriterionScore.criterion_id)
            ):
                if n:
                    csplit.append(Observation(rep.id, last if flag else last - timedelta(seconds=1), float(v), cid, int(n)))
            crit_change = change_since_by_key(csplit, last)

        cohort: tuple[CohortPoint, ...] = ()
        if rep.hire_date is not None:
            lo, hi = rep.hire_date - timedelta(days=cohort_days), rep.hire_date + timedelta(days=cohort_days)
            hires = dict(s.execute(select(Representative.id, Representative.hire_date)
                                   .where(Representative.hire_date.between(lo, hi),
                                          _visible_team(actor, Representative.team_id))).all())
            since_hire = _weeks_since_hire(s, AutoScorecard.occurred_at, Representative.hire_date).label("wk")
            start = datetime.combine(lo, time.min, tzinfo=timezone.utc)
            end = min(now, datetime.combine(hi, time.min, tzinfo=timezone.utc) + timedelta(weeks=cohort_weeks))
            cq = (select(AutoScorecard.representative_id, since_hire, func.avg(AutoScorecard.score),
                         func.count(AutoScorecard.score))
                  .join(Representative, Representative.id == AutoScorecard.representative_id)
                  .where(AutoScorecard.representative_id.in_(list(hires)), AutoScorecard.is_current.is_(True),
                         AutoScorecard.occurred_at >= start, AutoScorecard.occurred_at < end,
                         *_within_weeks_of_hire(s, cohort_weeks))
                  .group_by(AutoScorecard.representative_id, since_hire))
            obs = [
                Observation(r, datetime.combine(hires[r], time(12), tzinfo=timezone.utc) + timedelta(weeks=int(wk)),
                            float(v), n=int(n))
                for r, wk, v, n in s.execute(cq) if n and wk is not None and 0 <= int(wk) < cohort_weeks
            ]
            cohort = tuple(c if c.cohort_reps >= MIN_GROUP_SIZE else replace(c, cohort_mean=None)
                           for c in cohort_comparison(rep.id, obs, hires))
        record = rep_record(rep)
    week_points = weekly_trend(totals)
    strongest, weakest = strongest_and_weakest(crit_obs)
    return RepProgress(
        representative=record, since=since, weeks=week_points, rolling=weighted_rolling(week_points, window),
        criteria=trends_by_key(crit_obs), criterion_names=names, team_weeks=weekly_trend(team_obs), cohort=cohort,
        strongest=strongest, weakest=weakest, last_coaching_at=last,
        score_change_since_coaching=score_change, criterion_change_since_coaching=crit_change,
    )


def team_overview(sessions: Sessions, user_id: int, team_id: int, *, since: datetime | None = None,
                  until: datetime | None = None, low_confidence: float = REVIEW_CONFIDENCE) -> list[TeamOverviewRow]:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="see team overviews")
        if s.get(Team, team_id) is None:
            raise NotFoundError(f"team {team_id} not found")
        if not actor.is_admin and team_id not in actor.team_ids:
            raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not see team {team_id}")
        reps = {r.id: r.name for r in s.scalars(select(Representative).where(Representative.team_id == team_id))}
        q = (
            select(AutoScorecard.representative_id, func.count(), func.avg(AutoScorecard.score),
                   func.sum(case((AutoScorecard.min_confidence < low_confidence, 1), else_=0)))
            .where(AutoScorecard.representative_id.in_(list(reps)), AutoScorecard.is_current.is_(True))
            .group_by(AutoScorecard.representative_id)
        )
        hq = (
            select(InteractionRow.representative_id, func.count(), func.avg(Review.score))
            .join(Review, Review.interaction_id == InteractionRow.id)
            .where(InteractionRow.representative_id.in_(list(reps)))
            .group_by(InteractionRow.representative_id)
        )
        for col in (AutoScorecard.occurred_at,):
            if since is not None:
                q = q.where(col >= as_utc(since))
            if until is not None:
                q = q.where(col < as_utc(until))
        if since is not None:
            hq = hq.where(InteractionRow.occurred_at >= as_utc(since))
        if until is not None:
            hq = hq.where(InteractionRow.occurred_at < as_utc(until))
        auto = {r: (n, avg, low) for r, n, avg, low in s.execute(q)}
        human = {r: (n, avg) for r, n, avg in s.execute(hq)}
    out = []
    for rep_id, name in sorted(reps.items(), key=lambda kv: kv[1]):
        n, avg, low = auto.get(rep_id, (0, None, 0))
        hn, havg = human.get(rep_id, (0, None))
        out.append(TeamOverviewRow(rep_id, name, int(n), None if avg is None else float(avg), int(low or 0), int(hn),
                                   None if havg is None else float(havg)))
    return out


def automatic_vs_human(sessions: Sessions, user_id: int, *, team_id: int | None = None,
                       representative_id: int | None = None) -> AgreementReport:
    """How often the automatic answers match the reviewers' (only criteria a reviewer answered)."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="see scoring agreement")
        scope = rep_scope(actor, InteractionRow.representative_id)
        q = (
            select(Review.id, CriterionScore.criterion_id, CriterionScore.answer, CriterionScore.na, ReviewAnswer.answer,
                   ReviewAnswer.na)
            .join(InteractionRow, InteractionRow.id == Review.interaction_id)
            .join(ReviewAnswer, ReviewAnswer.review_id == Review.id)
            .join(CriterionScore, (CriterionScore.scorecard_id == Review.scorecard_id)
                  & (CriterionScore.criterion_id == ReviewAnswer.criterion_id))
            .where(scope)
        )
        tq = (select(AutoScorecard.score, Review.score)
              .join(InteractionRow, InteractionRow.id == Review.interaction_id)
              .join(AutoScorecard, AutoScorecard.id == Review.scorecard_id).where(scope))
        if team_id is not None:
            team_reps = select(Representative.id).where(Representative.team_id == team_id)
            q = q.where(InteractionRow.representative_id.in_(team_reps))
            tq = tq.where(InteractionRow.representative_id.in_(team_reps))
        if representative_id is not None:
            require_rep(s, actor, representative_id)
            q = q.where(InteractionRow.representative_id == representative_id)
            tq = tq.where(InteractionRow.representative_id == representative_id)
        rows = s.execute(q).all()
        totals = s.execute(tq).all()
    na = BuiltInAnswer.NA
    pairs = [(cid, na if ana else (a or na), na if hna else (h or na)) for _, cid, a, ana, h, hna in rows]
    diffs = [a - h for a, h in totals if a is not None and h is not None]
    return AgreementReport(len({r[0] for r in rows}), agreement_by_criterion(pairs), mean_absolute_error(diffs),
                           share_within(diffs, 10.0))


def contact_kpis(sessions: Sessions, user_id: int, *, representative_id: int | None = None,
                 team_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
                 fcr_window_days: float = 7.0, csat_scale: int = 5) -> KpiReport:
    """AHT, FCR, CSAT, NPS and CES from the stored interactions, beside the mean QA score.

    FCR looks for repeat contacts among every interaction of the same customer (not only
    the visible ones), so a repeat handled by another team still counts.
    """
    later = aliased(InteractionRow)
    # The customer's next contact after this one (any team's), from the (customer, time) index.
    next_contact = (select(func.min(later.occurred_at))
                    .where(later.customer_key == InteractionRow.customer_key,
                           later.occurred_at > InteractionRow.occurred_at)
                    .scalar_subquery()
                    .label("next_contact"))
    with unit_of_work(sessions, user_id) as (s, actor):
        q = (
            select(InteractionRow.customer_key, InteractionRow.occurred_at, InteractionRow.duration_seconds,
                   AutoScorecard.score, next_contact, InteractionRow.metadata_json)
            .outerjoin(AutoScorecard, (AutoScorecard.interaction_id == InteractionRow.id)
                       & AutoScorecard.is_current.is_(True))
            .where(rep_scope(actor, InteractionRow.representative_id))
        )
        if representative_id is not None:
            require_rep(s, actor, representative_id)
            q = q.where(InteractionRow.representative_id == representative_id)
        if team_id is not None:
            if not actor.is_admin and team_id not in actor.team_ids:
                raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not see team {team_id}")
            q = q.where(InteractionRow.representative_id.in_(
                select(Representative.id).where(Representative.team_id == team_id)))
        if since is not None:
            q = q.where(InteractionRow.occurred_at >= as_utc(since))
        if until is not None:
            q = q.where(InteractionRow.occurred_at < as_utc(until))
        rows = s.execute(q).all()
    fcr = kpis.first_contact_resolution_from_next(
        ((as_utc(r.occurred_at), as_utc(r.next_contact)) for r in rows if r.customer_key),
        fcr_window_days,
    )
    scores = [r.score for r in rows if r.score is not None]
    metas = [r.metadata_json or {} for r in rows]
    return KpiReport(
        contacts=len(rows),
        average_handle_time=kpis.average_handle_time(r.duration_seconds for r in rows),
        first_contact_resolution=fcr,
        csat=kpis.csat((m.get("csat") for m in metas), csat_scale),
        nps=kpis.net_promoter(m.get("nps") for m in metas),
        ces=kpis.customer_effort(m.get("ces") for m in metas),
        mean_qa_score=sum(scores) / len(scores) if scores else None,
    )


def review_sample(sessions: Sessions, user_id: int, *, per_rep: int, since: datetime, until: datetime,
                  seed: int = 0, team_id: int | None = None, include_reviewed: bool = False) -> dict[int, list[int]]:
    """A random sample of each visible representative's interactions in [since, until).

    The same seed gives the same sample; interactions already reviewed are left out
    unless ``include_reviewed``.
    """
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="draw review samples")
        if team_id is not None and not actor.is_admin and team_id not in actor.team_ids:
            raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not sample team {team_id}")
        q = (select(InteractionRow.representative_id, InteractionRow.id)
             .where(rep_scope(actor, InteractionRow.representative_id),
                    InteractionRow.occurred_at >= as_utc(since), InteractionRow.occurred_at < as_utc(until)))
        if not include_reviewed:
            q = q.where(~select(Review.id).where(Review.interaction_id == InteractionRow.id).exists())
        if team_id is not None:
            q = q.where(InteractionRow.representative_id.in_(
                select(Representative.id).where(Representative.team_id == team_id)))
        by_rep: dict[int, list[int]] = {}
        for rep, iid in s.execute(q.order_by(InteractionRow.id)):
            by_rep.setdefault(rep, []).append(iid)
    out = {}
    for rep, ids in sorted(by_rep.items()):
        rng = random.Random(f"{seed}:{rep}")
        out[rep] = sorted(rng.sample(ids, min(per_rep, len(ids))))
    return out


def low_confidence_queue(sessions: Sessions, user_id: int, *, threshold: float = REVIEW_CONFIDENCE,
                         limit: int = 50) -> list[tuple[int, float]]:
    """Unreviewed interactions whose automatic score the detectors were least sure of:
    (interaction id, lowest criterion confidence), least sure first."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="see the review queue")
        q = (select(AutoScorecard.interaction_id, AutoScorecard.min_confidence)
             .where(AutoScorecard.is_current.is_(True), AutoScorecard.min_confidence < threshold,
                    rep_scope(actor, AutoScorecard.representative_id),
                    ~select(Review.id).where(Review.interaction_id == AutoScorecard.interaction_id).exists())
             .order_by(AutoScorecard.min_confidence, AutoScorecard.interaction_id).limit(limit))
        return [(i, float(c)) for i, c in s.execute(q)]
