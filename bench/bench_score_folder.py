"""`qa-coach score` on a folder of real chats: batched across files vs one file at a time.

The folder: the 73 qa_dev chats and the first dialogues of sgd_acts (real chats from
../shared/extdata, written as plain-text chat files into a temporary folder), 500 files in
all by default. With the models loaded (the scorer is built before the clock starts):

ours       services.file_scoring.score_files on the folder, as `qa-coach score` runs it:
           files read first, chats scored in batches across files.
baseline   the same call one file at a time (each file's chats in their own model call),
           which is how a folder was scored before.
bound      Scorer.score_many on all the conversations at once, already parsed: the
           batched scoring figure on these chats, the most a folder run can reach.
synthetic  Scorer.score_many on the generated 20-turn chats of bench_scoring.py (--synthetic
           of them), the batched scoring benchmark's own figure, in the same run.

Chats differ in how much text the models must read: a generated chat repeats template
sentences, a real one rarely does. So besides chats/s each row gives distinct sentences
per second (the units the encoder reads once each: the model's work), the comparable
rate across the two kinds of chats.

Each timing starts with the model's text cache emptied, so none reuses another's work.

Also times the whole command (`qa-coach score FOLDER --json`, a fresh process: start-up
and model load included) once. Prints medians over --runs, chats/s and the ratios.
Run: .venv/bin/python bench/bench_score_folder.py [--files 500] [--runs 3] [--synthetic 200]
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chatgen import make_chats  # noqa: E402
from qa_coach.domain.detectors.base import build_units  # noqa: E402
from qa_coach.evaluation.qa_dev import DEFAULT_QA_DEV_DIR  # noqa: E402
from qa_coach.services import file_scoring  # noqa: E402
from qa_coach.services.scorers import scorer_for  # noqa: E402

SGD_TURNS = DEFAULT_QA_DEV_DIR.parent / "sgd_acts" / "turns.tsv"
SPEAKER = {"agent": "Agent", "customer": "Customer"}


def write_folder(folder: Path, files: int) -> list[Path]:
    """qa_dev transcripts, then sgd_acts dialogues as plain-text chats, ``files`` in all."""
    paths = []
    for src in sorted((DEFAULT_QA_DEV_DIR / "transcripts").glob("*.txt"))[:files]:
        dst = folder / f"qa_dev_{src.name}"
        dst.write_bytes(src.read_bytes())
        paths.append(dst)
    dialogues: dict[str, list[str]] = defaultdict(list)
    with SGD_TURNS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if len(dialogues) >= files - len(paths) and row["dialogue_id"] not in dialogues:
                break
            dialogues[row["dialogue_id"]].append(f"{SPEAKER[row['speaker']]}: {row['utterance']}")
    for name, lines in dialogues.items():
        dst = folder / f"sgd_{name}.txt"
        dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(dst)
    return paths


def timed(fn, signals=None) -> tuple[float, object]:
    """Seconds of ``fn()`` and its result; with ``signals``, their text cache is emptied
    first, so every timing starts cold (no text computed by an earlier one)."""
    if signals is not None:
        signals.clear_cache()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=200, help="generated chats for the same-run batched figure")
    args = parser.parse_args()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_folder(Path(tmp), args.files)
        scorer = scorer_for(None)
        interactions = [i for r in file_scoring.score_files(paths) for i in r.interactions]  # warm-up
        chats = len(interactions)
        generated = make_chats(args.synthetic)
        sentences = {"real": _distinct_sentences(interactions), "synthetic": _distinct_sentences(generated)}
        print(f"CPU: {cpu}; {len(paths)} files, {chats} chats, {args.runs} run(s) each, models loaded")
        print(f"distinct sentences per chat: real {sentences['real'] / chats:.1f}, "
              f"generated {sentences['synthetic'] / len(generated):.1f}")
        figures: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.runs):
            t, results = timed(lambda: list(file_scoring.score_files(paths)), scorer.signals)
            assert not any(r.error for r in results), [r.error for r in results if r.error]
            figures["ours"].append(t)
            figures["baseline"].append(
                timed(lambda: [r for p in paths for r in file_scoring.score_files([p])], scorer.signals)[0])
            figures["bound"].append(timed(lambda: scorer.score_many(interactions), scorer.signals)[0])
            figures["synthetic"].append(timed(lambda: scorer.score_many(generated), scorer.signals)[0])
        medians = {k: statistics.median(v) for k, v in figures.items()}
        for name, label in (("ours", "ours: score_files, batched across files"),
                            ("baseline", "baseline: one file at a time"),
                            ("bound", "bound: score_many on all chats at once"),
                            ("synthetic", f"synthetic: score_many on {len(generated)} generated chats")):
            n, kind = (len(generated), "synthetic") if name == "synthetic" else (chats, "real")
            print(f"{label:44s} {medians[name]:7.2f} s  {n / medians[name]:6.1f} chats/s  "
                  f"{sentences[kind] / medians[name]:6.0f} sentences/s  "
                  f"(runs: {', '.join(f'{t:.2f}' for t in figures[name])})")
        real_rate = chats / medians["ours"]
        synthetic_rate = len(generated) / medians["synthetic"]
        print(f"ours / baseline speed: {medians['baseline'] / medians['ours']:.2f}x; "
              f"ours / bound: {medians['bound'] / medians['ours']:.0%} of the batched figure on these chats")
        print(f"ours / synthetic batched figure: {real_rate / synthetic_rate:.0%} in chats/s, "
              f"{(sentences['real'] / medians['ours']) / (sentences['synthetic'] / medians['synthetic']):.0%} "
              "in distinct sentences/s")
        cli = Path(sys.executable).with_name("qa-coach")
        t, done = timed(lambda: subprocess.run([str(cli), "score", tmp, "--json"], capture_output=True))
        print(f"`qa-coach score FOLDER --json` (fresh process, load included): {t:.1f} s, exit {done.returncode}, "
              f"{chats / t:.1f} chats/s")


def _distinct_sentences(interactions) -> int:
    """The distinct texts the scorer sends to the encoder for these chats."""
    return len({unit.text for interaction in interactions for unit in build_units(interaction)})


if __name__ == "__main__":
    main()
