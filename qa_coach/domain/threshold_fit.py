"""Threshold calibration: refit a criterion's decision thresholds to its reviewers' answers.

A detector that reports the number it compared with its threshold (``Detection.value``)
can say what any other threshold would have found, without running the models again.
For each criterion with enough reviewed interactions this module searches, signal by
signal (coordinate ascent over a grid of candidate thresholds), for the thresholds whose
answers agree best with the reviewers (Cohen's kappa). The gain is measured honestly: on
answers that the fit did not see (5-fold cross-validation by interaction, or one seeded
70/30 split when there are few), against the shipped thresholds on the same answers.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

from qa_coach.domain.agreement import cohen_kappa
from qa_coach.domain.detectors.base import Detection, DetectorSpec
from qa_coach.domain.rubric import Criterion, Rubric

NA = "na"  # the answer key used for "not applicable" when comparing answers
LOWER_BOUNDS = ("threshold", "at_least", "min_rise")  # hit when the value reaches them
UPPER_BOUNDS = ("at_most",)  # hit when the value stays at or under them
MIN_ANSWERS = 10  # fewer reviewed interactions than this: the criterion is left as it is
FOLDS = 5
MIN_FOR_FOLDS = 25  # fewer answers than this: one seeded 70/30 split instead of 5 folds
HELD_OUT_SHARE = 0.3
MAX_CANDIDATES = 40  # per threshold
ROUNDS = 3  # of coordinate ascent


@dataclass(frozen=True)
class Reading:
    """What one signal found in one interaction, as far as a threshold calibration needs."""

    hit: bool
    known: bool
    value: float | None  # see Detection.value

    @classmethod
    def of(cls, detection: Detection) -> Reading:
        return cls(detection.hit, detection.known, detection.value)


@dataclass(frozen=True)
class ReviewedCase:
    """One reviewed interaction for one criterion: its signals and the reviewer's answer."""

    interaction_id: int
    readings: Mapping[str, Reading]  # signal name → reading
    answer: str  # the reviewer's answer key, or NA


@dataclass(frozen=True)
class ThresholdChange:
    signal: str
    field: str  # threshold | at_least | at_most | min_rise
    before: float
    after: float


@dataclass(frozen=True)
class CriterionFit:
    """The refit of one criterion. ``changes`` is empty when it is left as it is (``note`` says why)."""

    criterion_id: str
    answers: int  # reviewed interactions used
    disagreements: int  # of them, where the shipped thresholds gave another answer
    held_out: int  # answers the kappas below were measured on
    kappa_before: float | None  # shipped thresholds, on held-out answers
    kappa_after: float | None  # refit thresholds, on the same held-out answers
    changes: tuple[ThresholdChange, ...]
    note: str = ""


Thresholds = dict[tuple[str, str], float]  # (signal, field) → value


def tunable_thresholds(criterion: Criterion) -> Thresholds:
    """The numeric bounds of the criterion's signals that a calibration may move."""
    out: Thresholds = {}
    for name, spec in criterion.signals.items():
        for field in LOWER_BOUNDS + UPPER_BOUNDS:
            value = getattr(spec, field, None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[(name, field)] = float(value)
    return out


def _hit(reading: Reading, bounds: Mapping[str, float]) -> bool:
    """Whether the signal hits with these bounds; a reading without a value keeps its hit."""
    if not reading.known:
        return False
    if reading.value is None or not bounds:
        return reading.hit
    v = reading.value
    return all(v >= t for f, t in bounds.items() if f in LOWER_BOUNDS) and all(
        v <= t for f, t in bounds.items() if f in UPPER_BOUNDS
    )


def answer_with(criterion: Criterion, case: ReviewedCase, thresholds: Thresholds) -> str:
    """The criterion's answer for ``case`` with ``thresholds`` (NA when not applicable)."""
    by_signal: dict[str, dict[str, float]] = {}
    for (signal, field), value in thresholds.items():
        by_signal.setdefault(signal, {})[field] = value

    def hit(name: str) -> bool:
        return _hit(case.readings[name], by_signal.get(name, {}))

    answer = criterion.answer_for(hit)
    return NA if answer is None else answer


def _kappa(criterion: Criterion, cases: Sequence[ReviewedCase], thresholds: Thresholds) -> float:
    k = cohen_kappa([c.answer for c in cases], [answer_with(criterion, c, thresholds) for c in cases])
    return -1.0 if k is None else k


def _candidates(cases: Sequence[ReviewedCase], signal: str, shipped: float) -> list[float]:
    """Midpoints between the distinct values seen (thinned to MAX_CANDIDATES), the shipped
    value, and one beyond each end (always / never hit)."""
    values = sorted({c.readings[signal].value for c in cases if c.readings[signal].value is not None})
    if not values:
        return [shipped]
    mids = [(a + b) / 2 for a, b in zip(values, values[1:])]
    if len(mids) > MAX_CANDIDATES:
        step = len(mids) / MAX_CANDIDATES
        mids = [mids[int(i * step)] for i in range(MAX_CANDIDATES)]
    ends = [values[0] - 1e-3, values[-1] + 1e-3]
    return sorted({round(x, 4) for x in mids + ends} | {shipped})


def fit_thresholds(criterion: Criterion, cases: Sequence[ReviewedCase]) -> Thresholds:
    """Coordinate ascent on kappa over the tunable thresholds; ties keep the value closest
    to the shipped one, so a threshold moves only when that agrees better."""
    shipped = tunable_thresholds(criterion)
    current = dict(shipped)
    best = _kappa(criterion, cases, current)
    for _ in range(ROUNDS):
        moved = False
        for key in shipped:
            options = _candidates(cases, key[0], shipped[key])
            scored = [(_kappa(criterion, cases, {**current, key: x}), -abs(x - shipped[key]), x) for x in options]
            kappa, _, value = max(scored)
            closer = abs(value - shipped[key]) < abs(current[key] - shipped[key])
            if kappa > best + 1e-12 or (kappa >= best - 1e-12 and closer):
                moved = moved or value != current[key]
                current[key], best = value, max(best, kappa)
        if not moved:
            break
    return current


def _splits(cases: Sequence[ReviewedCase], seed: int) -> list[tuple[list[int], list[int]]]:
    """(fit, held-out) index lists: 5 folds by interaction, or one 70/30 split when few."""
    order = sorted(range(len(cases)), key=lambda i: cases[i].interaction_id)
    random.Random(seed).shuffle(order)
    if len(cases) < MIN_FOR_FOLDS:
        cut = max(1, round(len(order) * HELD_OUT_SHARE))
        return [(order[cut:], order[:cut])]
    folds = [order[k::FOLDS] for k in range(FOLDS)]
    return [([i for j, f in enumerate(folds) if j != k for i in f], folds[k]) for k in range(FOLDS)]


def fit_criterion(criterion: Criterion, cases: Sequence[ReviewedCase], *, seed: int = 0,
                  min_answers: int = MIN_ANSWERS) -> CriterionFit:
    """Refit one criterion's thresholds to its reviewed cases and measure the gain on held-out cases."""
    shipped = tunable_thresholds(criterion)
    disagreements = sum(answer_with(criterion, c, shipped) != c.answer for c in cases)

    def unchanged(note: str, held_out: int = 0, before: float | None = None,
                  after: float | None = None) -> CriterionFit:
        return CriterionFit(criterion.id, len(cases), disagreements, held_out, before, after, (), note)

    if not shipped:
        return unchanged("no signal with a numeric threshold")
    if not any(c.readings[s].value is not None for c in cases for s, _ in shipped):
        return unchanged("its signals report no value to refit")
    if len(cases) < min_answers:
        return unchanged(f"{len(cases)} reviewed interaction(s), fewer than the {min_answers} needed")
    truth: list[str] = []
    before: list[str] = []
    after: list[str] = []
    for fit_idx, held_idx in _splits(cases, seed):
        fitted = fit_thresholds(criterion, [cases[i] for i in fit_idx])
        for i in held_idx:
            truth.append(cases[i].answer)
            before.append(answer_with(criterion, cases[i], shipped))
            after.append(answer_with(criterion, cases[i], fitted))
    k_before, k_after = cohen_kappa(truth, before), cohen_kappa(truth, after)
    if k_after is None or (k_before is not None and k_after <= k_before):
        return unchanged("refit thresholds did not agree better on held-out answers", len(truth), k_before, k_after)
    final = fit_thresholds(criterion, cases)
    changes = tuple(
        ThresholdChange(signal, field, shipped[(signal, field)], final[(signal, field)])
        for (signal, field) in shipped
        if final[(signal, field)] != shipped[(signal, field)]
    )
    note = "" if changes else "the thresholds fitted on all answers are the shipped ones"
    return CriterionFit(criterion.id, len(cases), disagreements, len(truth), k_before, k_after, changes, note)


def fit_rubric(rubric: Rubric, cases: Mapping[str, Sequence[ReviewedCase]], *, seed: int = 0,
               min_answers: int = MIN_ANSWERS) -> tuple[CriterionFit, ...]:
    """A fit for every criterion of the rubric (``cases``: criterion id → its reviewed cases)."""
    return tuple(fit_criterion(c, cases.get(c.id, ()), seed=seed, min_answers=min_answers) for c in rubric.criteria)


def readings_of(criterion: Criterion, detect: Callable[[DetectorSpec], Detection]) -> dict[str, Reading]:
    """Every signal of the criterion, read with ``detect`` (e.g. ``lambda spec: spec.detect(ctx)``)."""
    return {name: Reading.of(detect(spec)) for name, spec in criterion.signals.items()}


def calibrated_rubric(rubric: Rubric, changes: Mapping[str, Sequence[ThresholdChange]]) -> Rubric:
    """``rubric`` with the changed thresholds (``changes``: criterion id → its changes).

    Its ``sha256`` names the rubric text and the changes together, so a scorer made for it
    is never mistaken for one made for the shipped thresholds.
    """
    if not any(changes.values()):
        return rubric
    sections = []
    for section in rubric.sections:
        criteria = []
        for criterion in section.criteria:
            signals = dict(criterion.signals)
            for ch in changes.get(criterion.id, ()):
                if ch.signal not in signals or not hasattr(signals[ch.signal], ch.field):
                    raise ValueError(f"criterion {criterion.id!r} has no signal {ch.signal!r} with a {ch.field!r}")
                signals[ch.signal] = replace(signals[ch.signal], **{ch.field: ch.after})
            criteria.append(replace(criterion, signals=signals))
        sections.append(replace(section, criteria=tuple(criteria)))
    text = json.dumps(changes_as_json(changes), sort_keys=True)
    sha = hashlib.sha256(f"{rubric.sha256}\n{text}".encode()).hexdigest()
    return replace(rubric, sections=tuple(sections), sha256=sha)


def changes_as_json(changes: Mapping[str, Sequence[ThresholdChange]]) -> dict[str, list[dict]]:
    return {
        cid: [{"signal": c.signal, "field": c.field, "before": c.before, "after": c.after} for c in chs]
        for cid, chs in changes.items()
        if chs
    }


def changes_from_json(data: Mapping[str, Sequence[Mapping]]) -> dict[str, tuple[ThresholdChange, ...]]:
    return {
        cid: tuple(ThresholdChange(d["signal"], d["field"], float(d["before"]), float(d["after"])) for d in items)
        for cid, items in data.items()
    }
