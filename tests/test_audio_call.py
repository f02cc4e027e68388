"""Whole calls: stereo roles and attribution, swapped channels, silence, one silent channel."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from qa_coach.domain.interaction import Role
from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call, transcribe_call_detailed

from .audio_synth import read_wav16, write_wav16

pytestmark = pytest.mark.slow  # transcribes calls with Whisper

FAST = TranscribeOptions(model="tiny.en")
SLICE = (0.0, 45.0)  # seconds of the AWS call used in tests


def _aws_stereo(extdata, tmp_path, swap: bool = False):
    folder = ("audio", "aws_lca_call_recordings")
    agent, rate = read_wav16(extdata(*folder, "Auto_Repairs_49_UTC_agent.wav"))
    caller, _ = read_wav16(extdata(*folder, "Auto_Repairs_49_UTC_caller.wav"))
    a, b = (int(s * rate) for s in SLICE)
    pair = [agent[0, a:b], caller[0, a:b]]
    if swap:
        pair.reverse()
    return write_wav16(tmp_path / ("swapped.wav" if swap else "call.wav"), np.stack(pair), rate), pair


@pytest.fixture(scope="module")
def aws_call(tmp_path_factory):
    from tests.conftest import require_extdata

    path, _ = _aws_stereo(require_extdata, tmp_path_factory.mktemp("aws"))
    return path, transcribe_call_detailed(path, options=FAST)


def test_stereo_roles_and_attribution(aws_call):
    from qa_coach.ingest.audio.attribution import word_attribution
    from qa_coach.ingest.audio.decode import decode_audio

    path, result = aws_call
    it = result.interaction
    assert it.metadata["speaker_method"] == "stereo channels"
    assert it.metadata["warnings"] == []
    agent_text = " ".join(t.text for t in it.turns_by(Role.AGENT)).lower()
    customer_text = " ".join(t.text for t in it.turns_by(Role.CUSTOMER)).lower()
    assert "how can i help" in agent_text
    assert "suzanne" in customer_text or "oil" in customer_text
    assert it.turns[0].role is Role.AGENT and it.turns[0].start < 1.0
    roles = [t.role for t in it.turns]
    assert roles.count(Role.AGENT) >= 2 and roles.count(Role.CUSTOMER) >= 2
    starts = [t.start for t in it.turns]
    assert starts == sorted(starts)
    channels = decode_audio(path).channels
    right, checked = word_attribution(result.words, channels)
    assert checked > 80 and right / checked >= 0.98
    # The check can fail: with the roles swapped, most words land on a quiet channel.
    wrong, _ = word_attribution(result.words, channels, agent_channel=1)
    assert wrong / checked < 0.7


def _voice_activity_of_file(path, seconds: float) -> float:
    from qa_coach.ingest.audio.decode import SAMPLE_RATE, decode_audio
    from qa_coach.ingest.audio.vad import reference_speech_seconds

    return reference_speech_seconds(decode_audio(path).channels[0][: int(seconds * SAMPLE_RATE)])


def test_stereo_talk_time_matches_each_source_channel(aws_call, extdata):
    """Talk time of the stereo call's interaction vs voice activity measured on its own on
    each source channel file (not the pipeline's pass over the stereo file)."""
    _, result = aws_call
    m = result.interaction.metrics
    folder = ("audio", "aws_lca_call_recordings")
    agent = _voice_activity_of_file(extdata(*folder, "Auto_Repairs_49_UTC_agent.wav"), SLICE[1])
    caller = _voice_activity_of_file(extdata(*folder, "Auto_Repairs_49_UTC_caller.wav"), SLICE[1])
    assert m.agent_talk == pytest.approx(agent, rel=0.02)
    assert m.customer_talk == pytest.approx(caller, rel=0.02)
    assert m.duration == pytest.approx(SLICE[1] - SLICE[0], abs=0.01)
    assert m.overtalk_count is not None and 100 < m.agent_words_per_minute < 300


def test_swapped_channels_warn(extdata, tmp_path):
    path, _ = _aws_stereo(extdata, tmp_path, swap=True)
    # Only the first 10 s: the greeting is enough for the check.
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        frames = w.readframes(rate * 10)
    short = tmp_path / "short.wav"
    with wave.open(str(short), "wb") as out:
        out.setnchannels(2), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes(frames)
    it = transcribe_call(short, options=FAST)
    assert any("look swapped" in w for w in it.metadata["warnings"])
    fixed = transcribe_call(short, options=TranscribeOptions(model="tiny.en", agent_channel=1))
    assert not any("swapped" in w for w in fixed.metadata["warnings"])
    assert "how can i help" in " ".join(t.text for t in fixed.turns_by(Role.AGENT)).lower()


def test_pure_silence_is_an_interaction_without_turns(tmp_path):
    path = write_wav16(tmp_path / "silence.wav", np.zeros((2, 8000 * 5), np.float32), 8000)
    it = transcribe_call(path, options=FAST)
    assert it.turns == () and it.metadata["no_speech"] is True and it.metrics is None


def test_one_silent_channel(extdata, tmp_path):
    speech, rate = read_wav16(extdata("audio", "speech_recognition", "english.wav"))
    path = write_wav16(tmp_path / "one.wav", np.stack([np.zeros_like(speech[0]), speech[0]]), rate)
    it = transcribe_call(path, options=FAST)
    assert any("channel 0" in w and "silent" in w for w in it.metadata["warnings"])
    assert it.turns and all(t.role is Role.CUSTOMER for t in it.turns)
    assert it.metrics.agent_talk == 0 and it.metrics.customer_talk > 1.0


def test_mono_two_speakers_are_told_apart(extdata):
    """katiesteve.wav: mono, two voices. The method's features were chosen while looking
    at this clip, so this guards against regressions; it is not an accuracy claim."""
    import csv
    import difflib
    import re

    path = extdata("audio", "azure_speech_sdk", "katiesteve.wav")
    result = transcribe_call_detailed(path, options=FAST)
    it = result.interaction
    assert it.metadata["speaker_method"] == "mono voice clustering"
    assert it.metrics.overtalk_count is None
    assert {t.role for t in it.turns} == {Role.AGENT, Role.CUSTOMER}
    assert all(0.5 <= t.speaker_confidence < 1 for t in it.turns)
    assert it.turns[0].role is Role.AGENT  # no opener said: the first speaker is the agent

    def norm(text: str) -> list[str]:
        return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()

    rows = csv.DictReader(path.with_suffix(".ref.tsv").open(), delimiter="\t")
    ref = [(w, r["speaker"]) for r in rows for w in norm(r["text"])]
    hyp = [(w, role) for tw, role in result.words for w in norm(tw.text)]
    sm = difflib.SequenceMatcher(a=[w for w, _ in ref], b=[w for w, _ in hyp], autojunk=False)
    pairs = [(ref[i + k][1], hyp[j + k][1]) for i, j, n in sm.get_matching_blocks() for k in range(n)]
    agree = sum((r == "A") == (h is Role.AGENT) for r, h in pairs) / len(pairs)
    assert len(pairs) > 50 and agree >= 0.9
