"""The requests detector: what became of the information the customer asked for."""

from __future__ import annotations

from dataclasses import dataclass

from qa_coach.domain.customer_requests import RequestOutcome, track_requests
from qa_coach.domain.detectors.base import Detection, ReadsOnlyItsTurns, ScoringContext, count_confidence
from qa_coach.domain.scorecard import Evidence


@dataclass(frozen=True, kw_only=True)
class RequestsSpec(ReadsOnlyItsTurns):
    """Hit when at least ``min_count`` items of information the customer asked for (a
    phone number, an address, a price, a time, ...) ended with one of ``outcomes``:
    answered, not given (the agent said it does not have it) or unanswered. With
    ``asked_again`` only items the customer had already asked for, in vain, count."""

    outcomes: tuple[RequestOutcome, ...]
    min_count: int
    asked_again: bool

    def detect(self, ctx: ScoringContext) -> Detection:
        track = ctx.of_turns(track_requests)
        found = track.asked_again(*self.outcomes) if self.asked_again else track.with_outcome(*self.outcomes)
        kinds = " or ".join(o.value for o in self.outcomes)
        if not track.requests:
            return Detection(False, 0.6, "the customer asked for no phone number, address, price, time or reference", value=0.0)
        evidence = tuple(
            Evidence(r.turn.index, r.turn.role, r.quote, r.turn.time_label, r.turn.start, r.describe()) for r in found[:3]
        )
        again = " after asking before" if self.asked_again else ""
        summary = f"{len(found)} requested item(s) {kinds}{again} (of {len(track.requests)} asked for)"
        hit = len(found) >= self.min_count
        confidence = count_confidence(len(found), self.min_count)
        return Detection(hit, confidence, summary, evidence, value=float(len(found)))
