"""Any audio file → 16 kHz float32, one array per channel, without a system ffmpeg.

PyAV carries the FFmpeg libraries inside its wheel. Decoding streams frame by frame and
spools each channel to an unlinked temporary file that is memory-mapped afterwards, so an
hour of audio never has to sit in RAM at once: later stages read the slices they need.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from qa_coach.domain.errors import InputError

from ..source import file_size, read_errors

SAMPLE_RATE = 16_000
DEFAULT_MAX_SECONDS = 2 * 3600.0  # longer recordings are refused, not half-processed
# Containers whose header states the exact length: a shortfall means a truncated file.
_EXACT_LENGTH_FORMATS = {"wav", "flac", "w64", "aiff", "caf"}

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class AudioInfo:
    path: str
    container: str
    codec: str
    source_rate: int
    source_channels: int
    declared_seconds: float | None  # what the header says, when it says anything


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded channels at 16 kHz (read-only, usually memory-mapped), plus notes."""

    info: AudioInfo
    channels: tuple[np.ndarray, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0

    @property
    def is_stereo(self) -> bool:
        return len(self.channels) >= 2

    def mono_mix(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        parts = [np.asarray(c[start:stop], dtype=np.float32) for c in self.channels]
        return (sum(parts) / len(parts)).astype(np.float32)


def _fmt(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / len(text) > 0.95


def _riff_declared_seconds(path: Path) -> float | None:
    """Length a RIFF/WAVE header states (FFmpeg trusts the file size instead)."""
    import struct

    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            byte_rate = None
            for _ in range(64):  # chunks before 'data'
                hdr = fh.read(8)
                if len(hdr) < 8:
                    return None
                cid, size = hdr[:4], struct.unpack("<I", hdr[4:])[0]
                if cid == b"fmt ":
                    fmt = fh.read(size + (size & 1))
                    byte_rate = struct.unpack("<I", fmt[8:12])[0] if len(fmt) >= 12 else None
                elif cid == b"data":
                    if not byte_rate or size in (0, 0xFFFFFFFF):
                        return None  # streamed WAVs leave the size open
                    return size / byte_rate
                else:
                    fh.seek(size + (size & 1), 1)
    except OSError:
        return None
    return None


def _check_path(path: Path) -> None:
    name = str(path)
    size = file_size(path, name, "an audio file")
    with read_errors(name), open(path, "rb") as fh:
        head = fh.read(512)
    if size == 0:
        raise InputError(name, None, "empty file (0 bytes): no audio to transcribe")
    if _looks_like_text(head) and not head.startswith((b"RIFF", b"fLaC", b"OggS", b"ID3")):
        raise InputError(name, None, "is a text file, not audio (whatever its extension says)")


def probe(path: str | Path, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> AudioInfo:
    """Open ``path``, check it holds decodable audio of an accepted length."""
    import av

    path = Path(path)
    _check_path(path)
    try:
        with av.open(str(path)) as container:
            return _info(path, container, max_seconds)
    except av.error.FFmpegError as exc:
        raise InputError(str(path), None, f"not a readable audio file ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _info(path: Path, container, max_seconds: float) -> AudioInfo:
    if not container.streams.audio:
        raise InputError(str(path), None, "contains no audio stream")
    stream = container.streams.audio[0]
    declared = _riff_declared_seconds(path)
    if declared is not None:
        pass
    elif stream.duration is not None and stream.time_base is not None:
        declared = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        declared = container.duration / 1_000_000
    if declared is not None and declared > max_seconds:
        raise InputError(
            str(path),
            None,
            f"recording is {_fmt(declared)} long; the limit is {_fmt(max_seconds)}. "
            "Split it into shorter recordings.",
        )
    fmt_name = (container.format.name or "").split(",")[0]
    return AudioInfo(
        path=str(path),
        container=fmt_name,
        codec=stream.codec_context.name,
        source_rate=int(stream.rate or 0),
        source_channels=int(stream.channels or 0),
        declared_seconds=declared,
    )


class _Spool:
    """Appends float32 samples for one channel to an unlinked temp file."""

    def __init__(self, folder: str | None) -> None:
        fd, name = tempfile.mkstemp(prefix="qa_coach_audio_", suffix=".f32", dir=folder)
        self.fh = os.fdopen(fd, "w+b")
        self.name = name
        self.count = 0

    def write(self, samples: np.ndarray) -> None:
        self.fh.write(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
        self.count += len(samples)

    def finish(self) -> np.ndarray:
        self.fh.flush()
        try:
            if self.count == 0:
                return np.zeros(0, dtype=np.float32)
            return np.memmap(self.name, dtype=np.float32, mode="r", shape=(self.count,))
        finally:
            self.fh.close()
            os.unlink(self.name)  # the mapping stays valid; the disk space goes with it

    def discard(self) -> None:
        self.fh.close()
        try:
            os.unlink(self.name)
        except OSError:
            pass


def decode_audio(
    path: str | Path,
    *,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    progress: Progress | None = None,
    spool_dir: str | None = None,
) -> DecodedAudio:
    """Decode ``path`` into 16 kHz float32 channels (mono stays mono, more than two
    channels are mixed down to stereo). Raises InputError for anything unusable."""
    import av

    path = Path(path)
    _check_path(path)
    name = str(path)
    warnings: list[str] = []
    spools: list[_Spool] = []
    max_samples = int(max_seconds * SAMPLE_RATE)
    try:
        try:
            container = av.open(name)
        except av.error.FFmpegError as exc:
            raise InputError(name, None, f"not a readable audio file ({_reason(exc)})") from None
        with container:
            info = _info(path, container, max_seconds)
            n_out = 1 if info.source_channels == 1 else 2
            if info.source_channels > 2:
                warnings.append(f"{info.source_channels} channels mixed down to stereo")
            resampler = av.AudioResampler(
                format="fltp", layout="mono" if n_out == 1 else "stereo", rate=SAMPLE_RATE
            )
            spools = [_Spool(spool_dir) for _ in range(n_out)]
            stream = container.streams.audio[0]
            last_report = -1.0

            def take(frames) -> None:
                for out in frames:
                    planes = out.to_ndarray()
                    if not np.isfinite(planes).all():
                        # a float WAV can hold NaN or infinity: no speech model reads them
                        at = spools[0].count / SAMPLE_RATE
                        raise InputError(
                            name,
                            f"at {_fmt(at)}",
                            "the recording holds samples that are not a number (NaN) or infinite; "
                            "a corrupt float recording: export it again (16-bit PCM is safest)",
                        )
                    for ch, spool in enumerate(spools):
                        spool.write(planes[ch])
                if spools[0].count > max_samples:
                    raise InputError(
                        name,
                        f"at {_fmt(max_seconds)}",
                        f"recording is longer than the limit of {_fmt(max_seconds)}. "
                        "Split it into shorter recordings.",
                    )

            try:
                for packet in container.demux(stream):
                    for frame in packet.decode():
                        take(resampler.resample(frame))
                    done = spools[0].count / SAMPLE_RATE
                    if progress and info.declared_seconds and done - last_report >= 5.0:
                        last_report = done
                        progress(min(1.0, done / info.declared_seconds), "decoding audio")
                take(resampler.resample(None))
            except av.error.FFmpegError as exc:
                at = spools[0].count / SAMPLE_RATE
                raise InputError(
                    name, f"at {_fmt(at)}", f"corrupt or truncated audio ({_reason(exc)})"
                ) from None

        decoded = spools[0].count / SAMPLE_RATE
        if spools[0].count == 0:
            raise InputError(name, None, "holds no audio samples (empty or corrupt stream)")
        declared = info.declared_seconds
        if (
            declared is not None
            and info.container in _EXACT_LENGTH_FORMATS
            and declared - decoded > max(0.5, 0.02 * declared)
        ):
            raise InputError(
                name,
                f"at {_fmt(decoded)}",
                f"truncated: the header says {declared:.1f} s of audio but the file "
                f"holds only {decoded:.1f} s",
            )
        channels = tuple(s.finish() for s in spools)
        spools = []
        if progress:
            progress(1.0, "decoded")
        return DecodedAudio(info=info, channels=channels, warnings=tuple(warnings))
    finally:
        for s in spools:
            s.discard()
