"""The details detector: what became of the details the customer stated."""

from __future__ import annotations

from dataclasses import dataclass

from qa_coach.domain.details import DetailEventKind, track_details
from qa_coach.domain.detectors.base import Detection, ReadsOnlyItsTurns, ScoringContext, count_confidence
from qa_coach.domain.scorecard import Evidence


@dataclass(frozen=True, kw_only=True)
class DetailsSpec(ReadsOnlyItsTurns):
    """Hit when at least ``min_count`` events of the given kinds happen to the customer's
    stated details (days, times, counts, places, names, references): the agent used them,
    asked for them again or confirmed other values, or the customer had to repeat them
    unasked."""

    events: tuple[DetailEventKind, ...]
    min_count: int

    def detect(self, ctx: ScoringContext) -> Detection:
        track = ctx.of_turns(track_details)
        found = track.of_kind(*self.events)
        kinds = " or ".join(k.value for k in self.events)
        evidence = tuple(
            Evidence(e.turn.index, e.turn.role, e.quote, e.turn.time_label, e.turn.start, e.describe())
            for e in found[:3]
        )
        if not track.stated:
            return Detection(False, 0.6, "the customer stated no days, times, counts, places or names", value=0.0)
        hit = len(found) >= self.min_count
        summary = f"{len(found)} detail(s) {kinds} (of {len(track.stated)} stated)"
        confidence = count_confidence(len(found), self.min_count)
        return Detection(hit, confidence, summary, evidence, value=float(len(found)))
