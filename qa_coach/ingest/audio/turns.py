"""Transcribed words of each speaker → phrases → the call's turns, in time order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from qa_coach.domain.interaction import Role, Turn


@dataclass(frozen=True)
class TimedWord:
    text: str  # with Whisper's leading space when it starts a new word
    start: float
    end: float


@dataclass(frozen=True)
class Phrase:
    """Words one speaker said without a pause longer than the phrase gap."""

    role: Role
    start: float
    end: float
    words: tuple[TimedWord, ...]
    confidence: float = 1.0

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words).strip()


def phrases(
    words: Iterable[TimedWord], role: Role, *, max_gap: float = 1.0, confidence: float = 1.0
) -> list[Phrase]:
    out: list[Phrase] = []
    current: list[TimedWord] = []
    for w in sorted(words, key=lambda w: w.start):
        if current and w.start - current[-1].end > max_gap:
            out.append(Phrase(role, current[0].start, current[-1].end, tuple(current), confidence))
            current = []
        current.append(w)
    if current:
        out.append(Phrase(role, current[0].start, current[-1].end, tuple(current), confidence))
    return out


def merge_into_turns(all_phrases: Sequence[Phrase], *, split_gap: float = 2.0) -> tuple[Turn, ...]:
    """Order every phrase by start time; join consecutive phrases of the same speaker
    into one turn unless a pause longer than ``split_gap`` separates them."""
    ordered = sorted(all_phrases, key=lambda p: (p.start, p.end))
    groups: list[list[Phrase]] = []
    for p in ordered:
        last = groups[-1][-1] if groups else None
        if last is not None and last.role is p.role and p.start - last.end <= split_gap:
            groups[-1].append(p)
        else:
            groups.append([p])
    turns = []
    for i, g in enumerate(groups):
        n_words = sum(len(p.words) for p in g)
        conf = sum(p.confidence * len(p.words) for p in g) / max(1, n_words)
        turns.append(
            Turn(
                index=i,
                role=g[0].role,
                text=_tidy(" ".join(p.text for p in g)),
                start=round(g[0].start, 2),
                end=round(max(p.end for p in g), 2),
                speaker_confidence=round(float(conf), 3),
            )
        )
    return tuple(turns)


def _tidy(text: str) -> str:
    return re.sub(r"\s+([,.?!;:])", r"\1", re.sub(r"\s+", " ", text)).strip()


# Phrases that in a service call come from the representative, nearly never the caller.
_AGENT_OPENERS = re.compile(
    r"\b(thanks? (you )?for calling|how (can|may|might) i (help|assist)|"
    r"what can i (do|help)|you(')?ve reached|you have reached)\b",
    re.IGNORECASE,
)


def agent_opener_count(texts: Iterable[str]) -> int:
    return sum(len(_AGENT_OPENERS.findall(t)) for t in texts)


def opener_phrases(texts: Iterable[str]) -> list[str]:
    return [m.group(0) for t in texts for m in _AGENT_OPENERS.finditer(t)]
