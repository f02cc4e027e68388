"""Builds test audio files in a tmp folder (encoded with PyAV, so no ffmpeg needed)."""

from __future__ import annotations

import struct
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(path: Path, channels: np.ndarray, rate: int, codec: str, fmt: str | None = None) -> Path:
    """Write ``channels`` (n_channels, n_samples) float32 with PyAV's encoder ``codec``."""
    import av

    channels = np.atleast_2d(channels).astype(np.float32)
    layout = "mono" if channels.shape[0] == 1 else "stereo"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        sample_fmt = stream.codec_context.format.name
        frame_size = stream.codec_context.frame_size or 1024
        resampler = av.AudioResampler(format=sample_fmt, layout=layout, rate=rate)
        pts = 0
        for start in range(0, channels.shape[1], frame_size):
            block = np.ascontiguousarray(channels[:, start : start + frame_size])
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += block.shape[1]
            for f in resampler.resample(frame):
                for packet in stream.encode(f):
                    out.mux(packet)
        for f in resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_wav16(path: Path, channels: np.ndarray, rate: int) -> Path:
    channels = np.atleast_2d(channels)
    pcm = (np.clip(channels.T, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def wav_header_only(path: Path, seconds: float, rate: int = 8000, extra_bytes: int = 8000) -> Path:
    """A 16-bit mono WAV whose header claims ``seconds`` of audio but holds a little."""
    data_len = int(seconds * rate) * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_len) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", data_len)
    path.write_bytes(header + bytes(extra_bytes))
    return path


def read_wav16(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        return data.reshape(-1, w.getnchannels()).T, w.getframerate()
