"""A tiny, deterministic stand-in for the models, for unit tests of the code around them.

Bag-of-words vectors make "same words" mean "similar", and a keyword list decides
sentiment. Tests of what the real models do live in test_ml_* and test_scoring_real*.
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from qa_coach.domain.signals import Sentiment, TextAnalysis

_DIM = 512
_NEG = {"angry", "terrible", "broken", "useless", "frustrated", "awful", "worst", "down"}
_POS = {"thanks", "great", "perfect", "love", "fixed", "awesome", "wonderful"}


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

    def analyze(self, texts: Sequence[str]) -> TextAnalysis:
        return TextAnalysis(self.embed(texts), tuple(self.sentiment_of(t) for t in texts))
