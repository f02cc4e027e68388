"""A tiny, deterministic stand-in for the models, for unit tests of the code around them.

Bag-of-words vectors make "same words" mean "similar", a keyword list decides
sentiment, and a cue per turn tag decides the tags. Tests of what the real models do
live in test_ml_*, test_turn_tagger and test_scoring_real*.
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from qa_coach.domain.interaction import Role
from qa_coach.domain.signals import Sentiment, TextAnalysis
from qa_coach.domain.turn_tags import TAGS

_DIM = 512
_NEG = {"angry", "terrible", "broken", "useless", "frustrated", "awful", "worst", "down"}
_POS = {"thanks", "great", "perfect", "love", "fixed", "awesome", "wonderful"}
# A text of the tag's speaker with the cue has the tag (probability TAG_ON, else TAG_OFF).
TAG_CUES = {
    "opens_or_offers_help": r"\b(hello|welcome|how can i help|happy to help)\b",
    "apologises": r"\b(sorry|apologi[sz]e|apologies)\b",
    "acknowledges_feeling": r"\b(i understand|frustrating|sorry to hear)\b",
    "restates_or_confirms": r"\b(to confirm|so you)\b",
    "asks_clarifying_question": r"\b(which|what|when)\b.*\?",
    "reports_failure": r"\b(unable|could not|couldn't|none left|not available)\b",
    "gives_answer": r"\b(here is|you can|is done|i have)\b",
    "offers_further_help": r"\banything else\b",
    "closes": r"\b(goodbye|bye|have a (nice|good|great) day)\b",
    "states_feeling_or_difficulty": r"\b(worried|upset|stressed|i need it today)\b",
    "complains": r"\b(terrible|unacceptable|useless|worst)\b",
    "repeats_or_corrects_detail": r"\b(i said|i already|not \w+, \w+)\b",
    "thanks_or_accepts": r"\b(thanks|thank you|perfect|that works)\b",
    "rejects_or_unsolved": r"\b(still not|doesn't work|does not work|something else)\b",
}
TAG_ON, TAG_OFF = 0.9, 0.05
TAG_THRESHOLD = 0.5


class BagOfWordsSignals:
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), _DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z']+", t.lower()):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % _DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def sentiment_of(self, text: str) -> Sentiment:
        words = set(re.findall(r"[a-z']+", text.lower()))
        neg, pos = len(words & _NEG), len(words & _POS)
        if neg > pos:
            return Sentiment(0.8, 0.15, 0.05)
        if pos > neg:
            return Sentiment(0.05, 0.15, 0.8)
        return Sentiment(0.1, 0.8, 0.1)

    def tags_of(self, text: str, role: Role | str) -> np.ndarray:
        """TAG_ON for each of the speaker's tags whose cue the text has, TAG_OFF for the
        speaker's others, 0 for the other speaker's (like the real tagger)."""
        lowered = text.lower()
        return np.array(
            [
                (TAG_ON if re.search(TAG_CUES[t.name], lowered) else TAG_OFF) if t.speaker is Role(role) else 0.0
                for t in TAGS
            ],
            dtype=np.float32,
        )

    def analyze(
        self, texts: Sequence[str], roles: Sequence[Role] | None = None, *, sentiment: bool = True
    ) -> TextAnalysis:
        tags = None
        if roles is not None:
            tags = np.zeros((len(texts), len(TAGS)), dtype=np.float32)
            for i, (text, role) in enumerate(zip(texts, roles, strict=True)):
                tags[i] = self.tags_of(text, role)
        sentiments = tuple(self.sentiment_of(t) for t in texts) if sentiment else ()
        return TextAnalysis(self.embed(texts), sentiments, tags)

    def tag_thresholds(self) -> np.ndarray:
        return np.full(len(TAGS), TAG_THRESHOLD, dtype=np.float32)
