"""End-to-end time of our pipeline vs faster-whisper and the `whisper` command on the 238 s AWS call.

    .venv/bin/python bench/bench_transcribe.py [--model base] [--runs 3] [--engine fast]

Ours: `qa-coach score` on the stereo call (decode, voice activity, transcription of both
channels' speech, attribution into turns, call metrics, sentiment, the scorecard), in a
fresh process, with the engine ``--engine`` (``QA_COACH_WHISPER_ENGINE``).
Baselines, from the same packaged weights:
* faster-whisper (bench/faster_whisper_baseline.py): int8, beam search 5, word timestamps,
  its voice-activity filter, each channel of the stereo file in turn;
* openai-whisper's `whisper` command on the mono mix, loading the same converted
  checkpoint (it reads audio through a system ffmpeg; beam search 5, no word timestamps).
Each run is a fresh process (model load included in all); the three alternate; medians
are reported with the ratios, the real-time factor (time ÷ audio length) and the peak RSS
of each process, and the CPU they ran on.
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
    with tempfile.TemporaryFile() as log:  # a file: a chatty child never blocks on a full pipe
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        log.seek(0)
        err = log.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown CPU"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="base")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engine", default="fast", choices=("fast", "whisper"), help="our transcription engine")
    ap.add_argument("--skip-whisper-command", action="store_true", help="leave the slowest baseline out")
    args = ap.parse_args()
    from qa_coach.ml.whisper_checkpoint import packaged_checkpoint
    from tests.audio_synth import read_wav16, write_wav16

    agent, rate = read_wav16(CALL / "Auto_Repairs_49_UTC_agent.wav")
    caller, _ = read_wav16(CALL / "Auto_Repairs_49_UTC_caller.wav")
    n = min(agent.shape[1], caller.shape[1])
    seconds = n / rate
    ckpt = packaged_checkpoint(args.model)  # converted before timing starts
    exe = shutil.which("whisper") or str(Path(sys.executable).with_name("whisper"))
    if not args.skip_whisper_command and not shutil.which("ffmpeg"):
        sys.exit("the `whisper` command needs a system ffmpeg: apt-get install -y ffmpeg")
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               QA_COACH_WHISPER_ENGINE=args.engine)
    with tempfile.TemporaryDirectory() as tmp:
        stereo = write_wav16(Path(tmp) / "call.wav", np.stack([agent[0, :n], caller[0, :n]]), rate)
        mono = write_wav16(Path(tmp) / "mix.wav", ((agent[0, :n] + caller[0, :n]) / 2)[None], rate)
        # `score`: decode, voice activity, transcription, attribution, call metrics,
        # sentiment and the scorecard, as the issue's end-to-end figure asks
        commands = {
            f"qa-coach score ({args.engine}, stereo)": [
                sys.executable, "-c", "from qa_coach.cli import main; main()", "score", str(stereo),
                "--whisper-model", args.model, "--json"],
            "faster-whisper int8 (stereo)": [
                sys.executable, str(REPO / "bench" / "faster_whisper_baseline.py"), str(stereo),
                "--model", args.model],
        }
        if not args.skip_whisper_command:
            commands["whisper command (mono mix)"] = [
                exe, str(mono), "--model", str(ckpt), "--language", "en", "--fp16", "False",
                "--output_format", "txt", "--output_dir", tmp, "--verbose", "False"]
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for i in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(timed(cmd, env))
                print(f"run {i + 1}: {name} {times[name][-1][0]:.1f} s ({times[name][-1][1]:.0f} MB)", flush=True)
    medians = {name: statistics.median(t for t, _ in runs) for name, runs in times.items()}
    ours_name = next(iter(commands))
    print(f"\n{seconds:.0f} s call, model {args.model}, {args.runs} runs, "
          f"{len(os.sched_getaffinity(0))} CPUs: {cpu_model()}")
    print(f"{'':34} {'median':>8} {'runs':>20} {'RTF':>6} {'peak RSS':>9} {'ours /':>7}")
    for name, runs in times.items():
        each = ", ".join(f"{t:.1f}" for t, _ in runs)
        print(f"{name:34} {medians[name]:7.1f}s {each:>20} {medians[name] / seconds:6.3f} "
              f"{max(m for _, m in runs):6.0f} MB {medians[ours_name] / medians[name]:7.2f}")


if __name__ == "__main__":
    main()
