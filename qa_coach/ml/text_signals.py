"""Embeddings, sentiment and turn tags from one pass of the packaged MiniLM (the TextSignals adapter).

The lower layers run once per text; the original top layers give the sentence-transformers
embedding (mean pooling, L2-normalised) and the LoRA-merged copies give the sentiment.
Texts are de-duplicated, served from an LRU cache when seen before, and the rest are
batched sorted by token length so that a batch carries little padding. A backend runs
the batches: the ONNX Runtime graphs exported from the PyTorch modules
(:mod:`qa_coach.ml.onnx_encoder`, what the product uses), or the PyTorch modules
themselves (:class:`TorchBackend`, the reference the export is tested against).

Given the speaker of each text, the turn tagger's heads (:mod:`qa_coach.ml.turn_tagger`,
NumPy) read the same embeddings: no second encoder pass, and the tags of a (text,
speaker) pair are as cached as the text's embedding. The heads load on first use, so a
rubric that reads no tags never loads them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa_coach.domain.interaction import Role
from qa_coach.domain.signals import Sentiment, TextAnalysis

if TYPE_CHECKING:
    from qa_coach.ml.turn_tagger import TurnTagger


class Backend(Protocol):
    """Runs one right-padded batch of token ids through the encoder."""

    dim: int

    def run(self, input_ids: np.ndarray, mask: np.ndarray, with_sentiment: bool) -> tuple[np.ndarray, np.ndarray | None]: ...


class TorchBackend:
    """The fp32 PyTorch modules: exact sentence-transformers embeddings."""

    def __init__(self, encoder, branch) -> None:
        from qa_coach.ml.sentiment_model import ScoringGraph

        self._graphs = {
            flag: ScoringGraph(encoder.model, branch, with_sentiment=flag).eval() for flag in (False, True)
        }
        self.dim = int(encoder.model.config.hidden_size)

    def run(self, input_ids: np.ndarray, mask: np.ndarray, with_sentiment: bool) -> tuple[np.ndarray, np.ndarray | None]:
        import torch

        with torch.inference_mode():
            out = self._graphs[with_sentiment](torch.from_numpy(input_ids), torch.from_numpy(mask))
        if with_sentiment:
            return out[0].numpy(), out[1].numpy()
        return out.numpy(), None


class LocalTextSignals:
    """:class:`qa_coach.domain.signals.TextSignals` on the packaged encoder, CPU, offline."""

    def __init__(
        self,
        tokenizer,
        backend: Backend,
        *,
        batch_size: int = 64,
        cache_size: int = 8192,
        tagger: TurnTagger | None = None,
    ) -> None:
        self._tokenizer = tokenizer
        self._tagger = tagger  # None: the shipped heads, loaded when tags are first asked for
        self.backend = backend
        self._batch_size = batch_size
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[np.ndarray, Sentiment | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.dim = backend.dim

    def analyze(
        self, texts: Sequence[str], roles: Sequence[Role] | None = None, *, sentiment: bool = True
    ) -> TextAnalysis:
        if roles is not None and len(roles) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(roles)} roles")
        entries = self._lookup(list(texts), with_sentiment=sentiment)
        embeddings = self._stack(entries)
        return TextAnalysis(
            embeddings=embeddings,
            sentiments=tuple(s for _, s in entries) if sentiment else (),  # type: ignore[misc]
            tags=self.turn_tagger().tag(embeddings, roles) if roles is not None else None,
        )

    def tag_thresholds(self) -> np.ndarray:
        return self.turn_tagger().thresholds

    def turn_tagger(self) -> TurnTagger:
        """The tagger's heads (the shipped ones unless others were given), loaded once."""
        if self._tagger is None:
            from qa_coach.ml.turn_tagger import default_turn_tagger

            self._tagger = default_turn_tagger()
        return self._tagger

    def clear_cache(self) -> None:
        """Forget every text computed so far (a benchmark starts each timing cold)."""
        with self._lock:
            self._cache.clear()

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
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            width = len(ids[idx[-1]])
            input_ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            emb, probs = self.backend.run(input_ids, mask, with_sentiment)
            for row, i in enumerate(idx):
                sentiment = Sentiment(*map(float, probs[row])) if probs is not None else None
                self._cache[texts[i]] = (np.array(emb[row], dtype=np.float32), sentiment)


@cache
def load_text_signals() -> LocalTextSignals:
    """The process-wide adapter: the tokenizer and the ONNX graphs load once.

    ``$QA_COACH_THREADS`` sets ONNX Runtime's thread count (default: one per core).
    """
    from qa_coach.ml.encoder import load_tokenizer
    from qa_coach.ml.onnx_encoder import OnnxBackend, model_dir
    from qa_coach.settings import get_settings

    return LocalTextSignals(load_tokenizer(), OnnxBackend(model_dir(), threads=get_settings().threads))
