"""What the scorer needs from models, as protocols (adapters live in qa_coach.ml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from qa_coach.domain.interaction import Role


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
    sentiments: tuple[Sentiment, ...]  # empty when the call asked for no sentiment
    # (n, len(TAG_NAMES)) float32 probabilities of the turn tags, columns in
    # qa_coach.domain.turn_tags.TAG_NAMES order; None when the call gave no roles
    tags: np.ndarray | None = None


class TextSignals(Protocol):
    """Embeddings, sentiment and turn tags for a batch of texts, computed together.

    One call per interaction with every text the scorer needs lets an adapter batch,
    cache repeated texts, and share one encoder pass between the outputs.
    """

    def analyze(
        self, texts: Sequence[str], roles: Sequence[Role] | None = None, *, sentiment: bool = True
    ) -> TextAnalysis:
        """Embeddings, and each text's sentiment unless ``sentiment`` is False.

        With ``roles`` (the speaker of each text) also the turn-tag probabilities: a text
        carries only its own speaker's tags (the others, and all of a bot's, are 0).
        """
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings only (for exemplar phrases, which need no sentiment)."""
        ...

    def tag_thresholds(self) -> np.ndarray:
        """Each turn tag's own decision threshold (as trained), in TAG_NAMES order."""
        ...
