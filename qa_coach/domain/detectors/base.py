"""What every detector shares: the conversation as scored units, scopes and results."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence, TypeVar, runtime_checkable

import numpy as np

from qa_coach.domain.details import SENTENCE_BREAK
from qa_coach.domain.interaction import Interaction, Role, Turn
from qa_coach.domain.scorecard import Evidence
from qa_coach.domain.signals import Sentiment

T = TypeVar("T")

MAX_UNIT_WORDS = 30  # longer unpunctuated stretches (ASR) are cut into windows
_WINDOW_WORDS = 20


@dataclass(frozen=True)
class Unit:
    """A sentence (or a window of an unpunctuated turn): the grain of semantic matching."""

    turn: Turn
    text: str
    turn_pos: int  # position among the party (agent + customer) turns
    role_pos: int  # k-th turn of this speaker, from 0
    role_from_end: int  # k-th turn of this speaker counting from the last, from 0
    primary: bool = True  # False for a clause cut out of a longer sentence
    substantive_from_end: int | None = None  # like role_from_end, skipping courtesy replies


_CLAUSE_BREAK = re.compile(r"\s*[,;:\u2013\u2014]\s+|\s+-\s+|\s+(?=(?:but|and|so|because)\s)", re.IGNORECASE)
MIN_CLAUSE_SPLIT_WORDS = 14  # sentences this long are also matched clause by clause


def split_clauses(sentence: str) -> list[str]:
    """The clauses of a long sentence, so that "I'm sorry about that, being charged
    twice is frustrating" matches an apology and an acknowledgement separately."""
    if len(sentence.split()) < MIN_CLAUSE_SPLIT_WORDS:
        return []
    pieces = [p.strip() for p in _CLAUSE_BREAK.split(sentence) if p and len(p.split()) >= 2]
    return pieces if len(pieces) > 1 else []


def split_units(text: str) -> list[str]:
    out: list[str] = []
    for sentence in SENTENCE_BREAK.split(text):
        words = sentence.split()
        if not words:
            continue
        if len(words) <= MAX_UNIT_WORDS:
            out.append(" ".join(words))
            continue
        step = _WINDOW_WORDS // 2  # overlapping windows so no phrase is cut in two
        for start in range(0, len(words) - step, step):
            out.append(" ".join(words[start : start + _WINDOW_WORDS]))
    return out


# A whole turn that only answers "anything else?" or says goodbye: it tells nothing about
# how the customer feels about the outcome ("no that's all" is not a negative verdict).
COURTESY_REPLY = re.compile(
    r"^\W*(?:(?:no|nope|nah|yes|yeah|yep|ok(?:ay)?|alright|all right|um+|uh+|oh)\W+)*"
    r"(?:that'?s (?:all|it|everything)(?: for (?:now|today))?|i'?m (?:good|fine|all set)|all good|nothing else|"
    r"bye(?:-bye)?|good ?bye|you too|have a (?:good|nice|great) (?:one|day))"
    r"(?:\W+(?:thanks?|thank you|thx|ty|bye|again|so much|that'?s (?:all|it)|you too|[A-Z][a-z]+))*\W*$",
    re.IGNORECASE,
)


def is_courtesy_reply(text: str) -> bool:
    return len(text.split()) <= 8 and bool(COURTESY_REPLY.match(text.strip()))


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Which turns a detector looks at: a speaker and, optionally, their first/last N turns.

    With ``substantive``, turns that are only a courtesy reply ("no that's all, thanks")
    are skipped, so ``last: 1`` is the last turn that says something about the outcome.
    """

    speaker: Role | None  # None: both parties
    first: int | None  # None: no limit
    last: int | None  # None: no limit
    substantive: bool

    def admits(self, unit: Unit) -> bool:
        if self.speaker is not None and unit.turn.role is not self.speaker:
            return False
        if self.first is not None and unit.role_pos >= self.first:
            return False
        if self.substantive:
            if unit.substantive_from_end is None:
                return False
            if self.last is not None and unit.substantive_from_end >= self.last:
                return False
        elif self.last is not None and unit.role_from_end >= self.last:
            return False
        return True

    def describe(self) -> str:
        who = self.speaker.value if self.speaker else "any speaker"
        kind = " substantive" if self.substantive else ""
        if self.first is not None:
            return f"{who}'s first {self.first} turn(s)"
        if self.last is not None:
            return f"{who}'s last {self.last}{kind} turn(s)"
        return f"{who}'s turns"


@dataclass
class ScoringContext:
    """One interaction prepared for detectors: units with embeddings, sentiments and tags.

    ``phrase_vectors`` returns the (cached) embeddings of exemplar phrases.
    ``unit_tags`` holds each unit's turn-tag probabilities (columns in
    :data:`~qa_coach.domain.turn_tags.TAG_NAMES` order) and ``tag_thresholds`` each tag's
    own trained threshold; both are None when no detector of the rubric reads tags.
    """

    interaction: Interaction
    units: list[Unit]
    unit_vectors: np.ndarray  # (len(units), d)
    unit_sentiments: list[Sentiment | None]  # None where no detector needs it
    phrase_vectors: Callable[[tuple[str, ...]], np.ndarray]
    unit_tags: np.ndarray | None = None  # (len(units), len(TAG_NAMES))
    tag_thresholds: np.ndarray | None = None  # (len(TAG_NAMES),)
    _turn_sentiment: dict[int, Sentiment] = field(default_factory=dict)
    _turn_tags: dict[int, np.ndarray] = field(default_factory=dict)
    _of_turns: dict[Callable[[Sequence[Turn]], object], object] = field(default_factory=dict)

    def select(self, scope: Scope) -> list[int]:
        return [i for i, u in enumerate(self.units) if scope.admits(u)]

    def turn_sentiment(self, turn_index: int) -> Sentiment:
        """A turn's sentiment: its units' probabilities averaged, weighted by length."""
        if turn_index not in self._turn_sentiment:
            idx = [i for i, u in enumerate(self.units) if u.turn.index == turn_index and u.primary]
            weights = np.array([len(self.units[i].text) for i in idx], dtype=float)
            probs = np.array(
                [[s.negative, s.neutral, s.positive] for s in (self.unit_sentiments[i] for i in idx) if s is not None]
            )
            mean = (weights[:, None] * probs).sum(0) / weights.sum()
            self._turn_sentiment[turn_index] = Sentiment(*map(float, mean))
        return self._turn_sentiment[turn_index]

    def tags_of_turn(self, turn_index: int) -> np.ndarray:
        """A turn's tag probabilities: the highest of its units' (a turn does what any of
        its sentences does), in TAG_NAMES order; 0 for a turn without units."""
        if self.unit_tags is None:
            raise ValueError("no turn tags were computed for this interaction")
        if turn_index not in self._turn_tags:
            idx = [i for i, u in enumerate(self.units) if u.turn.index == turn_index]
            tags = self.unit_tags[idx].max(0) if idx else np.zeros(self.unit_tags.shape[1], dtype=np.float32)
            self._turn_tags[turn_index] = tags
        return self._turn_tags[turn_index]

    def of_turns(self, analysis: Callable[[Sequence[Turn]], T]) -> T:
        """``analysis`` of the interaction's party turns, computed once per interaction
        (several signals of a rubric read the same details or requests)."""
        if analysis not in self._of_turns:
            self._of_turns[analysis] = analysis(self.interaction.party_turns)
        return self._of_turns[analysis]  # type: ignore[return-value]

    def party_turns(self, scope: Scope) -> list[Turn]:
        seen: dict[int, Turn] = {}
        for u in self.units:
            if scope.admits(u):
                seen.setdefault(u.turn.index, u.turn)
        return list(seen.values())


@dataclass(frozen=True)
class Detection:
    """A detector's finding. ``hit`` feeds the rubric's rules; evidence explains it.

    ``confidence`` (0..1) is how clearly the finding is on its side of the threshold.
    ``known`` is False when the detector had nothing to look at (e.g. call metrics of a
    chat), which rules treat as not hit.
    ``value`` is the number the detector compared with its threshold(s), when one number
    decides: ``hit`` is then exactly "value within the threshold(s)", so a threshold
    calibration can tell what other thresholds would have found. None: no such number.
    """

    hit: bool
    confidence: float
    summary: str
    evidence: tuple[Evidence, ...] = ()
    known: bool = True
    value: float | None = None


@runtime_checkable
class DetectorSpec(Protocol):
    """Everything the scorer asks of a detector that a rubric configures.

    The settings of each detector come from the rubric file; their defaults live in the
    rubric schema (:mod:`qa_coach.rubric.schema`), not here.
    """

    def phrases(self) -> tuple[str, ...]:
        """The phrases it compares turns with; the scorer embeds them once, when built."""
        ...

    def sentiment_scopes(self) -> tuple[Scope, ...]:
        """The turns whose sentiment it reads; the scorer runs the sentiment model only
        for the speakers of these scopes."""
        ...

    def turn_tags(self) -> tuple[str, ...]:
        """The turn tags it reads; the scorer runs the turn tagger only when some
        detector of the rubric reads one."""
        ...

    def detect(self, ctx: ScoringContext) -> Detection:
        """Its finding in one interaction."""
        ...


class ReadsOnlyItsTurns:
    """The defaults of :class:`DetectorSpec` for a detector that reads only its turns'
    text and embeddings: no phrases to embed, no sentiment, no turn tags. A detector
    subclasses it and overrides what it does read."""

    def phrases(self) -> tuple[str, ...]:
        return ()

    def sentiment_scopes(self) -> tuple[Scope, ...]:
        return ()

    def turn_tags(self) -> tuple[str, ...]:
        return ()


def margin_confidence(value: float, threshold: float, scale: float) -> float:
    """How far ``value`` is from ``threshold`` in units of ``scale``, mapped to 0.5..1."""
    return 1.0 / (1.0 + math.exp(-abs(value - threshold) / scale))


def count_confidence(count: int, min_count: int) -> float:
    """How clear a finding of ``count`` events against a bar of ``min_count`` is: the
    further the count is from the bar, the clearer (0.6 at the bar, at most 0.95)."""
    return min(0.95, 0.6 + 0.15 * abs(count - (min_count - 0.5)))


def evidence_for(unit: Unit, signal: str) -> Evidence:
    t = unit.turn
    return Evidence(
        turn_index=t.index,
        role=t.role,
        quote=unit.text,
        time=t.time_label,
        start=t.start,
        signal=signal,
    )


def turn_evidence(turn: Turn, signal: str) -> Evidence:
    return Evidence(turn.index, turn.role, turn.text, turn.time_label, turn.start, signal)


def build_units(interaction: Interaction) -> list[Unit]:
    party = interaction.party_turns
    counts = {r: sum(1 for t in party if t.role is r) for r in (Role.AGENT, Role.CUSTOMER)}
    substantive = [not is_courtesy_reply(t.text) for t in party]
    sub_left = {r: sum(1 for t, s in zip(party, substantive) if s and t.role is r) for r in counts}
    seen = {Role.AGENT: 0, Role.CUSTOMER: 0}
    units: list[Unit] = []
    for pos, turn in enumerate(party):
        k = seen[turn.role]
        seen[turn.role] += 1
        sub_from_end = None
        if substantive[pos]:
            sub_left[turn.role] -= 1
            sub_from_end = sub_left[turn.role]
        for text in split_units(turn.text):
            units.append(Unit(turn, text, pos, k, counts[turn.role] - 1 - k, True, sub_from_end))
            for clause in split_clauses(text):
                units.append(Unit(turn, clause, pos, k, counts[turn.role] - 1 - k, False, sub_from_end))
    return units


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def top_k(indices: Sequence[int], scores: Sequence[float], k: int) -> list[int]:
    order = sorted(range(len(indices)), key=lambda j: -scores[j])[:k]
    return [indices[j] for j in order]
