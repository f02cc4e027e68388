"""Detectors that look at the words themselves: patterns and questions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qa_coach.domain.detectors.base import Detection, ReadsOnlyItsTurns, Scope, ScoringContext, evidence_for
from qa_coach.domain.detectors.linear_regex import LinearPattern, compile_pattern
from qa_coach.domain.detectors.text import content_words, is_question


@dataclass(frozen=True, kw_only=True)
class PatternSpec(ReadsOnlyItsTurns):
    """Hit when a sentence in scope matches one of the regular expressions
    (case-insensitive) and none of the ``exclude`` ones ("sorry, could you repeat that"
    is not an apology). The expressions run in linear time (:mod:`.linear_regex`); one that
    cannot raises :class:`~qa_coach.domain.detectors.linear_regex.PatternError`."""

    patterns: tuple[str, ...]
    scope: Scope
    min_count: int
    exclude: tuple[str, ...]
    compiled: tuple[LinearPattern, ...] = field(init=False, repr=False, compare=False)
    excluded: tuple[LinearPattern, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(compile_pattern(p) for p in self.patterns))
        object.__setattr__(self, "excluded", tuple(compile_pattern(p) for p in self.exclude))

    def detect(self, ctx: ScoringContext) -> Detection:
        hits = []
        for i in ctx.select(self.scope):
            text = ctx.units[i].text
            if any(rx.search(text) is not None for rx in self.excluded):
                continue
            for rx in self.compiled:
                found = rx.search(text)
                if found is not None:
                    hits.append(evidence_for(ctx.units[i], f"says “{found}”"))  # the words, never the pattern
                    break
        if len(hits) >= self.min_count:
            return Detection(True, 0.95, f"{len(hits)} turn(s) match", tuple(hits[:3]))
        return Detection(False, 0.9, f"none of the expected words in {self.scope.describe()}")




@dataclass(frozen=True, kw_only=True)
class QuestionSpec(ReadsOnlyItsTurns):
    """Hit when the speaker asks questions, leaving out routine ones (``exclude``).

    With ``relevant_to_customer`` a question must relate to what the customer said
    (meaning at least ``relevance`` similar to a customer turn, or a shared content word):
    a clarifying question, not a scripted one.
    """

    scope: Scope
    exclude: tuple[str, ...]
    exclude_threshold: float
    relevant_to_customer: bool
    relevance: float
    min_count: int

    def phrases(self) -> tuple[str, ...]:
        return self.exclude

    def detect(self, ctx: ScoringContext) -> Detection:
        idx = [i for i in ctx.select(self.scope) if is_question(ctx.units[i].text)]
        if not idx:
            return Detection(False, 0.85, f"no questions in {self.scope.describe()}")
        keep = np.ones(len(idx), dtype=bool)
        if self.exclude:
            ex = (ctx.unit_vectors[idx] @ ctx.phrase_vectors(self.exclude).T).max(1)
            keep &= ex < self.exclude_threshold
        notes = ["asks a question"] * len(idx)
        if self.relevant_to_customer:
            cust = [i for i, u in enumerate(ctx.units) if u.turn.role.value == "customer"]
            for j, i in enumerate(idx):
                earlier = [c for c in cust if ctx.units[c].turn_pos < ctx.units[i].turn_pos]
                if not earlier or not keep[j]:
                    keep[j] = False
                    continue
                sim = float((ctx.unit_vectors[earlier] @ ctx.unit_vectors[i]).max())
                shared = content_words(ctx.units[i].text) & set().union(
                    *(content_words(ctx.units[c].text) for c in earlier)
                )
                if sim >= self.relevance or shared:
                    notes[j] = "clarifying question about what the customer said" + (
                        f" ({', '.join(sorted(shared)[:3])})" if shared else f" ({sim:.2f})"
                    )
                else:
                    keep[j] = False
        kept = [i for j, i in enumerate(idx) if keep[j]]
        if len(kept) >= self.min_count:
            ev = tuple(evidence_for(ctx.units[i], notes[idx.index(i)]) for i in kept[:3])
            return Detection(True, 0.85, f"{len(kept)} relevant question(s)", ev)
        routine = evidence_for(ctx.units[idx[0]], "a routine question (verification or script), not clarifying")
        return Detection(False, 0.7, "only routine questions", (routine,))
