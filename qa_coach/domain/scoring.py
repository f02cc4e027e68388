"""Scoring an interaction against a rubric: answers, N/A, critical fails, evidence."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from qa_coach.domain.conditions import deciding_signals
from qa_coach.domain.detectors.base import Detection, ScoringContext, Unit, build_units
from qa_coach.domain.errors import QACoachError
from qa_coach.domain.interaction import Interaction, Role
from qa_coach.domain.rubric import Criterion, Rubric
from qa_coach.domain.scorecard import CriterionResult, Evidence, Scorecard, SectionScore
from qa_coach.domain.signals import Sentiment, TextAnalysis, TextSignals

MAX_EVIDENCE = 4  # quoted turns shown per criterion


class NothingToScoreError(QACoachError):
    """The interaction has no agent turn (or no words): there is nothing to score."""


class Scorer:
    """Scores interactions against one rubric with one set of model signals.

    Exemplar phrases are embedded once, when the scorer is built; ``score_many`` sends
    the texts of many interactions to the models in one batch.
    """

    def __init__(self, rubric: Rubric, signals: TextSignals) -> None:
        self.rubric = rubric
        self.signals = signals
        phrases = sorted(
            {p for c in rubric.criteria for spec in c.signals.values() for p in spec.phrases()}
        )
        vectors = signals.embed(phrases) if phrases else np.zeros((0, 0), dtype=np.float32)
        self._phrase_index = {p: i for i, p in enumerate(phrases)}
        self._phrase_vectors = vectors
        self._groups: dict[tuple[str, ...], np.ndarray] = {}
        self._sentiment_roles = sentiment_roles(rubric)
        # each tag's own threshold; asked only when a detector reads tags (the tagger loads then)
        self._tag_thresholds = signals.tag_thresholds() if tags_read(rubric) else None

    def _vectors_for(self, phrases: tuple[str, ...]) -> np.ndarray:
        group = self._groups.get(phrases)
        if group is None:
            group = self._phrase_vectors[[self._phrase_index[p] for p in phrases]]
            self._groups[phrases] = group
        return group

    def score(self, interaction: Interaction) -> Scorecard:
        return self.score_many([interaction])[0]

    def score_many(self, interactions: Sequence[Interaction]) -> list[Scorecard]:
        return [self._scorecard(ctx) for ctx in self.contexts(interactions)]

    @staticmethod
    def scorable_units(interaction: Interaction) -> list[Unit]:
        """The units the scorer reads in ``interaction``; NothingToScoreError when it has
        nothing to score (no speech, no agent turn, no words). Callers that batch many
        files check each one with it first, so one bad file does not sink the batch."""
        if interaction.metadata.get("no_speech"):
            raise NothingToScoreError(f"{_where(interaction)}: no speech was found in the recording; nothing to score")
        if not interaction.has_agent:
            raise NothingToScoreError(
                f"{_where(interaction)}: no agent turn to score "
                "(check the speaker labels or the agent channel)"
            )
        units = build_units(interaction)
        if not units:
            raise NothingToScoreError(f"{_where(interaction)}: the conversation has no words")
        return units

    def contexts(self, interactions: Sequence[Interaction]) -> list[ScoringContext]:
        """The interactions prepared for detectors, the model signals computed in one batch."""
        all_units = [self.scorable_units(interaction) for interaction in interactions]
        flat = [u for units in all_units for u in units]
        vectors, sentiments, tags = self._analyze(flat)
        contexts, offset = [], 0
        for interaction, units in zip(interactions, all_units):
            n = len(units)
            ctx = ScoringContext(
                interaction=interaction,
                units=units,
                unit_vectors=vectors[offset : offset + n],
                unit_sentiments=sentiments[offset : offset + n],
                phrase_vectors=self._vectors_for,
                unit_tags=tags[offset : offset + n] if tags is not None else None,
                tag_thresholds=self._tag_thresholds,
            )
            offset += n
            contexts.append(ctx)
        return contexts

    def _analyze(self, units: list[Unit]) -> tuple[np.ndarray, list[Sentiment | None], np.ndarray | None]:
        """Embeddings for every unit; sentiment only for the whole sentences of the
        speakers that the rubric's sentiment detectors read (the sentiment branch is the
        costliest part of the model after the shared trunk); turn tags for every unit when
        a detector reads tags (the tagger's heads read the embeddings: no second pass)."""
        need = np.array([u.primary and u.turn.role in self._sentiment_roles for u in units], dtype=bool)
        roles = [u.turn.role for u in units] if self._tag_thresholds is not None else None
        vectors: np.ndarray | None = None
        tags: np.ndarray | None = None
        sentiments: list[Sentiment | None] = [None] * len(units)
        for group, with_sentiment in ((np.flatnonzero(need), True), (np.flatnonzero(~need), False)):
            if not len(group):
                continue
            texts = [units[k].text for k in group]
            group_roles = [roles[k] for k in group] if roles is not None else None
            if with_sentiment:
                analysis = self.signals.analyze(texts) if group_roles is None else self.signals.analyze(texts, group_roles)
                for k, sentiment in zip(group, analysis.sentiments):
                    sentiments[k] = sentiment
            elif group_roles is not None:
                analysis = self.signals.analyze(texts, group_roles, sentiment=False)
            else:
                analysis = TextAnalysis(self.signals.embed(texts), ())
            if vectors is None:
                vectors = np.empty((len(units), analysis.embeddings.shape[1]), dtype=np.float32)
            vectors[group] = analysis.embeddings
            if analysis.tags is not None:
                if tags is None:
                    tags = np.zeros((len(units), analysis.tags.shape[1]), dtype=np.float32)
                tags[group] = analysis.tags
        assert vectors is not None  # units is never empty
        return vectors, sentiments, tags

    def _scorecard(self, ctx: ScoringContext) -> Scorecard:
        results = tuple(score_criterion(c, ctx) for c in self.rubric.criteria)
        return aggregate(self.rubric, ctx.interaction.id, results)


def _where(interaction: Interaction) -> str:
    src = interaction.source
    return ": ".join(p for p in (src.path, src.locator or f"conversation {interaction.id}") if p)


def score_criterion(criterion: Criterion, ctx: ScoringContext) -> CriterionResult:
    cache: dict[str, Detection] = {}

    def detection(name: str) -> Detection:
        if name not in cache:
            cache[name] = criterion.signals[name].detect(ctx)
        return cache[name]

    def hit(name: str) -> bool:
        d = detection(name)
        return d.known and d.hit

    route = criterion.route_for(hit)
    calibrated = criterion.calibrated_confidence(route)

    def result(names: list[tuple[str, bool]], **answer) -> CriterionResult:
        # the fields every answer shares; ``answer`` gives the ones that differ
        return CriterionResult(
            criterion_id=criterion.id,
            name=criterion.name,
            section=criterion.section,
            max_points=criterion.weight,
            weight=criterion.weight,
            critical=criterion.critical,
            confidence=calibrated if calibrated is not None else _confidence(names, detection),
            rationale=_rationale(names, detection),
            evidence=_evidence(names, detection),
            route=route,
            **answer,
        )

    if criterion.is_na(hit):
        assert criterion.na_when is not None
        return result(
            deciding_signals(criterion.na_when, hit),
            answer=None,
            answer_label="N/A",
            points=0.0,
            na=True,
            na_reason=criterion.na_reason or "not applicable to this interaction",
            failed_critical=False,
        )

    rule = criterion.rule_for(hit)
    chosen, deciding = (rule.answer, deciding_signals(rule.when, hit)) if rule else (criterion.otherwise, [])
    if not deciding:  # no rule held: explain with what the rules were missing
        deciding = _unique(n for rule in criterion.rules for n in deciding_signals(rule.when, hit))
    option = criterion.option(chosen)
    return result(
        deciding,
        answer=option.key,
        answer_label=option.label,
        points=round(criterion.weight * option.fraction, 4),
        na=False,
        na_reason=None,
        failed_critical=criterion.critical and chosen in _fail_answers(criterion),
    )


def _fail_answers(criterion: Criterion) -> tuple[str, ...]:
    return criterion.fail_answers or tuple(o.key for o in criterion.options if o.fraction == 0)


def _unique(items: Iterable[tuple[str, bool]]) -> list[tuple[str, bool]]:
    seen: dict[str, bool] = {}
    for name, value in items:
        seen.setdefault(name, value)
    return list(seen.items())


def _confidence(names: list[tuple[str, bool]], detection) -> float:
    values = [detection(n).confidence for n, _ in names]
    return round(min(values), 3) if values else 1.0


def _rationale(names: list[tuple[str, bool]], detection) -> str:
    parts = []
    for name, value in _unique(names):
        d = detection(name)
        mark = "yes" if value else ("unknown" if not d.known else "no")
        parts.append(f"{name}: {mark} — {d.summary}")
    return "; ".join(parts)


def _evidence(names: list[tuple[str, bool]], detection) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for name, _ in _unique(names):
        for ev in detection(name).evidence:
            # a clause repeats part of its sentence: keep one quote per stretch of a turn
            if not any(e.turn_index == ev.turn_index and (ev.quote in e.quote or e.quote in ev.quote) for e in out):
                out.append(ev)
    out.sort(key=lambda e: e.turn_index)
    return tuple(out[:MAX_EVIDENCE])


def aggregate(rubric: Rubric, interaction_id: str, results: tuple[CriterionResult, ...]) -> Scorecard:
    """The weighted percentage: N/A leaves the denominator, a failed critical zeroes."""
    by_id = {r.criterion_id: r for r in results}
    sections: list[SectionScore] = []
    earned = possible = 0.0
    auto_failed = False
    for section in rubric.sections:
        rs = [by_id[c.id] for c in section.criteria]
        crit = {c.id: c for c in section.criteria}
        s_earned = sum(r.points for r in rs if not r.na)
        s_possible = sum(r.max_points for r in rs if not r.na and not crit[r.criterion_id].bonus)
        s_failed = any(r.failed_critical for r in rs)
        if s_failed and section.critical_scope == "section":
            s_earned = 0.0
        elif s_failed:
            auto_failed = True
        sections.append(
            SectionScore(
                name=section.name,
                score=None if s_possible == 0 else round(100 * s_earned / s_possible, 2),
                auto_failed=s_failed,
            )
        )
        earned += s_earned
        possible += s_possible
    if possible == 0:
        total = None
    elif auto_failed:
        total = 0.0
    else:
        total = round(100 * earned / possible, 2)
    return Scorecard(
        interaction_id=interaction_id,
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        rubric_sha256=rubric.sha256,
        results=results,
        sections=tuple(sections),
        score=total,
        auto_failed=auto_failed,
    )


def sentiment_roles(rubric: Rubric) -> frozenset[Role]:
    """The speakers whose sentiment some detector of the rubric reads."""
    roles: set[Role] = set()
    for c in rubric.criteria:
        for spec in c.signals.values():
            for scope in spec.sentiment_scopes():
                roles |= {scope.speaker} if scope.speaker else {Role.AGENT, Role.CUSTOMER}
    return frozenset(roles)


def tags_read(rubric: Rubric) -> frozenset[str]:
    """The turn tags some detector of the rubric reads (none: the tagger never runs)."""
    return frozenset(tag for c in rubric.criteria for spec in c.signals.values() for tag in spec.turn_tags())
