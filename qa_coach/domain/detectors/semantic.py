"""Detectors that compare meanings with sentence embeddings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa_coach.domain.detectors.base import (
    Detection,
    ReadsOnlyItsTurns,
    Scope,
    ScoringContext,
    evidence_for,
    margin_confidence,
    short,
)
from qa_coach.domain.detectors.text import content_words, is_question
from qa_coach.domain.interaction import Role

_SIM_SCALE = 0.05  # cosine distance from the threshold that reads as "clearly" one side


@dataclass(frozen=True, kw_only=True)
class PhrasesSpec(ReadsOnlyItsTurns):
    """Hit when a turn in scope says something close in meaning to an exemplar phrase.

    A unit counts only when it is closer to the exemplars than to the
    ``negative_exemplars`` (e.g. "sorry, could you repeat that?" against apologies).
    """

    exemplars: tuple[str, ...]
    scope: Scope
    threshold: float
    negative_exemplars: tuple[str, ...]
    min_count: int
    label: str

    def phrases(self) -> tuple[str, ...]:
        return self.exemplars + self.negative_exemplars

    def detect(self, ctx: ScoringContext) -> Detection:
        idx = ctx.select(self.scope)
        if not idx:
            return Detection(False, 1.0, f"no {self.scope.describe()} to look at", known=True)
        sims = ctx.unit_vectors[idx] @ ctx.phrase_vectors(self.exemplars).T
        best_ex = sims.argmax(1)
        best = sims.max(1)
        if self.negative_exemplars:
            neg = (ctx.unit_vectors[idx] @ ctx.phrase_vectors(self.negative_exemplars).T).max(1)
        else:
            neg = np.full(len(idx), -1.0)
        ok = (best >= self.threshold) & (best > neg)
        # the min_count-th best similarity of the units closer to the exemplars than to the
        # counter-examples: the detector hits exactly when it reaches the threshold
        eligible = np.sort(best[best > neg])[::-1]
        value = float(eligible[self.min_count - 1]) if 0 < self.min_count <= len(eligible) else None
        order = np.argsort(-best)
        hits = [j for j in order if ok[j]]
        top = int(order[0])
        if len(hits) >= self.min_count:
            evidence = tuple(
                evidence_for(
                    ctx.units[idx[j]],
                    f"similar ({best[j]:.2f}) to {self.label} '{self.exemplars[best_ex[j]]}'",
                )
                for j in hits[:3]
            )
            conf = margin_confidence(float(best[hits[0]]), self.threshold, _SIM_SCALE)
            return Detection(True, conf, f"{self.scope.describe()}: {len(hits)} match(es)", evidence, value=value)
        near = ctx.units[idx[top]]
        why = (
            f"closest ({best[top]:.2f}, below {self.threshold:.2f}) to {self.label} "
            f"'{self.exemplars[best_ex[top]]}'"
            if best[top] < self.threshold
            else f"closer to a counter-example ({neg[top]:.2f}) than to {self.label}s ({best[top]:.2f})"
        )
        conf = margin_confidence(float(best[top]), self.threshold, _SIM_SCALE)
        return Detection(
            False,
            conf,
            f"no {self.label} in {self.scope.describe()}",
            (evidence_for(near, why),),
            value=value,
        )




@dataclass(frozen=True, kw_only=True)
class ParaphraseSpec(ReadsOnlyItsTurns):
    """Hit when the agent restates or refers back to what the customer said earlier.

    Two signals, either suffices: an agent unit whose meaning is close to an earlier
    customer unit (a paraphrase, not necessarily the same words), or an agent unit that
    reuses at least ``min_shared_words`` of the customer's content words (names of
    products, symptoms, dates): referring back to specifics.
    """

    threshold: float
    min_shared_words: int
    lookback_turns: int  # how many earlier customer turns an agent turn may refer to
    min_count: int
    min_words: int  # shorter units (an order number, "yes") carry no problem to restate

    def detect(self, ctx: ScoringContext) -> Detection:
        agent = [i for i, u in enumerate(ctx.units) if u.turn.role is Role.AGENT]
        customer = [i for i, u in enumerate(ctx.units) if u.turn.role is Role.CUSTOMER]
        if not agent or not customer:
            return Detection(False, 1.0, "needs both agent and customer turns")
        sims = ctx.unit_vectors[agent] @ ctx.unit_vectors[customer].T
        found: list[tuple[float, int, int, str]] = []
        best_any = (-1.0, agent[0], customer[0])
        words = {c: content_words(ctx.units[c].text) for c in customer}
        # A customer's question is answered, not restated: "was it an estimate?" → "it
        # was an estimated read" echoes the words without showing understanding.
        statements = {
            c for c in customer
            if len(ctx.units[c].text.split()) >= self.min_words and not is_question(ctx.units[c].text)
        }
        for a_row, a in enumerate(agent):
            ua = ctx.units[a]
            if len(ua.text.split()) < self.min_words:
                continue
            earlier = [
                (c_col, c)
                for c_col, c in enumerate(customer)
                if c in statements
                and ctx.units[c].turn_pos < ua.turn_pos
                and ua.turn_pos - ctx.units[c].turn_pos <= 2 * self.lookback_turns
            ]
            if not earlier:
                continue
            a_words = content_words(ua.text)
            for c_col, c in earlier:
                sim = float(sims[a_row, c_col])
                if sim > best_any[0]:
                    best_any = (sim, a, c)
                shared = a_words & words[c]
                if sim >= self.threshold:
                    found.append((sim, a, c, f"restates ({sim:.2f})"))
                elif len(shared) >= self.min_shared_words:
                    found.append((sim, a, c, "refers back to " + ", ".join(sorted(shared)[:4])))
        if len({a for _, a, _, _ in found}) >= self.min_count:
            found.sort(key=lambda f: -f[0])
            used: set[int] = set()
            evidence = []
            for sim, a, c, how in found:
                if a in used:
                    continue
                used.add(a)
                cust = ctx.units[c]
                evidence.append(
                    evidence_for(
                        ctx.units[a],
                        f"{how} the customer's turn {cust.turn.index + 1}: '{short(cust.text)}'",
                    )
                )
                if len(evidence) == 3:
                    break
            conf = margin_confidence(max(found[0][0], self.threshold + 0.05), self.threshold, 0.05)
            return Detection(True, conf, "the agent restates or refers back to the customer", tuple(evidence))
        sim, a, c = best_any
        summary = "the agent never restates or refers back to what the customer said"
        if sim < 0:  # no agent sentence came after a customer statement: nothing to quote
            return Detection(False, 0.9, summary)
        return Detection(
            False,
            margin_confidence(sim, self.threshold, 0.05),
            summary,
            (
                evidence_for(
                    ctx.units[a],
                    f"closest agent restatement ({sim:.2f}, below {self.threshold:.2f}) of "
                    f"'{short(ctx.units[c].text)}'",
                ),
            ),
        )
