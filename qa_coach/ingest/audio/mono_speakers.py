"""Telling agent from customer in a mono recording (no speaker model ships in a package).

Method: cut the speech into 1.5 s windows, describe each window by the mean and spread of
its cepstrum (the spectral envelope of the voice, loudness left out), split the windows into two groups with
k-means, and smooth the labels so a speaker does not flip inside a short stretch. Each word
takes the label of the window under its midpoint. The group that says an agent opener
("thank you for calling", "how can I help") is the agent; without one, the group that speaks
first. Confidence per window is how much closer it lies to its own group's centre than to
the other's, mapped into 0.5–0.95: never 1.0, because this is a guess from voice timbre.

Accuracy is modest (see README): two voices of similar timbre, short backchannels and
overlapping speech are often mislabelled, and the agent/customer choice can be wrong when
no one says an opener.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qa_coach.domain.interaction import Role

from .decode import SAMPLE_RATE
from .vad import SpeechRegion

WINDOW_SECONDS = 1.5


@dataclass(frozen=True)
class SpeakerWindow:
    start: float
    end: float
    group: int
    confidence: float


def _features(samples: np.ndarray, windows: Sequence[tuple[float, float]]) -> np.ndarray:
    """Mean and spread of the cepstrum (c1..c19) over the louder half of each window's
    frames: the spectral envelope of the voice, with loudness (c0) left out."""
    import torch
    import whisper
    from scipy.fft import dct

    feats = []
    for s, e in windows:
        piece = np.array(samples[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)], dtype=np.float32)
        mel = whisper.log_mel_spectrogram(torch.from_numpy(piece)).numpy()  # (80, frames)
        energy = mel.mean(axis=0)
        voiced = mel[:, energy >= np.median(energy)] if mel.shape[1] > 4 else mel
        cep = dct(voiced, axis=0, norm="ortho")[1:20]
        feats.append(np.concatenate([cep.mean(axis=1), cep.std(axis=1)]))
    return np.asarray(feats)


def speaker_windows(samples: np.ndarray, regions: Sequence[SpeechRegion]) -> list[SpeakerWindow]:
    windows: list[tuple[float, float]] = []
    for r in regions:
        n = max(1, int(round(r.duration / WINDOW_SECONDS)))
        step = r.duration / n
        windows += [(r.start + k * step, r.start + (k + 1) * step) for k in range(n)]
    if not windows:
        return []
    if len(windows) < 4:
        return [SpeakerWindow(s, e, 0, 0.5) for s, e in windows]
    from sklearn.cluster import KMeans

    x = _features(samples, windows)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    km = KMeans(n_clusters=2, n_init=10, random_state=0).fit(x)
    dist = km.transform(x)  # (n, 2)
    # Smooth: a window's group is the distance-weighted vote of itself and its neighbours
    # within the same stretch of speech.
    score = dist[:, 1] - dist[:, 0]  # > 0: closer to group 0
    smoothed = score.copy()
    for i in range(1, len(windows)):
        if abs(windows[i][0] - windows[i - 1][1]) < 0.05:  # same stretch of speech
            smoothed[i] += 0.5 * score[i - 1]
            smoothed[i - 1] += 0.5 * score[i]
    out = []
    for (s, e), sc, d in zip(windows, smoothed, dist):
        group = 0 if sc > 0 else 1
        margin = abs(d[0] - d[1]) / (d[0] + d[1] + 1e-9)
        out.append(SpeakerWindow(float(s), float(e), group, round(float(min(0.95, 0.5 + margin)), 3)))
    return out


def group_at(windows: Sequence[SpeakerWindow], t: float) -> SpeakerWindow | None:
    best = None
    for w in windows:
        if w.start <= t <= w.end:
            return w
        if best is None or min(abs(w.start - t), abs(w.end - t)) < min(
            abs(best.start - t), abs(best.end - t)
        ):
            best = w
    return best


def roles_for_groups(first_group: int | None, opener_groups: Sequence[int]) -> dict[int, Role]:
    """Group → role: the group that said an agent opener, else the one that spoke first."""
    if opener_groups:
        agent = max(set(opener_groups), key=list(opener_groups).count)
    else:
        agent = first_group if first_group is not None else 0
    return {agent: Role.AGENT, 1 - agent: Role.CUSTOMER}
