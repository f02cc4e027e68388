"""Renders sample_calls/scripts/*.txt into stereo call recordings, offline.

Each script line is spoken by espeak-ng (Debian package `espeak-ng`): the agent with
one voice on the left channel, the customer with another on the right, as contact-centre
recorders store calls. Turns follow each other with a short pause; the result is a
16 kHz stereo Ogg/Opus file (small, and a common recorder format) written with PyAV, so
no ffmpeg is needed.
Run: python scripts/render_sample_calls.py   (needs: apt-get install espeak-ng)
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "sample_calls" / "scripts"
OUT = ROOT / "sample_calls" / "calls"
RATE = 16000  # Hz: wideband; espeak's voices are hard enough to recognise without telephone band
OPUS_BITRATE = 32000  # bits/s for both channels
PAUSE = 0.6  # seconds between turns
# (agent voice, customer voice) per script: espeak-ng voice+variant, words per minute
VOICES = {
    "01": ("en-us+f3", "en-gb+m3"),
    "02": ("en-gb+m1", "en-us+f2"),
    "03": ("en-us+m2", "en-gb+f4"),
    "04": ("en-gb+f2", "en-us+m4"),
    "05": ("en-us+m1", "en-gb+f1"),
    "06": ("en-gb+f4", "en-us+m3"),
}
SPEED = 165  # words per minute


def speak(text: str, voice: str) -> np.ndarray:
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(SPEED), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    # resample to the call rate by linear interpolation (speech, band-limited already)
    n = int(len(pcm) * RATE / rate)
    return np.interp(np.linspace(0, len(pcm) - 1, n), np.arange(len(pcm)), pcm).astype(np.float32)


def render(script: Path, target: Path) -> float:
    agent_voice, customer_voice = VOICES[script.name[:2]]
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    pause = np.zeros(int(PAUSE * RATE), dtype=np.float32)
    for line in script.read_text(encoding="utf-8").splitlines():
        m = re.match(r"(Agent|Customer):\s*(.+)", line)
        if not m:
            continue
        audio = speak(m.group(2), agent_voice if m.group(1) == "Agent" else customer_voice)
        silence = np.zeros_like(audio)
        (left if m.group(1) == "Agent" else right).append(audio)
        (right if m.group(1) == "Agent" else left).append(silence)
        left.append(pause)
        right.append(pause)
    stereo = np.stack([np.concatenate(left), np.concatenate(right)])
    pcm = (np.clip(stereo, -1, 1) * 32767).astype(np.int16)
    with av.open(str(target), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48000, layout="stereo")
        stream.bit_rate = OPUS_BITRATE
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=48000)
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1).copy(), format="s16", layout="stereo")
        frame.sample_rate = RATE
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return stereo.shape[1] / RATE


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed: apt-get install espeak-ng", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for script in sorted(SCRIPTS.glob("[0-9][0-9]_*.txt")):
        target = OUT / (script.stem + ".ogg")
        seconds = render(script, target)
        print(f"wrote {target.relative_to(ROOT)}: {seconds:.0f} s, {target.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
