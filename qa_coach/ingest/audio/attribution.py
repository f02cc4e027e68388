"""Whether each transcribed word sits on a channel where someone was actually talking.

An independent check of stereo speaker attribution that needs no reference transcript:
a word counts as rightly attributed when its speaker's channel carries voice-level energy
(at least ``level`` × that channel's loud-speech energy) within ``slack`` seconds of the
word. Crosstalk that leaks into the other channel at a low level, or words invented in
silence, fail it; Whisper's word times, often a few tenths of a second late at the end
of a stretch of speech, and quiet backchannels under the other party's speech, pass.
Comparing the two channels' energy directly would count those as errors.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qa_coach.domain.interaction import Role

from .decode import SAMPLE_RATE
from .turns import TimedWord

_FRAME = 320  # 20 ms


def _frame_energy(x: np.ndarray) -> np.ndarray:
    n = len(x) // _FRAME
    frames = np.asarray(x[: n * _FRAME], dtype=np.float64).reshape(n, _FRAME)
    return np.mean(np.square(frames), axis=1)


def word_attribution(
    words: Sequence[tuple[TimedWord, Role]],
    channels: Sequence[np.ndarray],
    agent_channel: int = 0,
    *,
    slack: float = 0.5,
    level: float = 0.05,
) -> tuple[int, int]:
    """(words whose speaker's channel was voiced around them, words checked)."""
    channel_of = {Role.AGENT: agent_channel, Role.CUSTOMER: 1 - agent_channel}
    energy = [_frame_energy(ch) for ch in channels]
    loud = [float(np.percentile(e, 95)) if len(e) else 0.0 for e in energy]
    per_second = SAMPLE_RATE / _FRAME
    right = checked = 0
    for w, role in words:
        ch = channel_of[role]
        a = max(0, int((w.start - slack) * per_second))
        b = int((w.end + slack) * per_second) + 1
        window = energy[ch][a:b]
        checked += 1
        right += bool(len(window)) and float(window.max()) >= level * loud[ch]
    return right, checked
