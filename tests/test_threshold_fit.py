"""The threshold refit on its own: readings in, thresholds and held-out kappas out."""

from __future__ import annotations

import random

from qa_coach.domain.threshold_fit import (
    Reading,
    ReviewedCase,
    ThresholdChange,
    answer_with,
    calibrated_rubric,
    changes_as_json,
    changes_from_json,
    fit_criterion,
    tunable_thresholds,
)
from qa_coach.rubric.loader import parse_rubric
from tests.db_fixtures import RUBRIC_V1

RUBRIC = parse_rubric(RUBRIC_V1, source="test rubric")
EMPATHY = RUBRIC.criterion("empathy")  # sorry: phrases, threshold 0.5; yes when it hits


def _case(i: int, value: float | None, answer: str, known: bool = True) -> ReviewedCase:
    hit = known and value is not None and value >= 0.5
    return ReviewedCase(i, {"sorry": Reading(hit, known, value)}, answer)


def _systematic(n: int, seed: int = 1) -> list[ReviewedCase]:
    """Reviewers say yes from a similarity of 0.3: the shipped 0.5 is too strict."""
    rng = random.Random(seed)
    values = [rng.uniform(0.0, 0.8) for _ in range(n)]
    return [_case(i, v, "yes" if v >= 0.3 else "no") for i, v in enumerate(values)]


def test_tunable_thresholds_are_the_numeric_bounds_of_the_signals():
    assert tunable_thresholds(EMPATHY) == {("sorry", "threshold"): 0.5}
    assert tunable_thresholds(RUBRIC.criterion("greeting")) == {}  # a pattern has none


def test_a_reading_without_a_value_keeps_its_hit():
    case = ReviewedCase(1, {"sorry": Reading(True, True, None)}, "yes")
    assert answer_with(EMPATHY, case, {("sorry", "threshold"): 0.99}) == "yes"
    unknown = ReviewedCase(2, {"sorry": Reading(True, False, 0.9)}, "no")
    assert answer_with(EMPATHY, unknown, {("sorry", "threshold"): 0.1}) == "no"


def test_a_systematic_disagreement_moves_the_threshold_and_held_out_kappa_rises():
    cases = _systematic(60)
    fit = fit_criterion(EMPATHY, cases)
    assert fit.answers == 60 and fit.held_out == 60  # 5 folds: every answer held out once
    assert fit.disagreements == sum(0.3 <= c.readings["sorry"].value < 0.5 for c in cases)
    assert fit.kappa_after > fit.kappa_before
    (change,) = fit.changes
    assert change.field == "threshold" and abs(change.after - 0.3) < 0.05


def test_few_answers_use_one_held_out_split():
    fit = fit_criterion(EMPATHY, _systematic(20))
    assert fit.held_out == 6  # 30% of 20


def test_too_few_answers_leave_the_criterion_as_it_is():
    fit = fit_criterion(EMPATHY, _systematic(9))
    assert fit.changes == () and "fewer than the 10" in fit.note and fit.kappa_after is None


def test_answers_that_agree_with_the_shipped_threshold_change_nothing():
    rng = random.Random(3)
    cases = [_case(i, v, "yes" if v >= 0.5 else "no") for i, v in enumerate(rng.uniform(0, 1) for _ in range(40))]
    fit = fit_criterion(EMPATHY, cases)
    assert fit.changes == () and fit.disagreements == 0 and fit.note


def test_a_detection_value_decides_its_hit_at_any_threshold():
    """What the refit relies on: with another threshold the detector hits exactly when
    its reported value reaches it."""
    from dataclasses import replace

    from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn
    from qa_coach.domain.scoring import Scorer
    from tests.fakes import BagOfWordsSignals

    texts = ["Sorry about that, checking now.", "So sorry for the trouble.", "Checking now."]
    interactions = [
        Interaction(f"c{i}", (Turn(0, Role.AGENT, t), Turn(1, Role.CUSTOMER, "ok")), SourceRef("chat.txt", "text"))
        for i, t in enumerate(texts)
    ]
    spec = EMPATHY.signals["sorry"]
    for ctx in Scorer(RUBRIC, BagOfWordsSignals()).contexts(interactions):
        value = spec.detect(ctx).value
        assert value is not None
        for threshold in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0):
            assert replace(spec, threshold=threshold).detect(ctx).hit == (value >= threshold)


def test_calibrated_rubric_changes_only_the_threshold_and_the_identity():
    changes = {"empathy": (ThresholdChange("sorry", "threshold", 0.5, 0.3),)}
    adjusted = calibrated_rubric(RUBRIC, changes)
    assert adjusted.criterion("empathy").signals["sorry"].threshold == 0.3
    assert RUBRIC.criterion("empathy").signals["sorry"].threshold == 0.5
    assert adjusted.criterion("greeting") == RUBRIC.criterion("greeting")
    assert adjusted.sha256 != RUBRIC.sha256 and adjusted.version == RUBRIC.version
    assert calibrated_rubric(RUBRIC, {}) is RUBRIC
    assert changes_from_json(changes_as_json(changes)) == changes
