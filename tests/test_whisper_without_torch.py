"""The fast engine's pieces that replace openai-whisper's PyTorch code, held to openai-whisper's
own functions: the log-mel features, the tokenizer read from the package, and the word
times from an alignment; and the fast path never imports PyTorch."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _jfk(extdata) -> np.ndarray:
    from qa_coach.ingest.audio.decode import decode_audio

    return decode_audio(extdata("audio", "whisper", "jfk.flac")).channels[0]


@pytest.mark.parametrize("padding", [0, 480_000])
def test_log_mel_matches_openai_whisper(extdata, padding):
    import torch
    from whisper.audio import log_mel_spectrogram as theirs

    from qa_coach.ml.log_mel import log_mel_spectrogram

    audio = _jfk(extdata)
    ours = log_mel_spectrogram(audio, 80, padding=padding)
    ref = theirs(torch.from_numpy(np.array(audio, np.float32)), 80, padding=padding).numpy()
    assert ours.shape == ref.shape and ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-4


def test_tokenizer_is_openai_whispers():
    from whisper.tokenizer import get_tokenizer as theirs

    from qa_coach.ml.whisper_package import get_tokenizer

    text = " Hello, it's order 10001-90210; ¿qué tal? Bye-bye."
    for multilingual in (True, False):
        a = get_tokenizer(multilingual, num_languages=99, language="en", task="transcribe")
        b = theirs(multilingual, num_languages=99, language="en", task="transcribe")
        tokens = a.encode(text)
        assert tokens == b.encode(text) and a.decode(tokens) == text
        assert a.sot_sequence == b.sot_sequence and a.timestamp_begin == b.timestamp_begin
        assert a.split_to_word_tokens(tokens + [a.eot]) == b.split_to_word_tokens(tokens + [b.eot])


def _their_word_timestamps(segments, tokenizer, timings, last_speech):
    import whisper.timing

    from qa_coach.ml.whisper_transcriber import _rebound

    theirs = [whisper.timing.WordTiming(t.word, list(t.tokens), t.start, t.end, t.probability) for t in timings]
    add = _rebound(whisper.timing.add_word_timestamps, find_alignment=lambda *a, **k: theirs)
    add(segments=segments, model=None, tokenizer=tokenizer, mel=None, num_frames=3000,
        last_speech_timestamp=last_speech)


def test_word_times_follow_openai_whispers_rules():
    """Random alignments over real text (punctuation to merge, long words at sentence ends
    and after pauses, segment edges to trim): every word, time and segment edge as
    openai-whisper's ``add_word_timestamps`` sets them."""
    from qa_coach.ml.whisper_package import get_tokenizer
    from qa_coach.ml.word_timing import WordTiming, add_word_timestamps

    tokenizer = get_tokenizer(True, num_languages=99, language="en", task="transcribe")
    sentences = [' "Well," she said (quietly), "it\'s fine." Then: nothing!', " ¿Sí? Okay... 2019, right?",
                 " Got it. You know, believe it or not - this happens.", " Mm-hmm."]
    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(60):
        picked = [sentences[i] for i in rng.permutation(len(sentences))[: 1 + trial % len(sentences)]]
        token_lists = [tokenizer.encode(s) for s in picked]
        words, word_tokens = tokenizer.split_to_word_tokens([t for ts in token_lists for t in ts] + [tokenizer.eot])
        edges = np.cumsum(rng.choice([0.0, 0.02, 0.1, 0.3, 1.6], size=len(words) + 1))
        timings = [WordTiming(w, list(t), float(round(edges[i], 2)), float(round(edges[i + 1], 2)), float(rng.random()))
                   for i, (w, t) in enumerate(zip(words[:-1], word_tokens[:-1]))]
        segments, start = [], 0.0
        for ts in token_lists:
            segments.append({"seek": 0, "start": start + float(rng.choice([0.0, 0.7])), "end": start + 3.0,
                             "tokens": [tokenizer.timestamp_begin, *ts], "text": tokenizer.decode(ts)})
            start += 3.0
        theirs = copy.deepcopy(segments)
        last_speech = float(rng.choice([0.0, 2.0]))
        _their_word_timestamps(theirs, tokenizer, timings, last_speech)
        add_word_timestamps(segments, tokenizer, copy.deepcopy(timings), last_speech_timestamp=last_speech)
        assert segments == theirs
        checked += sum(len(s["words"]) for s in segments)
    assert checked > 300


_NO_TORCH = """
import sys
from qa_coach.ingest.audio.decode import decode_audio
from qa_coach.ml.whisper_fast import FastWhisperTranscriber
words = [w for s in FastWhisperTranscriber("tiny.en").transcribe(decode_audio(sys.argv[1]).channels[0]) for w in s.words]
assert len(words) > 15, words
print(sorted(m for m in ("torch", "whisper") if m in sys.modules))
"""


def test_the_fast_engine_never_imports_pytorch(extdata):
    out = subprocess.run([sys.executable, "-c", _NO_TORCH, str(extdata("audio", "whisper", "jfk.flac"))],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
