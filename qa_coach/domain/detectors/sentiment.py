"""Detectors on the sentiment of a speaker's turns."""

from __future__ import annotations

from dataclasses import dataclass

from qa_coach.domain.detectors.base import (
    Detection,
    ReadsOnlyItsTurns,
    Scope,
    ScoringContext,
    margin_confidence,
    turn_evidence,
)
from qa_coach.domain.signals import Sentiment

_SCALE = 0.15  # sentiment-score distance from a threshold that reads as clear


def _describe(s: Sentiment) -> str:
    return f"{s.label} ({s.score:+.2f})"


@dataclass(frozen=True, kw_only=True)
class SentimentSpec(ReadsOnlyItsTurns):
    """Hit when the sentiment score (positive − negative, −1..1) of the scoped turns
    reaches ``at_least`` or stays at or under ``at_most``.

    ``aggregate``: ``min`` (any turn that low), ``max`` (any turn that high), ``mean`` or
    ``last``.
    """

    scope: Scope
    at_least: float | None
    at_most: float | None
    aggregate: str  # mean | min | max | last

    def sentiment_scopes(self) -> tuple[Scope, ...]:
        return (self.scope,)

    def detect(self, ctx: ScoringContext) -> Detection:
        turns = ctx.party_turns(self.scope)
        if not turns:
            return Detection(False, 1.0, f"no {self.scope.describe()}", known=False)
        scored = [(t, ctx.turn_sentiment(t.index)) for t in turns]
        values = [s.score for _, s in scored]
        if self.aggregate == "min":
            value = min(values)
            chosen = [min(scored, key=lambda p: p[1].score)]
        elif self.aggregate == "max":
            value = max(values)
            chosen = [max(scored, key=lambda p: p[1].score)]
        elif self.aggregate == "last":
            value, chosen = values[-1], [scored[-1]]
        else:
            value = sum(values) / len(values)
            chosen = sorted(scored, key=lambda p: -abs(p[1].score))[:3]
        hit = True
        threshold = 0.0
        if self.at_least is not None:
            hit &= value >= self.at_least
            threshold = self.at_least
        if self.at_most is not None:
            hit &= value <= self.at_most
            threshold = self.at_most
        evidence = tuple(
            turn_evidence(t, f"{t.role.value} sentiment {_describe(s)}") for t, s in chosen
        )
        bound = f"≥ {self.at_least:+.2f}" if self.at_least is not None else f"≤ {self.at_most:+.2f}"
        summary = f"{self.aggregate} sentiment of {self.scope.describe()} is {value:+.2f} (rule {bound})"
        return Detection(hit, margin_confidence(value, threshold, _SCALE), summary, evidence, value=value)


@dataclass(frozen=True, kw_only=True)
class SentimentChangeSpec(ReadsOnlyItsTurns):
    """Hit when a speaker's sentiment rises by at least ``min_rise`` from ``start`` to
    ``end`` (e.g. the customer's first two turns against their last two)."""

    start: Scope
    end: Scope
    min_rise: float

    def sentiment_scopes(self) -> tuple[Scope, ...]:
        return (self.start, self.end)

    def detect(self, ctx: ScoringContext) -> Detection:
        a, b = ctx.party_turns(self.start), ctx.party_turns(self.end)
        if not a or not b:
            return Detection(False, 1.0, "not enough turns to compare", known=False)
        sa = min(((t, ctx.turn_sentiment(t.index)) for t in a), key=lambda p: p[1].score)
        sb = (b[-1], ctx.turn_sentiment(b[-1].index))
        rise = sb[1].score - sa[1].score
        summary = (
            f"{self.start.speaker.value if self.start.speaker else 'speaker'} sentiment went from "
            f"{_describe(sa[1])} at turn {sa[0].index + 1} to {_describe(sb[1])} at turn {sb[0].index + 1}"
        )
        evidence = (
            turn_evidence(sa[0], f"start: {_describe(sa[1])}"),
            turn_evidence(sb[0], f"end: {_describe(sb[1])}"),
        )
        return Detection(
            rise >= self.min_rise, margin_confidence(rise, self.min_rise, _SCALE), summary, evidence, value=rise
        )
