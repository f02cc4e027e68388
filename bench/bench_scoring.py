"""Scoring throughput on 20-turn chats with the models loaded: ours vs a naive pipeline.

ours      LocalTextSignals: one encoder pass per text shared by the embedding and the
          sentiment branch, length-sorted batches, texts de-duplicated; the scorer sends
          the texts of a whole batch of chats to the model at once (score_many). Run on the
          ONNX Runtime graphs (the product's path) and on the PyTorch modules they come from.
baseline  the straightforward pipeline: each chat scored on its own, each text encoded
          on its own (sentence-transformers encode) and a second, separate pass of the
          sentiment model per text.
Both use the same rubric, the same scorer and the same chats, in the same run, with
cold caches. Also reports cold start (a fresh process: import, load, score one chat)
and peak memory. Run: .venv/bin/python bench/bench_scoring.py [--chats 200] [--runs 3]

--act-signals adds to the default rubric a bonus criterion whose `act` signals read every
turn tag, so the turn tagger runs on every sentence, and also times the default rubric
alone on the same chats in the same run (the cost of the tags, A/B).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chatgen import make_chats  # noqa: E402
from qa_coach.domain.interaction import Role  # noqa: E402
from qa_coach.domain.rubric import Rubric  # noqa: E402
from qa_coach.domain.scoring import Scorer  # noqa: E402
from qa_coach.domain.signals import Sentiment, TextAnalysis  # noqa: E402
from qa_coach.domain.turn_tags import TAGS  # noqa: E402
from qa_coach.ml.encoder import encoder_dir, load_encoder, load_tokenizer  # noqa: E402
from qa_coach.ml.sentiment_model import load_branch, mean_pool, run_layers, trunk  # noqa: E402
from qa_coach.ml.onnx_encoder import OnnxBackend, model_dir  # noqa: E402
from qa_coach.ml.text_signals import LocalTextSignals, TorchBackend  # noqa: E402
from qa_coach.ml.turn_tagger import default_turn_tagger  # noqa: E402
from qa_coach.rubric.loader import load_rubric, parse_rubric  # noqa: E402


class NaiveSignals:
    """One text at a time: an embedding pass, then a separate full sentiment pass."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.st = SentenceTransformer(str(encoder_dir()), device="cpu")
        enc = load_encoder()
        self.bert, self.tok = enc.model, enc.tokenizer
        self.branch = load_branch(self.bert)
        self.split = len(self.bert.encoder.layer) - self.branch.top_k

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.st.encode(t, normalize_embeddings=True) for t in texts]).astype(np.float32)

    def _sentiment(self, text: str) -> Sentiment:
        b = self.tok([text], return_tensors="pt", truncation=True, max_length=128)
        with torch.inference_mode():
            lower, mask4d = trunk(self.bert, b["input_ids"], b["attention_mask"], self.split)
            out = run_layers(self.branch.layers, lower, mask4d)
            p = torch.softmax(self.branch.head(mean_pool(out, b["attention_mask"])), -1)[0].tolist()
        return Sentiment(*p)

    def analyze(
        self, texts: Sequence[str], roles: Sequence[Role] | None = None, *, sentiment: bool = True
    ) -> TextAnalysis:
        embeddings = self.embed(texts)
        tags = default_turn_tagger().tag(embeddings, roles) if roles is not None else None
        return TextAnalysis(embeddings, tuple(self._sentiment(t) for t in texts) if sentiment else (), tags)

    def tag_thresholds(self) -> np.ndarray:
        return default_turn_tagger().thresholds


def with_act_signals(rubric: Rubric) -> Rubric:
    """The rubric and a bonus criterion with an `act` signal per speaker on all their tags."""
    import yaml

    data = yaml.safe_load(rubric.source_text)
    signals = {
        f"{role.value}_acts": {"type": "act", "tags": [t.name for t in TAGS if t.speaker is role]}
        for role in (Role.AGENT, Role.CUSTOMER)
    }
    data["sections"].append({
        "id": "bench_acts",
        "criteria": [{
            "id": "bench_acts", "name": "Turn tags", "weight": 1, "bonus": True, "signals": signals,
            "rules": [{"answer": "yes", "when": {"all": list(signals)}}], "otherwise": "no",
        }],
    })
    return parse_rubric(yaml.safe_dump(data, sort_keys=False), "default+acts")


def cold_start() -> dict[str, float]:
    """A fresh interpreter (model cache already built): import, load, score one chat.

    Peak memory is the child's own VmHWM: ru_maxrss would carry over the parent's peak
    through fork and exec."""
    code = (
        "import time;t=time.perf_counter();import qa_coach;"
        "from qa_coach.ingest import import_text;"
        "i=import_text('Agent: Hello, this is Sam, how can I help?\\nCustomer: My router is broken.\\nAgent: Sorry about that!',format='text');"
        "c=qa_coach.score(i);s=time.perf_counter()-t;"
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];print(s, int(hwm)/1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return {"seconds": float(out[-2]), "peak_rss_mb": float(out[-1])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chats", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--act-signals", action="store_true", help="add act signals reading every turn tag to the rubric")
    args = ap.parse_args()
    cold = cold_start()  # first, while this process is small and the machine quiet
    plain = load_rubric()
    rubric = with_act_signals(plain) if args.act_signals else plain
    enc = load_encoder()
    folder = model_dir()
    backends = {
        "onnx": OnnxBackend(folder),
        "torch": TorchBackend(enc, load_branch(enc.model)),
    }
    naive = NaiveSignals()
    times: dict[str, list[float]] = {"onnx": [], "onnx_single": [], "torch": [], "baseline": []}
    if args.act_signals:
        times["onnx_plain"] = []
    same: dict[str, list[float]] = {"onnx": [], "torch": []}
    for run in range(args.runs):
        chats = make_chats(args.chats, seed=100 + run)  # new texts every run: cold caches
        cards = {}
        if args.act_signals and run % 2 == 1:  # A/B in both orders
            times["onnx_plain"].append(_time_batched(plain, backends["onnx"], chats))
        for name in ("onnx", "torch"):
            scorer = Scorer(rubric, LocalTextSignals(load_tokenizer(), backends[name]))
            t = time.perf_counter()
            cards[name] = scorer.score_many(chats)
            times[name].append(time.perf_counter() - t)
        if args.act_signals and run % 2 == 0:
            times["onnx_plain"].append(_time_batched(plain, backends["onnx"], chats))

        scorer1 = Scorer(rubric, LocalTextSignals(load_tokenizer(), backends["onnx"]))
        t = time.perf_counter()
        for c in chats:
            scorer1.score(c)
        times["onnx_single"].append(time.perf_counter() - t)

        base = Scorer(rubric, naive)
        n_base = max(20, args.chats // 5)  # the naive pipeline is slow: time a subset
        t = time.perf_counter()
        base_cards = [base.score(c) for c in chats[:n_base]]
        times["baseline"].append((time.perf_counter() - t) * args.chats / n_base)
        for name in same:
            same[name].append(_same_answers(cards[name], base_cards))
    rate = {name: args.chats / statistics.median(ts) for name, ts in times.items()}
    result = {
        "chats": args.chats,
        "rubric": rubric.path,
        "turns_per_chat": 20,
        "runs": args.runs,
        "cpu_threads": torch.get_num_threads(),
        "ours_batched_chats_per_s": round(rate["onnx"], 1),
        "ours_one_at_a_time_chats_per_s": round(rate["onnx_single"], 1),
        "ours_on_pytorch_batched_chats_per_s": round(rate["torch"], 1),
        "baseline_chats_per_s": round(rate["baseline"], 2),
        "ratio_batched_vs_baseline": round(rate["onnx"] / rate["baseline"], 1),
        **(
            {"ours_batched_without_act_signals_chats_per_s": round(rate["onnx_plain"], 1)}
            if args.act_signals
            else {}
        ),
        "answers_same_as_baseline": {name: round(statistics.mean(v), 4) for name, v in same.items()},
        "cold_start_s": round(cold["seconds"], 2),
        "cold_start_peak_rss_mb": round(cold["peak_rss_mb"]),
        "bench_process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Scoring {args.chats} unique 20-turn chats with {rubric.path}, {args.runs} runs, "
          f"{torch.get_num_threads()} CPU threads (medians)")
    print(f"  ours (ONNX Runtime), batched      {rate['onnx']:8.1f} chats/s")
    if args.act_signals:
        print(f"    the same without act signals    {rate['onnx_plain']:8.1f} chats/s (same chats, same run)")
    print(f"  ours, one chat at a time          {rate['onnx_single']:8.1f} chats/s")
    print(f"  ours on PyTorch modules, batched  {rate['torch']:8.1f} chats/s")
    print(f"  baseline, naive per-text PyTorch  {rate['baseline']:8.2f} chats/s")
    print(f"  ratio ours batched / baseline     {rate['onnx'] / rate['baseline']:8.1f}x")
    print("  same answers as baseline          " + ", ".join(f"{k} {v:.2%}" for k, v in result["answers_same_as_baseline"].items()))
    print(f"  cold start (fresh process: import, load models, score one chat)  {cold['seconds']:.2f} s, peak RSS {cold['peak_rss_mb']:.0f} MB")
    print(f"  peak RSS of this benchmark process  {result['bench_process_peak_rss_mb']} MB")


def _time_batched(rubric: Rubric, backend, chats: list) -> float:
    """Seconds to score ``chats`` in one batch, with a cold cache."""
    scorer = Scorer(rubric, LocalTextSignals(load_tokenizer(), backend))
    t = time.perf_counter()
    scorer.score_many(chats)
    return time.perf_counter() - t


def _same_answers(ours: list, base: list) -> float:
    pairs = [(a.answer, b.answer) for ca, cb in zip(ours, base) for a, b in zip(ca.results, cb.results)]
    return sum(a == b for a, b in pairs) / len(pairs)


if __name__ == "__main__":
    main()
