"""The app's first start, as a command: the six sample calls transcribed and scored, by each
Whisper engine, in the same run.

    .venv/bin/python bench/bench_sample_calls.py [--runs 2]

The first `qa-coach app` transcribes (Whisper base) and scores sample_calls/calls/ in the
background; `qa-coach score sample_calls/calls/ --json` does the same work in one fresh
process (model load included). It runs once with ``--engine fast`` (the default) and once
with ``--engine whisper`` (openai-whisper, the earlier default) per run, alternating; the
medians, their ratio and each process's peak RSS are printed with the CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_transcribe import cpu_model, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    calls = REPO / "sample_calls" / "calls"
    seconds = _audio_seconds(calls)
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("QA_COACH_WHISPER_ENGINE", None)
    times: dict[str, list[tuple[float, float]]] = {"fast": [], "whisper": []}
    for i in range(args.runs):
        for engine in times:
            cmd = [sys.executable, "-c", "from qa_coach.cli import main; main()", "score", str(calls), "--json",
                   "--engine", engine]
            times[engine].append(timed(cmd, env))
            print(f"run {i + 1}: engine {engine} {times[engine][-1][0]:.1f} s ({times[engine][-1][1]:.0f} MB)",
                  flush=True)
    medians = {e: statistics.median(t for t, _ in runs) for e, runs in times.items()}
    print(f"\nsix sample calls ({seconds:.0f} s of audio), `qa-coach score sample_calls/calls/ --json`, "
          f"{args.runs} runs, {len(os.sched_getaffinity(0))} CPUs: {cpu_model()}")
    for engine, runs in times.items():
        each = ", ".join(f"{t:.1f}" for t, _ in runs)
        print(f"engine {engine:8} median {medians[engine]:6.1f} s (runs {each}), RTF {medians[engine] / seconds:.3f}, "
              f"peak RSS {max(m for _, m in runs):.0f} MB")
    print(f"fast / whisper: {medians['fast'] / medians['whisper']:.2f}")


def _audio_seconds(folder: Path) -> float:
    import av

    total = 0.0
    for path in sorted(folder.glob("*.ogg")):
        with av.open(str(path)) as container:
            total += container.duration / 1_000_000
    return total


if __name__ == "__main__":
    main()
