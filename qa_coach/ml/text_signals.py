"""Embeddings and sentiment from one pass of the packaged MiniLM (the TextSignals adapter).

The lower layers run once per text; the original top layers give the sentence-transformers
embedding (mean pooling, L2-normalised) and the LoRA-merged copies give the sentiment.
Texts are de-duplicated, served from an LRU cache when seen before, and the rest are
batched sorted by token length so that a batch carries little padding.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache

import numpy as np
import torch

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.signals import Sentiment, TextAnalysis
from qa_coach.ml.encoder import Encoder, load_encoder
from qa_coach.ml.sentiment_model import (
    SentimentBranch,
    load_branch,
    mean_pool,
    run_layers,
    trunk,
)

EMBED_MAX_LENGTH = 128


class LocalTextSignals:
    """:class:`qa_coach.domain.signals.TextSignals` on the packaged encoder, CPU, offline."""

    def __init__(
        self,
        encoder: Encoder,
        branch: SentimentBranch,
        *,
        max_length: int = EMBED_MAX_LENGTH,
        batch_size: int = 64,
        cache_size: int = 8192,
    ) -> None:
        self._tokenizer = encoder.tokenizer
        self._bert = encoder.model
        self._branch = branch
        n_layers = len(self._bert.encoder.layer)
        self._split = n_layers - branch.top_k
        self._base_top = self._bert.encoder.layer[self._split :]
        self._max_length = max_length
        self._batch_size = batch_size
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[np.ndarray, Sentiment | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.dim = int(self._bert.config.hidden_size)

    def analyze(self, texts: Sequence[str]) -> TextAnalysis:
        entries = self._lookup(list(texts), with_sentiment=True)
        return TextAnalysis(
            embeddings=self._stack(entries),
            sentiments=tuple(sentiment for _, sentiment in entries),  # type: ignore[misc]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._stack(self._lookup(list(texts), with_sentiment=False))

    def _stack(self, entries) -> np.ndarray:
        if not entries:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([emb for emb, _ in entries]).astype(np.float32, copy=False)

    def _lookup(self, texts: list[str], *, with_sentiment: bool):
        with self._lock:
            todo = []
            for text in dict.fromkeys(texts):
                hit = self._cache.get(text)
                if hit is None or (with_sentiment and hit[1] is None):
                    todo.append(text)
            if todo:
                self._compute(todo, with_sentiment)
            found = {}
            for text in texts:
                if text not in found:
                    found[text] = self._cache[text]
                    self._cache.move_to_end(text)
            result = [found[text] for text in texts]
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return result

    def _compute(self, texts: list[str], with_sentiment: bool) -> None:
        ids = self._tokenizer(texts, truncation=True, max_length=self._max_length)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        with torch.inference_mode():
            for start in range(0, len(order), self._batch_size):
                idx = order[start : start + self._batch_size]
                width = len(ids[idx[-1]])
                input_ids = torch.zeros(len(idx), width, dtype=torch.long)
                mask = torch.zeros(len(idx), width, dtype=torch.long)
                for row, i in enumerate(idx):
                    input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                    mask[row, : len(ids[i])] = 1
                lower, mask4d = trunk(self._bert, input_ids, mask, self._split)
                top = run_layers(self._base_top, lower, mask4d)
                emb = torch.nn.functional.normalize(mean_pool(top, mask), dim=-1).numpy()
                probs = None
                if with_sentiment:
                    branch = run_layers(self._branch.layers, lower, mask4d)
                    probs = torch.softmax(self._branch.head(mean_pool(branch, mask)), dim=-1).tolist()
                for row, i in enumerate(idx):
                    sentiment = Sentiment(*probs[row]) if probs is not None else None
                    self._cache[texts[i]] = (emb[row].copy(), sentiment)


THREADS_ENV = "QA_COACH_TORCH_THREADS"


@cache
def load_text_signals() -> LocalTextSignals:
    """The process-wide adapter: the encoder and the sentiment delta load once.

    ``$QA_COACH_TORCH_THREADS`` sets torch's thread count: on a CPU shared with other busy
    processes one thread was faster here than two (100 vs 67 turns/s); on an idle machine
    torch's default (one per core) is the better choice.
    """
    threads = os.environ.get(THREADS_ENV, "").strip()
    if threads:
        try:
            torch.set_num_threads(max(1, int(threads)))
        except ValueError:
            raise QACoachError(f"{THREADS_ENV} must be a whole number, not {threads!r}") from None
    encoder = load_encoder()
    return LocalTextSignals(encoder, load_branch(encoder.model))
