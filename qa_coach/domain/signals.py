"""What the scorer needs from models, as protocols (adapters live in qa_coach.ml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np


@dataclass(frozen=True)
class Sentiment:
    """Class probabilities for one text; ``score`` = positive − negative, in [−1, 1]."""

    negative: float
    neutral: float
    positive: float

    @property
    def label(self) -> str:
        probs = {"negative": self.negative, "neutral": self.neutral, "positive": self.positive}
        return max(probs, key=probs.__getitem__)

    @property
    def score(self) -> float:
        return self.positive - self.negative


@dataclass(frozen=True)
class TextAnalysis:
    """Per-text results of one :meth:`TextSignals.analyze` call, in input order."""

    embeddings: np.ndarray  # (n, d) float32, L2-normalised: a dot product is the cosine
    sentiments: tuple[Sentiment, ...]


class TextSignals(Protocol):
    """Embeddings and sentiment for a batch of texts, computed together.

    One call per interaction with every text the scorer needs lets an adapter batch,
    cache repeated texts, and share one encoder pass between the two outputs.
    """

    def analyze(self, texts: Sequence[str]) -> TextAnalysis: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings only (for exemplar phrases, which need no sentiment)."""
        ...
