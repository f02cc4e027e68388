"""Practice mode: a role-play chat or call scored with a stored rubric, and not stored."""

from __future__ import annotations

from pathlib import Path

from qa_coach.domain.scorecard import Scorecard
from qa_coach.domain.signals import TextSignals
from qa_coach.storage import repositories as repo

from .access import Sessions, unit_of_work
from .ingest import read_interactions
from .rubrics import usable_rubric_version
from .scorers import scorer_for


def score_practice_file(sessions: Sessions, user_id: int, path: Path, rubric_version_id: int, *,
                        signals: TextSignals | None = None) -> list[Scorecard]:
    """One scorecard per conversation in the file (a recording is transcribed first).
    Nothing is written: a practice run reads no one's data, so any active user may."""
    with unit_of_work(sessions, user_id) as (s, _actor):
        rubric = repo.rubric_of(usable_rubric_version(s, rubric_version_id))
    scorer = scorer_for(rubric, signals)
    return scorer.score_many(read_interactions(path, None, None, signals=scorer.signals))
