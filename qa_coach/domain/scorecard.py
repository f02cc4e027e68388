"""The result of scoring one interaction: per-criterion answers with their evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from qa_coach.domain.interaction import Role

SCORECARD_SCHEMA_VERSION = 1

REVIEW_CONFIDENCE = 0.5
"""The review threshold: a scorecard whose least confident answer (``Scorecard.min_confidence``)
is below it goes to a reviewer's queue and counts as low confidence in the team figures."""


class BuiltInAnswer(StrEnum):
    """Answer keys that mean the same in every rubric (a criterion's own keys are the rubric's)."""

    NA = "na"  # not applicable, where an answer key is written (examples, forms, exports, agreement)


@dataclass(frozen=True)
class Evidence:
    """One turn (or part of it) that supports a criterion's answer."""

    turn_index: int
    role: Role
    quote: str  # the words, verbatim from the turn
    time: str  # "mm:ss" from the start, a wall-clock time, or "" when the source has none
    start: float | None  # seconds from the start, for audio players
    signal: str  # what this turn showed, e.g. "similar (0.82) to exemplar 'sorry for the wait'"


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    name: str
    section: str
    answer: str | None  # the chosen answer option's key, None when N/A (written as BuiltInAnswer.NA)
    answer_label: str  # "Yes", "Partial", "N/A" ...
    points: float  # points earned (0 when N/A)
    max_points: float
    weight: float
    na: bool
    na_reason: str | None
    critical: bool
    failed_critical: bool
    confidence: float  # 0..1: how sure the detector is of its answer
    rationale: str  # which signal decided, in plain words
    evidence: tuple[Evidence, ...]
    # Which way the answer was reached ("na", "rule N", "otherwise"), for calibrating the
    # confidence; not stored (the stored confidence already reflects it), so not compared.
    route: str = field(default="", compare=False)

    @property
    def fraction(self) -> float | None:
        return None if self.na or self.max_points == 0 else self.points / self.max_points


@dataclass(frozen=True)
class SectionScore:
    name: str
    score: float | None  # percentage; None when every criterion in it is N/A
    auto_failed: bool


@dataclass(frozen=True)
class Scorecard:
    interaction_id: str
    rubric_id: str
    rubric_version: str
    rubric_sha256: str  # of the rubric file's exact text: which rubric made this score
    results: tuple[CriterionResult, ...]
    sections: tuple[SectionScore, ...]
    score: float | None  # weighted percentage 0..100 (None when everything is N/A)
    auto_failed: bool  # a failed critical criterion set the score to 0
    schema_version: int = SCORECARD_SCHEMA_VERSION

    def result(self, criterion_id: str) -> CriterionResult:
        for r in self.results:
            if r.criterion_id == criterion_id:
                return r
        raise KeyError(criterion_id)

    @property
    def min_confidence(self) -> float:
        return min((r.confidence for r in self.results), default=1.0)
