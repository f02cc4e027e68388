"""Automatic scoring kept as history: a rescore adds a scorecard, never replaces one."""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import select

from qa_coach.domain.people import UserRole
from qa_coach.domain.signals import TextSignals
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import InteractionRow

from .access import Sessions, audit, rep_scope, require_role, unit_of_work
from .errors import NotFoundError, PermissionDeniedError
from .rubrics import usable_rubric_version
from .threshold_calibration import rubrics_for_representatives, score_each

def rescore(
    sessions: Sessions, user_id: int, interaction_ids: Sequence[int], rubric_version_id: int,
    *, signals: TextSignals | None = None,
) -> list[int]:
    """Score the interactions again with a rubric version; returns the new scorecard ids.

    Every earlier scorecard is kept (no longer current), so trends can say which rubric
    version made each figure.
    """
    with unit_of_work(sessions, user_id) as (s, actor):
        rows, version = _load(s, actor, interaction_ids, rubric_version_id)
        # each team's applied threshold calibration, if any
        rubrics = rubrics_for_representatives(s, version, repo.rubric_of(version), [r.representative_id for r in rows])
        interactions = [repo.interaction_of(r) for r in rows]
    # Scoring runs outside any transaction, so a slow model never holds a database lock.
    cards = score_each(rubrics, interactions, signals)
    with unit_of_work(sessions, user_id) as (s, actor):
        rows, version = _load(s, actor, interaction_ids, rubric_version_id)
        new_ids = []
        for row, card in zip(rows, cards):
            sc = repo.add_scorecard(s, card, interaction=row, rubric_version_id=version.id)
            s.flush()
            new_ids.append(sc.id)
        audit(s, actor, "rescore", "interaction", None, interactions=list(interaction_ids), rubric_version=version.id)
        return new_ids


def _load(s, actor, interaction_ids: Sequence[int], rubric_version_id: int):
    require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="rescore interactions")
    version = usable_rubric_version(s, rubric_version_id)
    rows = list(s.scalars(select(InteractionRow).where(InteractionRow.id.in_(interaction_ids)).order_by(InteractionRow.id)))
    missing = set(interaction_ids) - {r.id for r in rows}
    if missing:
        raise NotFoundError(f"interaction(s) {', '.join(map(str, sorted(missing)))} not found")
    allowed = set(s.scalars(select(InteractionRow.id).where(
        InteractionRow.id.in_(interaction_ids), rep_scope(actor, InteractionRow.representative_id)
    )))
    if allowed != set(interaction_ids):
        raise PermissionDeniedError(f"{actor.name} may not rescore interaction(s) outside their teams")
    return rows, version
