"""Where someone is speaking, per channel: silero-vad (its model ships in the package).

Each channel is read in one unbroken pass, window by window as silero-vad's own
``get_speech_timestamps`` does. With onnxruntime installed, the pass runs silero's
sequence model (``silero_vad_16k_sequence.onnx``, shipped in the package): the same
network over many windows per call, state carried between calls, probabilities within
1e-5 of the window-by-window TorchScript model and about ten times faster; without it,
the TorchScript model reads one window per call (the channels side by side as a batch).
An earlier version cut channels into 60 s blocks run in parallel, each with 1.5 s of
warm-up, but the model's recurrent state carries history well beyond that: on the AWS
caller channel it found 84 s of speech where an unbroken pass finds 89 s. Talk time is
measured from what is found here.
The hysteresis that turns window probabilities
into regions follows silero's (speech starts at ``threshold``, ends below
``threshold - 0.15`` held for ``min_silence_ms``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from qa_coach.domain.errors import ModelMissingError

from .decode import SAMPLE_RATE

WINDOW = 512  # samples per silero window at 16 kHz (32 ms)
_CONTEXT = 64  # samples of the previous window the model also reads
_PROGRESS_EVERY = 1875  # windows (60 s) per progress report and per sequence-model call
_SEQUENCE_MODEL = "silero_vad_16k_sequence.onnx"


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
def _silero():
    """The silero_vad package, imported without its side effect on the process: its model
    module calls ``torch.set_num_threads(1)`` on import, which would leave Whisper (run
    after voice activity) on one of the machine's cores."""
    import torch

    threads = torch.get_num_threads()
    try:
        import silero_vad
    except ImportError:
        raise ModelMissingError(
            "voice activity detection needs the package 'silero-vad'. "
            "Install it with: pip install --no-deps silero-vad==6.2.3"
        ) from None
    finally:
        torch.set_num_threads(threads)
    return silero_vad


@lru_cache(maxsize=1)
def _model():
    import warnings

    load_silero_vad = _silero().load_silero_vad
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


@lru_cache(maxsize=1)
def _sequence_session():
    """onnxruntime session of silero's sequence model, or None without onnxruntime."""
    try:
        import onnxruntime
    except ImportError:
        return None
    # found, not imported: the package imports PyTorch, which this model does not need
    import importlib.util

    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        _silero()  # raises the error that names the package to install
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / _SEQUENCE_MODEL
    if not path.is_file():
        return None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # see _one_thread
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def speech_probabilities(
    channels: Sequence[np.ndarray], *, progress: Callable[[float], None] | None = None
) -> list[np.ndarray]:
    """Per channel, the speech probability of every 512-sample window."""
    session = _sequence_session()
    if session is None:
        return _window_probabilities(channels, progress=progress)
    # The channels are independent and the model runs on one thread: the other channels run
    # beside the first (ONNX Runtime releases the GIL), which reports the progress.
    first = max(1, len(channels[0]) // WINDOW) if channels else 1
    report = (lambda n: progress(n / first)) if progress else (lambda n: None)
    with ThreadPoolExecutor(max_workers=max(1, len(channels) - 1)) as pool:
        others = [pool.submit(_sequence_probabilities, session, x, lambda n: None) for x in channels[1:]]
        out = [_sequence_probabilities(session, channels[0], report)] if channels else []
        out += [f.result() for f in others]
    if progress:
        progress(1.0)
    return out


def _sequence_probabilities(session, x: np.ndarray, advanced: Callable[[int], object]) -> np.ndarray:
    n = len(x) // WINDOW
    padded = np.concatenate([np.zeros(_CONTEXT, np.float32), np.asarray(x[: n * WINDOW], np.float32)])
    offsets = np.arange(WINDOW + _CONTEXT)[None, :]
    h = np.zeros((1, 1, 128), np.float32)
    c = np.zeros((1, 1, 128), np.float32)
    out = np.zeros(n, np.float32)
    for first in range(0, n, _PROGRESS_EVERY):
        last = min(n, first + _PROGRESS_EVERY)
        frames = padded[np.arange(first, last)[:, None] * WINDOW + offsets]
        out[first:last], h, c = session.run(None, {"input": frames, "h": h, "c": c})
        advanced(last)
    return out


def _window_probabilities(
    channels: Sequence[np.ndarray], *, progress: Callable[[float], None] | None = None
) -> list[np.ndarray]:
    """The TorchScript model, one window per call (all channels as one batch)."""
    import torch

    model = _model()
    n_windows = [len(x) // WINDOW for x in channels]
    total = max(n_windows, default=0)
    data = np.zeros((len(channels), total * WINDOW), dtype=np.float32)
    for row, x in enumerate(channels):
        data[row, : n_windows[row] * WINDOW] = x[: n_windows[row] * WINDOW]
    x = torch.from_numpy(data)
    probs = np.zeros((len(channels), total), dtype=np.float32)
    with _one_thread(), torch.inference_mode():
        model.reset_states()
        for w in range(total):
            probs[:, w] = model(x[:, w * WINDOW : (w + 1) * WINDOW], SAMPLE_RATE)[:, 0].numpy()
            if progress and (w + 1) % _PROGRESS_EVERY == 0:
                progress((w + 1) / total)
    if progress:
        progress(1.0)
    return [probs[row, :n] for row, n in enumerate(n_windows)]


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


def reference_speech_seconds(samples: np.ndarray, settings: VadSettings = VadSettings()) -> float:
    """Speech seconds in one 16 kHz channel by silero-vad's own ``get_speech_timestamps``
    with the same thresholds: an independent measure to check talk times against."""
    import torch

    stamps = _silero().get_speech_timestamps(
        torch.tensor(samples, dtype=torch.float32), _model(),  # a copy: decoded audio may be read-only
        threshold=settings.threshold, min_speech_duration_ms=settings.min_speech_ms,
        min_silence_duration_ms=settings.min_silence_ms, speech_pad_ms=settings.speech_pad_ms,
        sampling_rate=SAMPLE_RATE, return_seconds=True,
    )
    return float(sum(t["end"] - t["start"] for t in stamps))
