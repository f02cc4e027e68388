"""Threshold calibration: a team's decision thresholds refitted to its reviewers' answers,
kept as numbered versions beside the rubric version, applied and reverted by an admin.

The fit itself is :mod:`qa_coach.domain.threshold_fit`. Applying a calibration makes every
later scoring for the team (ingest, rescore) use its thresholds; reverting returns to the
shipped ones. (Reviewer calibration sessions, where reviewers score the same interaction
blind, are :mod:`qa_coach.services.calibration`: another thing.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from qa_coach.domain.interaction import Interaction
from qa_coach.domain.people import UserRole
from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scorecard import Scorecard
from qa_coach.domain.signals import TextSignals
from qa_coach.domain.threshold_fit import (
    NA,
    CriterionFit,
    ReviewedCase,
    ThresholdChange,
    calibrated_rubric,
    changes_as_json,
    changes_from_json,
    fit_rubric,
    readings_of,
)
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import (
    InteractionRow,
    Representative,
    Review,
    RubricVersion,
    Team,
    ThresholdCalibration,
    utcnow,
)

from .access import Sessions, audit, require_role, unit_of_work
from .errors import NotFoundError, ValidationError
from .rubrics import usable_rubric_version
from .scorers import scorer_for


@dataclass(frozen=True)
class ThresholdCalibrationRecord:
    id: int
    team_id: int
    rubric_version_id: int
    version: int  # 1, 2, ... per team and rubric version
    fits: tuple[CriterionFit, ...]  # one per criterion, in rubric order
    created_by: int
    created_at: datetime
    applied: bool
    applied_at: datetime | None
    reverted_at: datetime | None

    @property
    def changes(self) -> dict[str, tuple[ThresholdChange, ...]]:
        return {f.criterion_id: f.changes for f in self.fits if f.changes}


def _record(row: ThresholdCalibration) -> ThresholdCalibrationRecord:
    changes = changes_from_json(row.changes)
    fits = tuple(
        CriterionFit(f["criterion_id"], f["answers"], f["disagreements"], f["held_out"], f["kappa_before"],
                     f["kappa_after"], changes.get(f["criterion_id"], ()), f["note"])
        for f in row.fits
    )
    return ThresholdCalibrationRecord(row.id, row.team_id, row.rubric_version_id, row.version, fits, row.created_by,
                                      row.created_at, row.applied, row.applied_at, row.reverted_at)


def _fit_json(fit: CriterionFit) -> dict:
    return {"criterion_id": fit.criterion_id, "answers": fit.answers, "disagreements": fit.disagreements,
            "held_out": fit.held_out, "kappa_before": fit.kappa_before, "kappa_after": fit.kappa_after,
            "note": fit.note}


def _team(s: Session, team_id: int) -> Team:
    team = s.get(Team, team_id)
    if team is None:
        raise NotFoundError(f"team {team_id} not found")
    return team


def refit_thresholds(sessions: Sessions, user_id: int, team_id: int, rubric_version_id: int, *,
                     signals: TextSignals | None = None, seed: int = 0) -> ThresholdCalibrationRecord:
    """Refit the rubric version's thresholds to the team's reviewer answers and store the
    result as the next calibration version (not applied). Admins only."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="calibrate decision thresholds")
        _team(s, team_id)
        version = usable_rubric_version(s, rubric_version_id)
        rubric = repo.rubric_of(version)
        team_reps = select(Representative.id).where(Representative.team_id == team_id)
        reviews = list(s.scalars(
            select(Review).join(InteractionRow, Review.interaction_id == InteractionRow.id)
            .where(InteractionRow.representative_id.in_(team_reps), Review.rubric_version_id == version.id)
            .options(selectinload(Review.answers)).order_by(Review.interaction_id)
        ))
        rows = {r.id: r for r in s.scalars(
            select(InteractionRow).where(InteractionRow.id.in_([rv.interaction_id for rv in reviews])))}
        interactions = [repo.interaction_of(rows[rv.interaction_id]) for rv in reviews]
        answers = [(rv.interaction_id, {a.criterion_id: a.answer for a in rv.answers}) for rv in reviews]
    # The models run outside any transaction, so a slow model never holds a database lock.
    contexts = scorer_for(rubric, signals).contexts(interactions) if interactions else []
    cases: dict[str, list[ReviewedCase]] = {c.id: [] for c in rubric.criteria}
    for (interaction_id, given), ctx in zip(answers, contexts):
        for criterion in rubric.criteria:
            if criterion.id in given:
                readings = readings_of(criterion, lambda spec: spec.detect(ctx))
                answer = given[criterion.id]
                cases[criterion.id].append(ReviewedCase(interaction_id, readings, NA if answer is None else answer))
    fits = fit_rubric(rubric, cases, seed=seed)
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="calibrate decision thresholds")
        last = s.scalar(select(func.max(ThresholdCalibration.version)).where(
            ThresholdCalibration.team_id == team_id, ThresholdCalibration.rubric_version_id == rubric_version_id))
        row = ThresholdCalibration(
            team_id=team_id, rubric_version_id=rubric_version_id, version=(last or 0) + 1,
            changes=changes_as_json({f.criterion_id: f.changes for f in fits}),
            fits=[_fit_json(f) for f in fits], created_by=actor.user_id, applied=False,
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "threshold_calibration", row.id, team=team_id, rubric_version=rubric_version_id,
              version=row.version, changes=row.changes)
        return _record(row)


def apply_threshold_calibration(sessions: Sessions, user_id: int, calibration_id: int) -> ThresholdCalibrationRecord:
    """Make the calibration the one its team's scoring uses (any other one of the same team
    and rubric version stops applying). Admins only."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="apply threshold calibrations")
        row = s.get(ThresholdCalibration, calibration_id)
        if row is None:
            raise NotFoundError(f"threshold calibration {calibration_id} not found")
        usable_rubric_version(s, row.rubric_version_id)
        previous = _applied(s, row.team_id, row.rubric_version_id)
        if previous is not None and previous.id != row.id:
            previous.applied = False
        row.applied, row.applied_at, row.reverted_at = True, utcnow(), None
        s.flush()
        audit(s, actor, "apply", "threshold_calibration", row.id, team=row.team_id,
              rubric_version=row.rubric_version_id, version=row.version,
              replaced=previous.version if previous is not None and previous.id != row.id else None)
        return _record(row)


def revert_threshold_calibration(sessions: Sessions, user_id: int, team_id: int,
                                 rubric_version_id: int) -> ThresholdCalibrationRecord:
    """Stop applying the team's calibration of the rubric version: scoring goes back to
    the shipped thresholds. Returns the calibration reverted. Admins only."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="revert threshold calibrations")
        team = _team(s, team_id)
        row = _applied(s, team_id, rubric_version_id)
        if row is None:
            raise ValidationError(f"team {team.name!r} has no applied threshold calibration for rubric version "
                                  f"{rubric_version_id}: it already scores with the shipped thresholds")
        row.applied, row.reverted_at = False, utcnow()
        s.flush()
        audit(s, actor, "revert", "threshold_calibration", row.id, team=team_id, rubric_version=rubric_version_id,
              version=row.version)
        return _record(row)


def list_threshold_calibrations(sessions: Sessions, user_id: int, team_id: int,
                                rubric_version_id: int | None = None) -> list[ThresholdCalibrationRecord]:
    """The team's calibrations, newest first. Admins only."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="see threshold calibrations")
        q = select(ThresholdCalibration).where(ThresholdCalibration.team_id == team_id)
        if rubric_version_id is not None:
            q = q.where(ThresholdCalibration.rubric_version_id == rubric_version_id)
        return [_record(r) for r in s.scalars(q.order_by(ThresholdCalibration.id.desc()))]


def _applied(s: Session, team_id: int, rubric_version_id: int) -> ThresholdCalibration | None:
    return s.scalar(select(ThresholdCalibration).where(
        ThresholdCalibration.team_id == team_id, ThresholdCalibration.rubric_version_id == rubric_version_id,
        ThresholdCalibration.applied.is_(True)))


def rubrics_for_representatives(s: Session, version: RubricVersion, rubric: Rubric,
                                rep_ids: Sequence[int | None]) -> list[Rubric]:
    """The rubric each representative's interactions are scored with: ``rubric`` (the
    version's shipped thresholds) with their team's applied calibration, if any."""
    applied = {row.team_id: row for row in s.scalars(select(ThresholdCalibration).where(
        ThresholdCalibration.rubric_version_id == version.id, ThresholdCalibration.applied.is_(True)))}
    if not applied:
        return [rubric] * len(rep_ids)
    known = [r for r in rep_ids if r is not None]
    teams = dict(s.execute(select(Representative.id, Representative.team_id).where(Representative.id.in_(known))).all())
    by_team: dict[int, Rubric] = {}
    out = []
    for rep_id in rep_ids:
        team_id = teams.get(rep_id) if rep_id is not None else None
        if team_id not in applied:
            out.append(rubric)
            continue
        if team_id not in by_team:
            by_team[team_id] = calibrated_rubric(rubric, changes_from_json(applied[team_id].changes))
        out.append(by_team[team_id])
    return out


def rubrics_for_interactions(sessions: Sessions, rubric_version_id: int, rubric: Rubric,
                             interactions: Sequence[Interaction], fixed_rep: int | None) -> list[Rubric]:
    """Like :func:`rubrics_for_representatives`, for conversations not stored yet: each
    one's representative is ``fixed_rep`` or the agent it names (an unknown one keeps the
    shipped thresholds; storing it reports the error)."""
    with sessions.begin() as s:
        version = s.get(RubricVersion, rubric_version_id)
        if version is None or not s.scalar(select(func.count()).select_from(ThresholdCalibration).where(
                ThresholdCalibration.rubric_version_id == rubric_version_id, ThresholdCalibration.applied.is_(True))):
            return [rubric] * len(interactions)
        reps: list[int | None] = []
        for it in interactions:
            if fixed_rep is not None:
                reps.append(fixed_rep)
                continue
            person = it.representative
            key = (person.email or person.name or person.id) if person else None
            row = repo.find_representative(s, key) if key else None
            reps.append(row.id if row is not None else None)
        return rubrics_for_representatives(s, version, rubric, reps)


def score_each(rubrics: Sequence[Rubric], interactions: Sequence[Interaction],
               signals: TextSignals | None) -> list[Scorecard]:
    """Score each interaction with its own rubric, batching those that share one."""
    groups: dict[str, list[int]] = {}
    for i, rubric in enumerate(rubrics):
        groups.setdefault(rubric.sha256 or str(id(rubric)), []).append(i)
    cards: list[Scorecard | None] = [None] * len(interactions)
    for idx in groups.values():
        for i, card in zip(idx, scorer_for(rubrics[idx[0]], signals).score_many([interactions[i] for i in idx])):
            cards[i] = card
    return cards  # type: ignore[return-value]
