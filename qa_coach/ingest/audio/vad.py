"""Where someone is speaking, per channel: silero-vad (its model ships in the package).

silero-vad's own ``get_speech_timestamps`` feeds one 32 ms window at a time. Here every
channel is cut into 60 s blocks and the blocks run side by side as one batch (each block
starts with a fresh state and first re-reads the 1.5 s before it, whose outputs are
dropped, so the state has settled where its own windows begin), which is several times
faster on two cores. The model's state carries history beyond the warm-up, so the
probabilities differ slightly from one unbroken pass: on the AWS caller channel this
finds 84 s of speech where an unbroken pass finds 89 s (it misses a few short "okay"s).
Whatever is found here is what talk time is measured from.
The hysteresis that turns window probabilities
into regions follows silero's (speech starts at ``threshold``, ends below
``threshold - 0.15`` held for ``min_silence_ms``).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator, Sequence

import numpy as np

from qa_coach.domain.errors import ModelMissingError

from .decode import SAMPLE_RATE

WINDOW = 512  # samples per silero window at 16 kHz (32 ms)
_BLOCK_WINDOWS = 1875  # 60 s per block
_WARMUP_WINDOWS = 47  # each block first re-reads the 1.5 s before it, to settle the state
_BATCH = 16  # blocks per model call (16 × 62 s × 4 bytes × 16 kHz ≈ 64 MB)


@dataclass(frozen=True)
class SpeechRegion:
    start: float  # seconds on the recording's timeline
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5
    min_speech_ms: int = 250
    min_silence_ms: int = 300
    speech_pad_ms: int = 30


@lru_cache(maxsize=1)
def _model():
    try:
        from silero_vad import load_silero_vad
    except ImportError:
        raise ModelMissingError(
            "voice activity detection needs the package 'silero-vad'. "
            "Install it with: pip install --no-deps silero-vad==6.2.3"
        ) from None
    import warnings

    with warnings.catch_warnings():  # deprecation notices from inside silero/torch
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_silero_vad()


@contextmanager
def _one_thread() -> Iterator[None]:
    # The model is tiny: with two threads the synchronisation costs more than the work.
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def speech_probabilities(
    channels: Sequence[np.ndarray], *, progress: Callable[[float], None] | None = None
) -> list[np.ndarray]:
    """Per channel, the speech probability of every 512-sample window."""
    import torch

    model = _model()
    step = _BLOCK_WINDOWS * WINDOW
    span = _WARMUP_WINDOWS + _BLOCK_WINDOWS
    jobs = [(ch, off) for ch, x in enumerate(channels) for off in range(0, len(x), step)]
    n_windows = [len(x) // WINDOW for x in channels]
    out = [np.zeros(n, dtype=np.float32) for n in n_windows]
    with _one_thread(), torch.inference_mode():
        for b0 in range(0, len(jobs), _BATCH):
            batch = jobs[b0 : b0 + _BATCH]
            data = np.zeros((len(batch), span * WINDOW), dtype=np.float32)
            for row, (ch, off) in enumerate(batch):
                lead = min(off, _WARMUP_WINDOWS * WINDOW)
                piece = np.asarray(channels[ch][off - lead : off + step], dtype=np.float32)
                at = _WARMUP_WINDOWS * WINDOW - lead
                data[row, at : at + len(piece)] = piece
            x = torch.from_numpy(data)
            model.reset_states()
            probs = torch.empty((len(batch), span))
            for w in range(span):
                probs[:, w] = model(x[:, w * WINDOW : (w + 1) * WINDOW], SAMPLE_RATE)[:, 0]
            p = probs.numpy()[:, _WARMUP_WINDOWS:]
            for row, (ch, off) in enumerate(batch):
                first = off // WINDOW
                n = min(_BLOCK_WINDOWS, n_windows[ch] - first)
                if n > 0:
                    out[ch][first : first + n] = p[row, :n]
            if progress:
                progress(min(1.0, (b0 + len(batch)) / len(jobs)))
    return out


def regions_from_probabilities(
    probs: np.ndarray, total_seconds: float, settings: VadSettings = VadSettings()
) -> tuple[SpeechRegion, ...]:
    """silero-style hysteresis over window probabilities, then padding."""
    win = WINDOW / SAMPLE_RATE
    neg = max(settings.threshold - 0.15, 0.01)
    min_sil = settings.min_silence_ms / 1000
    raw: list[list[float]] = []
    start: float | None = None
    silent_since: float | None = None
    for i, p in enumerate(probs):
        t = i * win
        if p >= settings.threshold:
            silent_since = None
            if start is None:
                start = t
        elif start is not None and p < neg:
            if silent_since is None:
                silent_since = t
            if t + win - silent_since >= min_sil:
                raw.append([start, silent_since])
                start = silent_since = None
    if start is not None:
        raw.append([start, len(probs) * win])
    pad = settings.speech_pad_ms / 1000
    regions: list[SpeechRegion] = []
    for s, e in raw:
        if e - s < settings.min_speech_ms / 1000:
            continue
        s, e = max(0.0, s - pad), min(total_seconds, e + pad)
        if regions and s <= regions[-1].end:
            s = regions.pop().start
        regions.append(SpeechRegion(round(float(s), 3), round(float(e), 3)))
    return tuple(regions)


def speech_regions(
    channels: Sequence[np.ndarray],
    settings: VadSettings = VadSettings(),
    *,
    progress: Callable[[float], None] | None = None,
) -> list[tuple[SpeechRegion, ...]]:
    """Speech regions of each 16 kHz channel."""
    probs = speech_probabilities(channels, progress=progress)
    return [
        regions_from_probabilities(p, len(x) / SAMPLE_RATE, settings)
        for p, x in zip(probs, channels)
    ]


def speech_seconds(regions: Sequence[SpeechRegion]) -> float:
    return float(sum(r.duration for r in regions))
