"""End-to-end time of our pipeline vs the `whisper` command on the 238 s AWS call.

    .venv/bin/python bench/bench_transcribe.py [--model base] [--runs 3]

Ours: `qa-coach score` on the stereo call (decode, voice activity, transcription of each
channel's speech, attribution into turns, call metrics, sentiment, the scorecard), in a
fresh process.
Baseline: openai-whisper's `whisper` command on the mono mix of the same call, loading
the same converted checkpoint (it reads audio through a system ffmpeg). Each run is a
fresh process (model load included in both); the two alternate; medians are reported,
with the real-time factor (time ÷ audio length) and the peak RSS of each process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CALL = REPO.parent / "shared" / "extdata" / "audio" / "aws_lca_call_recordings"


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="base")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from qa_coach.ml.whisper_checkpoint import packaged_checkpoint
    from tests.audio_synth import read_wav16, write_wav16

    agent, rate = read_wav16(CALL / "Auto_Repairs_49_UTC_agent.wav")
    caller, _ = read_wav16(CALL / "Auto_Repairs_49_UTC_caller.wav")
    n = min(agent.shape[1], caller.shape[1])
    seconds = n / rate
    ckpt = packaged_checkpoint(args.model)  # converted before timing starts
    exe = shutil.which("whisper") or str(Path(sys.executable).with_name("whisper"))
    if not shutil.which("ffmpeg"):
        sys.exit("the `whisper` command needs a system ffmpeg: apt-get install -y ffmpeg")
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    with tempfile.TemporaryDirectory() as tmp:
        stereo = write_wav16(Path(tmp) / "call.wav", np.stack([agent[0, :n], caller[0, :n]]), rate)
        mono = write_wav16(Path(tmp) / "mix.wav", ((agent[0, :n] + caller[0, :n]) / 2)[None], rate)
        # `score`: decode, voice activity, transcription, attribution, call metrics,
        # sentiment and the scorecard, as the end-to-end figure asks
        ours_cmd = [sys.executable, "-c", "from qa_coach.cli import main; main()", "score",
                    str(stereo), "--whisper-model", args.model, "--json"]
        base_cmd = [exe, str(mono), "--model", str(ckpt), "--language", "en", "--fp16", "False",
                    "--output_format", "txt", "--output_dir", tmp, "--verbose", "False"]
        ours, base = [], []
        for i in range(args.runs):
            ours.append(timed(ours_cmd, env))
            base.append(timed(base_cmd, env))
            print(f"run {i + 1}: ours {ours[-1][0]:.1f} s ({ours[-1][1]:.0f} MB), "
                  f"whisper command {base[-1][0]:.1f} s ({base[-1][1]:.0f} MB)", flush=True)
    t_ours = statistics.median(t for t, _ in ours)
    t_base = statistics.median(t for t, _ in base)
    print(f"\n{seconds:.0f} s call, model {args.model}, {args.runs} runs, {os.cpu_count()} CPUs")
    print(f"ours (stereo, end to end):   median {t_ours:.1f} s, real-time factor {t_ours / seconds:.3f}, "
          f"peak RSS {max(m for _, m in ours):.0f} MB")
    print(f"whisper command (mono mix):  median {t_base:.1f} s, real-time factor {t_base / seconds:.3f}, "
          f"peak RSS {max(m for _, m in base):.0f} MB")
    print(f"ratio ours / whisper command: {t_ours / t_base:.2f}")


if __name__ == "__main__":
    main()
