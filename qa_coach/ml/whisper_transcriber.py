"""openai-whisper as a transcriber: packaged weights offline, official names online."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from qa_coach.domain.errors import ModelMissingError, QACoachError
from qa_coach.ml.whisper_checkpoint import PACKAGED_MODELS, packaged_checkpoint

DEFAULT_MODEL = "base"
FAST_MODEL = "tiny.en"


@dataclass(frozen=True)
class Word:
    text: str  # as Whisper wrote it: a leading space marks a new word ("-0" continues one)
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class DecodeSettings:
    language: str | None = "en"  # None: let Whisper detect it
    word_timestamps: bool = True
    beam_size: int | None = None  # None: greedy with temperature fallback
    condition_on_previous_text: bool = True


def _alignment_mask(heads: list[list[int]], n_layer: int, n_head: int):
    import torch

    mask = torch.zeros(n_layer, n_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    return mask.to_sparse()


@lru_cache(maxsize=2)
def load_whisper(name: str = DEFAULT_MODEL):
    """The openai-whisper model ``name``: a packaged model (``base``, ``tiny.en``), a
    checkpoint path, or an official name that whisper downloads itself (needs a network)."""
    import torch
    import whisper

    if name in PACKAGED_MODELS:
        path = packaged_checkpoint(name)
        model = whisper.load_model(str(path), device="cpu")
        heads = torch.load(path, map_location="cpu", weights_only=True, mmap=True)[
            "alignment_heads"
        ]
        if heads:
            model.register_buffer(
                "alignment_heads",
                _alignment_mask(heads, model.dims.n_text_layer, model.dims.n_text_head),
                persistent=False,
            )
        return model.eval()
    if os.path.isfile(name):
        try:
            return whisper.load_model(name, device="cpu").eval()
        except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint
            raise ModelMissingError(f"cannot load Whisper checkpoint {name}: {exc}") from None
    if name in whisper.available_models():
        try:
            return whisper.load_model(name, device="cpu").eval()
        except Exception as exc:  # noqa: BLE001 - download or checksum failure
            raise ModelMissingError(
                f"Whisper '{name}' is not packaged and could not be downloaded ({exc}). "
                f"Without a network use --model {DEFAULT_MODEL} or --model {FAST_MODEL}."
            ) from None
    known = sorted(set(PACKAGED_MODELS) | set(whisper.available_models()))
    raise ModelMissingError(f"unknown Whisper model '{name}'; choose one of {', '.join(known)}")


class WhisperTranscriber:
    """Transcribes 16 kHz float32 arrays; times are seconds from the array's start."""

    def __init__(self, model_name: str = DEFAULT_MODEL, settings: DecodeSettings = DecodeSettings()):
        if model_name.endswith(".en") and settings.language not in (None, "en"):
            raise QACoachError(
                f"Whisper {model_name} understands English only; "
                f"use --model {DEFAULT_MODEL} for language '{settings.language}'"
            )
        self.model_name = model_name
        self.settings = settings
        self.model = load_whisper(model_name)

    def transcribe(self, audio: np.ndarray) -> list[Segment]:
        import torch

        if len(audio) == 0:
            return []
        s = self.settings
        kwargs: dict[str, Any] = dict(
            language=s.language,
            task="transcribe",
            fp16=False,
            verbose=None,
            word_timestamps=s.word_timestamps,
            condition_on_previous_text=s.condition_on_previous_text,
        )
        if s.beam_size:
            kwargs.update(beam_size=s.beam_size, best_of=s.beam_size)
        with torch.inference_mode():
            result = self.model.transcribe(np.ascontiguousarray(audio, np.float32), **kwargs)
        return [_segment(seg) for seg in result["segments"] if seg["text"].strip()]


def _segment(seg: dict) -> Segment:
    words = tuple(
        Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("probability", 1.0)))
        for w in seg.get("words") or ()
        if w["word"].strip()
    )
    return Segment(
        start=float(seg["start"]),
        end=float(seg["end"]),
        text=seg["text"].strip(),
        words=words,
        avg_logprob=float(seg.get("avg_logprob", 0.0)),
        no_speech_prob=float(seg.get("no_speech_prob", 0.0)),
    )
