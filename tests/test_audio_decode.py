"""Decoding every container/codec without ffmpeg, and a clear InputError for bad files."""

from __future__ import annotations

import numpy as np
import pytest

from qa_coach.domain.errors import InputError
from qa_coach.ingest.audio.decode import SAMPLE_RATE, decode_audio

from .audio_synth import encode, tone, wav_header_only, write_wav16

CASES = [
    ("u8.wav", "pcm_u8", 8000, 1),
    ("s16.wav", "pcm_s16le", 11025, 2),
    ("s24.wav", "pcm_s24le", 44100, 2),
    ("f32.wav", "pcm_f32le", 22050, 1),
    ("x.flac", "flac", 48000, 2),
    ("x.mp3", "mp3", 44100, 2),
    ("x.m4a", "aac", 48000, 1),
    ("x.ogg", "libopus", 48000, 2),
]


def _peak_hz(x: np.ndarray) -> float:
    x = np.asarray(x[4000:20000], dtype=np.float64)
    return float(np.argmax(np.abs(np.fft.rfft(x))) * SAMPLE_RATE / len(x))


@pytest.mark.parametrize("name,codec,rate,n_channels", CASES)
def test_decodes_to_16k_float32_per_channel(tmp_path, name, codec, rate, n_channels):
    # Left 440 Hz, right 880 Hz: checks rate conversion and that channels stay apart.
    signal = np.stack([tone(2.0, rate, 440), tone(2.0, rate, 880)])[:n_channels]
    path = encode(tmp_path / name, signal, rate, codec)
    audio = decode_audio(path)
    assert len(audio.channels) == n_channels
    assert audio.channels[0].dtype == np.float32
    assert abs(audio.duration - 2.0) < 0.03
    assert abs(_peak_hz(audio.channels[0]) - 440) < 5
    if n_channels == 2:
        assert abs(_peak_hz(audio.channels[1]) - 880) < 5
    assert audio.info.source_rate == rate


def test_progress_reaches_one(tmp_path):
    path = write_wav16(tmp_path / "p.wav", tone(12.0, 8000)[None], 8000)
    seen: list[float] = []
    decode_audio(path, progress=lambda f, m: seen.append(f))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def _error(path, **kw) -> str:
    with pytest.raises(InputError) as info:
        decode_audio(path, **kw)
    assert str(path) in str(info.value)
    return str(info.value)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert "empty file" in _error(path)


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("Agent: hello\nCustomer: hi there\n" * 10)
    assert "text file" in _error(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert "not a readable audio file" in _error(path)


def test_truncated_wav(tmp_path):
    full = write_wav16(tmp_path / "full.wav", tone(2.0, 16000)[None], 16000).read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(full[: len(full) // 2])
    message = _error(path)
    assert "truncated" in message and "2.0 s" in message


def test_truncated_flac(tmp_path):
    full = encode(tmp_path / "full.flac", np.stack([tone(2.0, 48000)] * 2), 48000, "flac").read_bytes()
    path = tmp_path / "cut.flac"
    path.write_bytes(full[: len(full) // 2])
    assert "truncated" in _error(path) or "corrupt" in _error(path)


def test_two_hour_file_is_refused_from_its_header(tmp_path):
    path = wav_header_only(tmp_path / "long.wav", 2 * 3600 + 60)  # 16 KB on disk
    message = _error(path)
    assert "2:01:00" in message and "limit is 2:00:00" in message


def test_limit_is_configurable(tmp_path):
    path = write_wav16(tmp_path / "three.wav", tone(3.0, 8000)[None], 8000)
    assert "limit is 0:00:01" in _error(path, max_seconds=1.0)


def test_missing_file_and_directory(tmp_path):
    assert "file not found" in _error(tmp_path / "nope.wav")
    assert "directory" in _error(tmp_path)
