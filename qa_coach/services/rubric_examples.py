"""Running the example conversations a rubric file carries against its expectations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa_coach.domain.errors import InputError
from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.domain.signals import TextSignals
from qa_coach.rubric.loader import load_rubric

from .scorers import scorer_for


@dataclass(frozen=True)
class Mismatch:
    criterion_id: str
    expected: str
    actual: str
    rationale: str


@dataclass(frozen=True)
class ExampleOutcome:
    example_id: str
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class ExampleReport:
    rubric: Rubric
    outcomes: tuple[ExampleOutcome, ...]

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed


def run_examples(rubric: Rubric | str | Path, signals: TextSignals | None = None) -> ExampleReport:
    """Score the example conversations a rubric carries and compare them with their expected
    answers (``signals``: the text models, default the packaged ones)."""
    from qa_coach.ingest import import_text

    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    scorer = scorer_for(rubric, signals)
    outcomes = []
    for ex in rubric.examples:
        where = f"examples '{ex.id}'" + (f" (line {ex.line})" if ex.line else "")
        try:
            (interaction,) = import_text(ex.transcript, name=f"{rubric.path}: {where}", format="text")
        except ValueError:
            raise InputError(rubric.path, where, "the transcript must hold exactly one conversation") from None
        card = scorer.score(interaction)
        mismatches = []
        for cid, expected in ex.expected.items():
            result = card.result(cid)
            actual = result.answer or BuiltInAnswer.NA
            if actual != expected:
                mismatches.append(Mismatch(cid, expected, actual, result.na_reason or result.rationale))
        outcomes.append(ExampleOutcome(ex.id, tuple(mismatches)))
    return ExampleReport(rubric, tuple(outcomes))
