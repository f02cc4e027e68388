"""What the services return: frozen values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from qa_coach.domain.interaction import Interaction
from qa_coach.domain.scorecard import Scorecard
from qa_coach.domain.statuses import IngestStatus


@dataclass(frozen=True)
class TeamRecord:
    id: int
    name: str


@dataclass(frozen=True)
class RepresentativeRecord:
    id: int
    name: str
    email: str | None
    team_id: int
    hire_date: date | None


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    email: str
    role: str
    representative_id: int | None


@dataclass(frozen=True)
class RubricVersionRecord:
    id: int
    rubric_key: str
    name: str
    version: str
    sha256: str
    deleted: bool


@dataclass(frozen=True)
class InteractionSummary:
    id: int
    external_id: str
    representative_id: int
    channel: str
    occurred_at: datetime
    source_path: str | None
    score: float | None  # current automatic score
    human_score: float | None
    min_confidence: float | None


@dataclass(frozen=True)
class StoredScorecard:
    id: int
    interaction_id: int
    rubric_version_id: int
    created_at: datetime
    is_current: bool
    scorecard: Scorecard


@dataclass(frozen=True)
class ReviewAnswerRecord:
    criterion_id: str
    answer: str | None  # None = N/A
    points: float
    max_points: float
    na: bool
    comment: str


@dataclass(frozen=True)
class ReviewRecord:
    id: int
    interaction_id: int
    scorecard_id: int | None
    rubric_version_id: int
    reviewer_id: int
    score: float | None
    comment: str
    version: int  # pass back as expected_version when saving again
    updated_at: datetime
    answers: tuple[ReviewAnswerRecord, ...]


@dataclass(frozen=True)
class InteractionDetail:
    id: int
    representative_id: int
    interaction: Interaction
    audio_path: str | None
    scorecards: tuple[StoredScorecard, ...]  # newest first; the first is current
    review: ReviewRecord | None


@dataclass(frozen=True)
class DisputeRecord:
    id: int
    interaction_id: int
    criterion_id: str
    raised_by: int
    reason: str
    status: str  # open, accepted, rejected
    decided_by: int | None
    decision_reason: str | None
    new_answer: str | None
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class CalibrationScoreRecord:
    reviewer_id: int
    answers: dict[str, str | None]
    score: float | None
    reviewer_name: str = ""


@dataclass(frozen=True)
class CalibrationRecord:
    id: int
    interaction_id: int
    rubric_version_id: int
    title: str
    closed: bool
    scores: tuple[CalibrationScoreRecord, ...]  # others' scores hidden until closed or submitted


@dataclass(frozen=True)
class ActionItemRecord:
    id: int
    text: str
    due_on: date | None
    done: bool


@dataclass(frozen=True)
class CoachingRecord:
    id: int
    representative_id: int
    coach_id: int
    held_at: datetime
    focus_criteria: tuple[str, ...]
    notes: str
    follow_up_on: date | None
    acknowledged: bool
    interaction_ids: tuple[int, ...]
    action_items: tuple[ActionItemRecord, ...]


@dataclass(frozen=True)
class IngestOutcome:
    path: str
    status: IngestStatus
    interaction_ids: tuple[int, ...] = ()
    duplicates: int = 0  # conversations already stored from another file
    error: str | None = None
