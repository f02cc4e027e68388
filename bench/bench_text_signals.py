"""Throughput of LocalTextSignals.analyze against a naive baseline, in the same run.

    python bench/bench_text_signals.py [--chats 25] [--turns 20] [--repeats 3] [--threads 2]

Workload: chats of short contact-centre turns drawn (seeded) from the project's labelled
utterances, every text unique within a run and the LRU cache empty at the start of each
run. "ours" calls analyze() once per chat, as the scorer does; "ours, one call" sends all
turns at once. The baseline encodes each turn alone, unsorted, fp32, with a plain
sentence-transformers-style pass (all six layers + mean pooling), then runs a separate
full pass of the sentiment model for the same turn.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qa_coach.ml  # noqa: F401  (sets OMP_WAIT_POLICY before torch loads)

# isort: split
import torch

from qa_coach.ml.encoder import load_encoder, load_tokenizer
from qa_coach.ml.sentiment_data import domain_examples
from qa_coach.ml.sentiment_model import load_branch, mean_pool, run_layers, trunk
from qa_coach.ml.text_signals import LocalTextSignals, TorchBackend


def workload(chats: int, turns: int, seed: int) -> list[list[str]]:
    texts = [e.text for e in domain_examples("all")]
    rng = random.Random(seed)
    need = chats * turns
    pool = texts[:]
    rng.shuffle(pool)
    # More turns than utterances: make the extra ones distinct so the cache never helps.
    pool = [pool[i % len(pool)] + ("" if i < len(pool) else f" (turn {i})") for i in range(need)]
    return [pool[c * turns : (c + 1) * turns] for c in range(chats)]


def baseline(encoder, branch, texts: list[str]) -> None:
    bert, tok = encoder.model, encoder.tokenizer
    split = len(bert.encoder.layer) - branch.top_k
    with torch.inference_mode():
        for text in texts:
            b = tok([text], truncation=True, max_length=128, return_tensors="pt")
            out = bert(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
            torch.nn.functional.normalize(mean_pool(out, b["attention_mask"]), dim=-1)
            lower, m4 = trunk(bert, b["input_ids"], b["attention_mask"], split)
            torch.softmax(branch.head(mean_pool(run_layers(branch.layers, lower, m4), b["attention_mask"])), -1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--chats", type=int, default=25)
    p.add_argument("--turns", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    encoder = load_encoder()
    branch = load_branch(encoder.model)
    chats = workload(args.chats, args.turns, seed=7)
    flat = [t for chat in chats for t in chat]
    n = len(flat)
    ids = encoder.tokenizer(flat)["input_ids"]
    print(f"{args.chats} chats x {args.turns} turns = {n} turns, mean {sum(map(len, ids)) / n:.1f} tokens, "
          f"{torch.get_num_threads()} threads, top_k={branch.top_k}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load average {os.getloadavg()[0]:.1f}")

    LocalTextSignals(load_tokenizer(), TorchBackend(encoder, branch)).analyze(flat[:32])  # warm-up
    baseline(encoder, branch, flat[:8])

    def ours_per_chat():
        s = LocalTextSignals(load_tokenizer(), TorchBackend(encoder, branch), batch_size=args.batch_size)
        for chat in chats:
            s.analyze(chat)

    def ours_one_call():
        LocalTextSignals(load_tokenizer(), TorchBackend(encoder, branch), batch_size=args.batch_size).analyze(flat)

    results = {}
    for name, fn in (("ours, one call per chat", ours_per_chat), ("ours, one call", ours_one_call),
                     ("naive baseline", lambda: baseline(encoder, branch, flat))):
        rates = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            fn()
            rates.append(n / (time.perf_counter() - t))
        results[name] = statistics.median(rates)
        print(f"{name:<26} median {results[name]:7.1f} turns/s  runs: {', '.join(f'{r:.0f}' for r in rates)}"
              f"  ({results[name] / args.turns:.1f} chats/s)")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other jobs on the machine slow every figure)")
    base = results["naive baseline"]
    for name in ("ours, one call per chat", "ours, one call"):
        print(f"speed-up {name}: {results[name] / base:.2f}x")


if __name__ == "__main__":
    main()
