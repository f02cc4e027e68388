"""Call metrics: exact answers on known intervals, and VAD-measured on placed speech."""

from __future__ import annotations

import numpy as np
import pytest

from qa_coach.domain.call_metrics import compute_call_metrics, gaps, intersection, union
from qa_coach.domain.signals import Sentiment


def test_interval_helpers():
    assert union([(3, 4), (0, 1), (0.5, 2)]) == [(0, 2), (3, 4)]
    assert intersection([(0, 5)], [(1, 2), (4, 6)]) == [(1, 2), (4, 5)]
    assert gaps([(0, 1), (4, 5), (5, 6)]) == [(1, 4)]


def test_known_answers():
    # Agent: 0-10, 20-30 (20 s). Customer: 9-12, 45-50 (8 s); overlap 9-10.
    # Gaps where nobody speaks: 12-20 (8 s), 30-45 (15 s); 50-60 is trailing, not counted.
    m = compute_call_metrics(
        duration=60.0,
        agent_speech=[(0, 10), (20, 30)],
        customer_speech=[(9, 12), (45, 50)],
        overtalk_measurable=True,
        agent_words=50,
        customer_sentiments=[(5, Sentiment(0.8, 0.2, 0.0)), (47, Sentiment(0.0, 0.2, 0.8)),
                             (48, Sentiment(0.0, 0.6, 0.4))],
    )
    assert m.agent_talk == 20 and m.customer_talk == 8
    assert m.agent_talk_share == pytest.approx(20 / 28)
    assert m.talk_listen_ratio == pytest.approx(2.5)
    assert (m.silence_count, m.longest_silence, m.total_silence) == (2, 15, 23)
    assert m.long_silence_count == 1
    assert m.silences == ((12, 20), (30, 45))
    assert (m.overtalk_count, m.longest_overtalk, m.total_overtalk) == (1, 1, 1)
    assert m.agent_words_per_minute == pytest.approx(150)
    assert m.customer_sentiment_by_quarter == (-0.8, None, None, pytest.approx(0.6))


def test_threshold_and_mono():
    m = compute_call_metrics(
        duration=20.0, agent_speech=[(0, 5), (6.5, 8)], customer_speech=[(11, 12)],
        overtalk_measurable=False, silence_threshold=1.0,
    )
    assert m.silence_count == 2 and m.total_silence == pytest.approx(4.5)
    assert m.overtalk_count is None and m.agent_words_per_minute == 0.0


def test_no_speech_at_all():
    m = compute_call_metrics(duration=5.0, agent_speech=[], customer_speech=[], overtalk_measurable=True)
    assert m.agent_talk == 0 and m.agent_talk_share is None and m.silence_count == 0
    assert m.agent_words_per_minute is None


@pytest.mark.slow  # silero's voice-activity model
def test_vad_measures_placed_speech(extdata):
    """Real speech placed at known times on two channels: talk, silence, overtalk."""
    from qa_coach.domain.call_metrics import total
    from qa_coach.ingest.audio.decode import SAMPLE_RATE, decode_audio
    from qa_coach.ingest.audio.vad import speech_regions

    clip = np.asarray(decode_audio(extdata("audio", "whisper", "jfk.flac")).channels[0])
    word = clip[int(0.3 * SAMPLE_RATE): int(1.9 * SAMPLE_RATE)]  # "And so my fellow"
    sr = SAMPLE_RATE
    left = np.zeros(20 * sr, np.float32)
    right = np.zeros(20 * sr, np.float32)
    left[2 * sr: 2 * sr + len(word)] = word
    right[3 * sr: 3 * sr + len(word)] = word  # overlaps the left one
    left[12 * sr: 12 * sr + len(word)] = word  # 12 - (3 + len) s gap before it
    a, c = speech_regions([left, right])
    m = compute_call_metrics(
        duration=20.0, agent_speech=[(r.start, r.end) for r in a],
        customer_speech=[(r.start, r.end) for r in c], overtalk_measurable=True,
    )
    speech = total([(0.0, len(word) / sr)])  # what the VAD finds in the clip alone
    alone = speech_regions([word])[0]
    alone_talk = sum(r.duration for r in alone)
    assert m.agent_talk == pytest.approx(2 * alone_talk, abs=0.15)
    assert m.customer_talk == pytest.approx(alone_talk, abs=0.1)
    assert m.silence_count == 1 and m.long_silence_count == 0
    assert m.longest_silence == pytest.approx(12 - (3 + speech), abs=0.4)
    assert m.overtalk_count == 1
    assert m.longest_overtalk == pytest.approx(2 + speech - 3, abs=0.4)


@pytest.mark.slow  # silero's voice-activity model
def test_vad_sequence_model_reads_as_the_window_model(extdata):
    """silero's ONNX sequence model (chunks with the state carried over) gives the
    probabilities of the TorchScript model read one window at a time, channel by channel."""
    from qa_coach.ingest.audio import vad
    from qa_coach.ingest.audio.decode import SAMPLE_RATE, decode_audio

    if vad._sequence_session() is None:
        pytest.skip("onnxruntime is not installed: the window-by-window model is used")
    clip = np.asarray(decode_audio(extdata("audio", "whisper", "jfk.flac")).channels[0])
    long = np.concatenate([clip] * 7)[: 70 * SAMPLE_RATE]  # more than one sequence call
    channels = [long, clip]
    seen: list[float] = []
    fast = vad.speech_probabilities(channels, progress=seen.append)
    slow = vad._window_probabilities(channels)
    assert [len(p) for p in fast] == [len(p) for p in slow] == [len(x) // vad.WINDOW for x in channels]
    for a, b in zip(fast, slow):
        assert np.abs(a - b).max() < 1e-4
        assert (a > 0.5).mean() > 0.3  # there is speech in it
    assert seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.slow  # silero's voice-activity model
def test_voice_activity_leaves_torch_threads_alone():
    """silero-vad sets torch to one thread when imported; Whisper, which runs after voice
    activity, must keep the process's threads (it ran at half speed on two cores)."""
    import subprocess
    import sys

    code = (
        "import numpy as np, torch\n"
        "torch.set_num_threads(2)\n"
        "from qa_coach.ingest.audio import vad\n"
        "vad.speech_regions([np.zeros(16000, np.float32)], vad.VadSettings())\n"
        "vad.reference_speech_seconds(np.zeros(16000, np.float32))\n"
        "import silero_vad\n"
        "print(torch.get_num_threads())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "2"
