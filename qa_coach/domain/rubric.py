"""Rubrics: sections → criteria → answer options, with the rules that pick an answer.

A criterion names its *signals* (detectors, see :mod:`qa_coach.domain.detectors`) and
an ordered list of *rules*: the first rule whose condition holds gives the answer, and
``otherwise`` applies when none does. ``na_when`` makes the criterion N/A, which takes
its weight out of the denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from qa_coach.domain.conditions import Condition, evaluate
from qa_coach.domain.detectors.base import DetectorSpec


@dataclass(frozen=True)
class AnswerOption:
    key: str  # "yes", "partial", "no", "1".."5"
    label: str
    fraction: float  # share of the criterion's points this answer earns, 0..1


@dataclass(frozen=True)
class Rule:
    answer: str
    when: Condition


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    section: str
    description: str
    weight: float  # points at stake; the rubric's non-bonus weights add up to 100
    options: tuple[AnswerOption, ...]
    signals: Mapping[str, DetectorSpec]
    rules: tuple[Rule, ...]
    otherwise: str
    na_when: Condition | None = None
    na_reason: str = ""
    critical: bool = False
    fail_answers: tuple[str, ...] = ()  # answers that fail a critical criterion
    bonus: bool = False  # bonus points add to the score but not to the denominator
    coaching_tip: str = ""
    # (route, confidence): how often each way to an answer agreed with reviewers, fitted on
    # reviewed conversations; a route missing here keeps the detectors' own confidence.
    route_confidence: tuple[tuple[str, float], ...] = ()

    def option(self, key: str) -> AnswerOption:
        for opt in self.options:
            if opt.key == key:
                return opt
        raise KeyError(key)

    def is_na(self, hit: Callable[[str], bool]) -> bool:
        """Whether ``na_when`` holds, given whether each signal hit."""
        return self.na_when is not None and evaluate(self.na_when, hit)

    def rule_for(self, hit: Callable[[str], bool]) -> Rule | None:
        """The first rule whose condition holds (None: ``otherwise`` applies)."""
        return next((rule for rule in self.rules if evaluate(rule.when, hit)), None)

    def route_for(self, hit: Callable[[str], bool]) -> str:
        """Which way the answer is reached: "na", "rule N" (1-based) or "otherwise"."""
        if self.is_na(hit):
            return NA_ROUTE
        for number, rule in enumerate(self.rules, 1):
            if evaluate(rule.when, hit):
                return f"rule {number}"
        return OTHERWISE_ROUTE

    def calibrated_confidence(self, route: str) -> float | None:
        return dict(self.route_confidence).get(route)

    def answer_for(self, hit: Callable[[str], bool]) -> str | None:
        """The answer key the rules give, None when the criterion is N/A."""
        if self.is_na(hit):
            return None
        rule = self.rule_for(hit)
        return rule.answer if rule is not None else self.otherwise


NA_ROUTE = "na"
OTHERWISE_ROUTE = "otherwise"


def route_names(rule_count: int, has_na: bool) -> tuple[str, ...]:
    """The routes of a criterion with ``rule_count`` rules (and ``na_when`` or not)."""
    return ((NA_ROUTE,) if has_na else ()) + tuple(f"rule {n}" for n in range(1, rule_count + 1)) + (OTHERWISE_ROUTE,)


@dataclass(frozen=True)
class Section:
    id: str
    name: str
    criteria: tuple[Criterion, ...]
    critical_scope: str = "interaction"  # a failed critical zeroes "interaction" or "section"


@dataclass(frozen=True)
class RubricExample:
    """An example conversation carried in the rubric file, with the answers it expects."""

    id: str
    transcript: str
    expected: Mapping[str, str]  # criterion id → answer key or "na"
    line: int | None = None


@dataclass(frozen=True)
class Rubric:
    id: str
    name: str
    version: str
    sections: tuple[Section, ...]
    description: str = ""
    examples: tuple[RubricExample, ...] = ()
    sha256: str = ""  # of the source text: identifies exactly which rubric scored
    source_text: str = field(default="", repr=False)
    path: str | None = None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.sections for c in s.criteria)

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


ANSWER_PRESETS: dict[str, tuple[AnswerOption, ...]] = {
    "yes_no": (AnswerOption("yes", "Yes", 1.0), AnswerOption("no", "No", 0.0)),
    "yes_partial_no": (
        AnswerOption("yes", "Yes", 1.0),
        AnswerOption("partial", "Partial", 0.5),
        AnswerOption("no", "No", 0.0),
    ),
    "scale_1_5": tuple(AnswerOption(str(k), str(k), (k - 1) / 4) for k in range(1, 6)),
    "scale_0_5": tuple(AnswerOption(str(k), str(k), k / 5) for k in range(0, 6)),
}
