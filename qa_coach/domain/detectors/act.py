"""A detector on what a turn does: the trained turn tags (:mod:`qa_coach.domain.turn_tags`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qa_coach.domain.detectors.base import (
    Detection,
    ReadsOnlyItsTurns,
    Scope,
    ScoringContext,
    Unit,
    evidence_for,
    margin_confidence,
)
from qa_coach.domain.scorecard import Evidence
from qa_coach.domain.turn_tags import TAG_NAMES, tag_named

_LOGIT_SCALE = 1.0  # distance from the threshold, in log-odds, that reads as clear
_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1.0 - _EPS)
    return np.log(p / (1.0 - p))


@dataclass(frozen=True, kw_only=True)
class ActSpec(ReadsOnlyItsTurns):
    """Hit when at least ``min_count`` sentences in scope carry one of the ``tags``: the
    tag's probability, for the sentence or one of its clauses, reaches ``threshold``, or,
    when it is None, the threshold trained for that tag.

    Every tag belongs to the scope's speaker (a customer turn never apologises).
    Confidence is the deciding sentence's distance from the threshold, in log-odds.
    """

    tags: tuple[str, ...]
    scope: Scope
    threshold: float | None
    min_count: int
    columns: tuple[int, ...] = field(init=False, repr=False, compare=False)  # in TAG_NAMES order

    def __post_init__(self) -> None:
        if not self.tags:
            raise ValueError("an act detector needs at least one tag")
        for name in self.tags:
            speaker = tag_named(name).speaker  # a ValueError naming the known tags
            if speaker is not self.scope.speaker:
                raise ValueError(f"{name!r} is a tag of {speaker.value} turns, but the scope reads {self.scope.describe()}")
        object.__setattr__(self, "columns", tuple(TAG_NAMES.index(name) for name in self.tags))

    def turn_tags(self) -> tuple[str, ...]:
        return self.tags

    def detect(self, ctx: ScoringContext) -> Detection:
        if ctx.unit_tags is None or ctx.tag_thresholds is None:
            raise ValueError("the act detector reads turn tags, but none were computed")
        idx = ctx.select(self.scope)
        names = " or ".join(self.tags)
        if not idx:
            return Detection(False, 1.0, f"no {self.scope.describe()} to look at")
        cols = list(self.columns)
        probs = ctx.unit_tags[np.ix_(idx, cols)].astype(float)  # (units in scope, tags)
        if self.threshold is None:
            thresholds = ctx.tag_thresholds[cols].astype(float)
        else:
            thresholds = np.full(len(cols), self.threshold)
        # per unit: the tag that clears its threshold by most (in log-odds), and by how much
        margins = _logit(probs) - _logit(thresholds)
        best = margins.argmax(1)
        rows = np.arange(len(idx))
        margin = margins[rows, best]
        on = probs[rows, best] >= thresholds[best]
        units = [ctx.units[i] for i in idx]
        # a sentence counts once, tagged when it or one of its clauses is; strongest first
        sentences = sorted(_sentences(units), key=lambda g: -max(margin[j] for j in g))
        tagged = [g for g in sentences if on[g].any()]

        def quote(group: list[int], how: str) -> Evidence:
            j = group[0] if on[group[0]] else max(group, key=lambda j: margin[j])  # the sentence, if it is tagged
            k = best[j]
            return evidence_for(units[j], f"{self.tags[k]} {probs[j, k]:.2f} ({how} {thresholds[k]:.2f})")

        value = None  # with one threshold: the min_count-th strongest sentence's probability
        if self.threshold is not None and len(sentences) >= self.min_count:
            value = float(sorted((probs[g].max() for g in sentences), reverse=True)[self.min_count - 1])
        if len(tagged) >= self.min_count:
            deciding = tagged[self.min_count - 1]  # the weakest of the sentences needed
            summary = f"{len(tagged)} sentence(s) in {self.scope.describe()} tagged {names}"
            evidence = tuple(quote(g, "threshold") for g in tagged[:3])
            return Detection(True, _confidence(margin[deciding].max()), summary, evidence, value=value)
        summary = (
            f"only {len(tagged)} of the {self.min_count} sentences needed in {self.scope.describe()} tagged {names}"
            if tagged
            else f"no sentence in {self.scope.describe()} tagged {names}"
        )
        untagged = [g for g in sentences if not on[g].any()]
        if not untagged:  # fewer sentences in scope than min_count
            return Detection(False, 1.0, summary, value=value)
        near = untagged[0]  # the closest to being tagged decides
        evidence = (quote(near, "closest; below the threshold"),)
        return Detection(False, _confidence(margin[near].max()), summary, evidence, value=value)


def _confidence(margin: float) -> float:
    return margin_confidence(float(margin), 0.0, _LOGIT_SCALE)


def _sentences(units: list[Unit]) -> list[list[int]]:
    """Positions in ``units`` grouped by sentence: a sentence, then the clauses cut out of
    it (which follow it, see :func:`~qa_coach.domain.detectors.base.build_units`)."""
    groups: list[list[int]] = []
    for j, unit in enumerate(units):
        if unit.primary or not groups:
            groups.append([j])
        else:
            groups[-1].append(j)
    return groups
