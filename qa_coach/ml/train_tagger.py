"""Train the turn tagger's heads: ``python -m qa_coach.ml.train_tagger``.

Seeded and single-command. Every training turn is embedded once with the scorer's own
encoder path (:func:`qa_coach.ml.text_signals.load_text_signals`, the embedding the
scorer computes at run time) and cached in the user cache folder by text hash, so a
re-run only embeds new turns. Then:

1. 5-fold cross-validation split by conversation (never by turn): for each fold, heads
   are trained on the other four, thresholds are picked on predictions for the training
   folds that no head trained on them made (an inner split of the same folds), and the
   fold is tagged with both. Per-tag precision, recall, F1 and support over the held-out
   folds are printed and written to ``weights/tagger_metrics.json``.
2. The shipped heads are trained on everything; their thresholds come from the
   out-of-fold predictions of step 1.

The data: see :mod:`qa_coach.ml.tagger_data` (weak labels from dialogue acts, the team's
own labels, the project's contact-centre utterances; never qa_dev).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from qa_coach.domain.turn_tags import TAG_NAMES, TAGS
from qa_coach.ml import tagger_data as data
from qa_coach.ml.cache import cache_dir, sha256_of


# --- embeddings, cached by text hash ----------------------------------------------------


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """Embeddings of texts by the scorer's encoder, kept in the user cache folder.

    The file is named after the encoder graphs' cache key, so a changed encoder never
    serves old vectors; it is rewritten atomically when new texts were embedded.
    """

    def __init__(self, signals, path: Path) -> None:
        self._signals = signals
        self.path = path
        self._rows: dict[bytes, int] = {}
        self._vectors = np.zeros((0, signals.dim), dtype=np.float32)
        if path.is_file():
            with np.load(path, allow_pickle=False) as f:
                keys, vectors = f["keys"], f["vectors"]
            if vectors.shape[1:] == (signals.dim,) and len(keys) == len(vectors):
                self._vectors = vectors.astype(np.float32, copy=False)
                self._rows = {bytes(k): i for i, k in enumerate(keys)}

    @classmethod
    def for_scorer(cls) -> "EmbeddingCache":
        from qa_coach.ml.onnx_encoder import cache_key
        from qa_coach.ml.text_signals import load_text_signals

        return cls(load_text_signals(), cache_dir() / "tagger" / f"embeddings-{cache_key()}.npz")

    def embed(self, texts: list[str], *, chunk: int = 1024, progress: bool = True) -> np.ndarray:
        keys = [_text_key(t) for t in texts]
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._rows))
        t0 = time.time()
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            vectors = self._signals.embed(part)
            self._vectors = np.concatenate([self._vectors, vectors.astype(np.float32)])
            for text in part:
                self._rows[_text_key(text)] = len(self._rows)
            if progress:
                done = start + len(part)
                print(f"  embedded {done}/{len(todo)} new texts ({time.time() - t0:.0f}s)", flush=True)
            self._save()  # a long first run keeps what it has done
        return self._vectors[[self._rows[k] for k in keys]]

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.zeros((len(self._rows), 16), dtype=np.uint8)
        for key, row in self._rows.items():
            keys[row] = np.frombuffer(key, dtype=np.uint8)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, vectors=self._vectors)
            os.replace(tmp, self.path)
        finally:
            Path(tmp).unlink(missing_ok=True)


# --- folds, heads, thresholds -------------------------------------------------------------


def assign_folds(groups: tuple[str, ...], k: int, seed: int) -> np.ndarray:
    """Fold number per row: whole conversations go to one fold (a seeded shuffle of them)."""
    unique = sorted(set(groups))
    random.Random(seed).shuffle(unique)
    fold_of = {g: i % k for i, g in enumerate(unique)}
    return np.array([fold_of[g] for g in groups], dtype=np.int64)


def row_weights(ts: data.TrainingSet, hand_weight: float) -> np.ndarray:
    return np.where(ts.hand, hand_weight, 1.0).astype(np.float32)


def duplicate_keys(ts: data.TrainingSet) -> np.ndarray:
    """One id per distinct (text, speaker, labels, origin): identical rows are fitted once, weighted."""
    keys: dict[tuple, int] = {}
    rows = zip(ts.texts, ts.roles, ts.labels, ts.hand)
    return np.array([keys.setdefault((t, r, y.tobytes(), h), len(keys)) for t, r, y, h in rows], dtype=np.int64)


def collapse(rows: np.ndarray, keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct key among ``rows``, with the summed weight of its copies."""
    idx = np.flatnonzero(rows)
    _, first, inverse = np.unique(keys[idx], return_index=True, return_inverse=True)
    return idx[first], np.bincount(inverse, weights=weights[idx]).astype(np.float32)


def fit_heads(
    x: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    hidden: int,
    l2: float,
    epochs: int,
    seed: int,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Masked multi-label logistic heads (``hidden`` = 0) or a one-hidden-layer MLP.

    Each tag's loss is the weighted binary cross-entropy over the rows that know it
    (label 0 or 1), positives up-weighted by sqrt(negatives / positives), averaged per
    tag so that every tag counts the same; plus ``l2`` times the squared weights.
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    known = torch.from_numpy(labels != data.UNKNOWN)
    y = torch.from_numpy((labels == 1).astype(np.float32))
    w = torch.from_numpy(weights)[:, None] * known.float()
    pos = (w * y).sum(0)
    neg = (w * (1 - y)).sum(0)
    pos_weight = torch.sqrt(neg / pos.clamp(min=1e-6)).clamp(min=1.0)
    element_w = w * torch.where(y > 0, pos_weight, torch.ones_like(pos_weight))
    per_tag_total = element_w.sum(0).clamp(min=1e-6)
    n_tags = labels.shape[1]
    model = nn.Linear(x.shape[1], n_tags) if hidden == 0 else nn.Sequential(
        nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, n_tags)
    )
    decay = [p for name, p in model.named_parameters() if name.endswith("weight")]

    def loss_on(idx=None):
        xb, yb, wb = (xt, y, element_w) if idx is None else (xt[idx], y[idx], element_w[idx])
        bce = nn.functional.binary_cross_entropy_with_logits(model(xb), yb, reduction="none")
        scale = per_tag_total if idx is None else per_tag_total * (len(idx) / len(xt))
        return ((bce * wb).sum(0) / scale).sum() + l2 * sum((p**2).sum() for p in decay)

    if hidden == 0:
        opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=epochs, history_size=20,
                                line_search_fn="strong_wolfe", tolerance_grad=1e-6, tolerance_change=1e-9)

        def closure():
            opt.zero_grad()
            loss = loss_on()
            loss.backward()
            return loss

        opt.step(closure)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for idx in torch.randperm(len(xt), generator=gen).split(512):
                opt.zero_grad()
                loss_on(idx).backward()
                opt.step()
    linears = [model] if hidden == 0 else [model[0], model[2]]
    return tuple(
        (m.weight.detach().numpy().astype(np.float32), m.bias.detach().numpy().astype(np.float32)) for m in linears
    )


def best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The threshold with the best F1 on these rows (0.5 when there is no positive)."""
    if truth.sum() == 0:
        return 0.5
    order = np.argsort(-probs)
    p, t = probs[order], truth[order].astype(np.float64)
    tp = np.cumsum(t)
    fp = np.cumsum(1 - t)
    f1 = 2 * tp / (tp + fp + t.sum())
    # only cut between distinct probabilities
    distinct = np.r_[p[1:] < p[:-1], True]
    best = int(np.argmax(np.where(distinct, f1, -1)))
    below = p[best + 1] if best + 1 < len(p) else 0.0
    return float((p[best] + below) / 2)


def prf(pred: np.ndarray, truth: np.ndarray) -> dict[str, float | int]:
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "support": int(truth.sum()), "rows": int(len(truth))}


def tagger_of(layers, thresholds: np.ndarray | None = None):
    from qa_coach.ml.turn_tagger import TurnTagger

    if thresholds is None:
        thresholds = np.full(len(TAG_NAMES), 0.5, np.float32)
    return TurnTagger(layers=layers, thresholds=thresholds)


def cross_validate(x: np.ndarray, ts: data.TrainingSet, args: argparse.Namespace, log=print):
    """Held-out probabilities for every row, and per-fold thresholds picked without the fold.

    For fold f: heads trained on the other folds tag it; its thresholds are the best-F1
    cuts on predictions for those other folds, each made by heads that saw neither that
    fold nor f (the inner loop), so no threshold and no head saw a conversation of f.
    """
    folds = assign_folds(ts.groups, args.folds, args.seed)
    weights = row_weights(ts, args.hand_weight)
    known = ts.labels != data.UNKNOWN
    truth = ts.labels == 1
    oof = np.zeros(ts.labels.shape, dtype=np.float32)
    fold_thresholds = np.zeros((args.folds, len(TAG_NAMES)), dtype=np.float32)

    keys = duplicate_keys(ts)

    def fit(rows: np.ndarray):
        idx, w = collapse(rows, keys, weights)
        return fit_heads(x[idx], ts.labels[idx], w, hidden=args.hidden, l2=args.l2, epochs=args.epochs, seed=args.seed)

    def predict(layers, rows: np.ndarray) -> np.ndarray:
        return tagger_of(layers).tag(x[rows], [ts.roles[i] for i in np.flatnonzero(rows)])

    t0 = time.time()
    for f in range(args.folds):
        inner = np.zeros(ts.labels.shape, dtype=np.float32)
        for j in range(args.folds):
            if j != f:
                rows_j = folds == j
                inner[rows_j] = predict(fit((folds != f) & (folds != j)), rows_j)
        train = folds != f
        for t in range(len(TAG_NAMES)):
            rows = train & known[:, t]
            fold_thresholds[f, t] = best_threshold(inner[rows, t], truth[rows, t])
        held = folds == f
        oof[held] = predict(fit(train), held)
        log(f"  fold {f + 1}/{args.folds} done ({time.time() - t0:.0f}s)")
    return oof, fold_thresholds, folds


def held_out_metrics(ts: data.TrainingSet, oof: np.ndarray, fold_thresholds: np.ndarray, folds: np.ndarray):
    decided = oof >= fold_thresholds[folds]
    known = ts.labels != data.UNKNOWN
    truth = ts.labels == 1
    table = {}
    for t, tag in enumerate(TAGS):
        rows = known[:, t]
        hand = rows & ts.hand
        table[tag.name] = {
            "speaker": tag.speaker.value,
            "all": prf(decided[rows, t], truth[rows, t]),
            "team_labelled": prf(decided[hand, t], truth[hand, t]),
        }
    return table


def format_table(table: dict) -> str:
    columns = f"{'P':>6s} {'R':>6s} {'F1':>6s} {'pos':>6s} {'rows':>7s}"
    lines = [
        f"{'tag':30s} {'all held-out rows':>34s}   {'team-labelled rows only':>34s}",
        f"{'':30s} {columns}   {columns}",
    ]
    for name, m in table.items():
        a, h = m["all"], m["team_labelled"]
        lines.append(
            f"{name:30s} {a['precision']:6.3f} {a['recall']:6.3f} {a['f1']:6.3f} {a['support']:6d} {a['rows']:7d}   "
            f"{h['precision']:6.3f} {h['recall']:6.3f} {h['f1']:6.3f} {h['support']:6d} {h['rows']:7d}"
        )
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", type=int, default=0, help="hidden units of the heads (0: logistic heads)")
    p.add_argument("--l2", type=float, default=1e-5, help="weight penalty")
    p.add_argument("--epochs", type=int, default=120, help="L-BFGS iterations (logistic) or epochs (MLP)")
    p.add_argument("--hand-weight", type=float, default=10.0, help="weight of a team-labelled turn vs a weak one")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--dry-run", action="store_true", help="cross-validate and report, write nothing")
    p.add_argument("--out-dir", type=Path, default=None, help="where to write the heads (default: qa_coach/ml/weights)")
    return p.parse_args(argv)


def main(argv=None) -> None:
    import torch
    from safetensors.numpy import save_file

    from qa_coach.ml.encoder import ENCODER_SHA256
    from qa_coach.ml.turn_tagger import MANIFEST_FILE, METRICS_FILE, WEIGHTS_FILE

    args = parse_args(argv)
    t0 = time.time()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    ts = data.load_training_set()
    counts = {
        "rows": len(ts),
        "team_labelled_rows": int(ts.hand.sum()),
        "by_source": dict(Counter(ts.sources)),
        "team_labelled_by_source": dict(Counter(s for s, h in zip(ts.sources, ts.hand) if h)),
        "positives": {name: int((ts.labels[:, t] == 1).sum()) for t, name in enumerate(TAG_NAMES)},
        "team_labelled_positives": {
            name: int(((ts.labels[:, t] == 1) & ts.hand).sum()) for t, name in enumerate(TAG_NAMES)
        },
    }
    labelled = counts["team_labelled_rows"]
    print(f"data: {len(ts)} turns ({labelled} labelled by the team) from {counts['by_source']}", flush=True)
    embeddings = EmbeddingCache.for_scorer()
    x = embeddings.embed(list(ts.texts))
    print(f"embeddings ready ({time.time() - t0:.0f}s, cache {embeddings.path})", flush=True)

    oof, fold_thresholds, folds = cross_validate(x, ts, args)
    table = held_out_metrics(ts, oof, fold_thresholds, folds)
    print(f"held-out per-tag figures ({args.folds}-fold, split by conversation):")
    print(format_table(table))

    known, truth = ts.labels != data.UNKNOWN, ts.labels == 1
    thresholds = {
        name: round(best_threshold(oof[known[:, t], t], truth[known[:, t], t]), 4) for t, name in enumerate(TAG_NAMES)
    }
    idx, w = collapse(np.ones(len(ts), dtype=bool), duplicate_keys(ts), row_weights(ts, args.hand_weight))
    layers = fit_heads(x[idx], ts.labels[idx], w, hidden=args.hidden, l2=args.l2, epochs=args.epochs, seed=args.seed)
    elapsed = time.time() - t0
    print(f"training took {elapsed:.0f}s")
    if args.dry_run:
        return

    out_dir = args.out_dir or WEIGHTS_FILE.parent
    weights_file, manifest_file, metrics_file = (out_dir / f.name for f in (WEIGHTS_FILE, MANIFEST_FILE, METRICS_FILE))
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {}
    for i, (weight, bias) in enumerate(layers):
        state[f"layer{i}.weight"] = np.ascontiguousarray(weight, dtype=np.float32)
        state[f"layer{i}.bias"] = np.ascontiguousarray(bias, dtype=np.float32)
    save_file(state, str(weights_file), metadata={"tags": ",".join(TAG_NAMES)})
    settings = {k: v for k, v in vars(args).items() if k not in ("out_dir", "dry_run")}
    manifest = {
        "sha256": sha256_of(weights_file),
        "tags": list(TAG_NAMES),
        "speakers": {t.name: t.speaker.value for t in TAGS},
        "layers": len(layers),
        "thresholds": thresholds,
        "input": "L2-normalised mean-pooled all-MiniLM-L6-v2 sentence embedding (the scorer's plain embedding)",
        "encoder_sha256": ENCODER_SHA256,
        "labels_sha256": sha256_of(data.LABELS_TSV),
        "phrases_sha256": sha256_of(data.PHRASES_TSV),
        "settings": settings,
        "train_counts": counts,
        "metrics_file": metrics_file.name,
        "train_seconds": round(elapsed),
        "torch": torch.__version__,
    }
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    metrics = {
        "protocol": f"{args.folds}-fold cross-validation split by conversation (seed {args.seed}); per fold, heads "
        "trained on the other folds and thresholds picked by an inner cross-validation on those folds only",
        "settings": settings,
        "per_tag": table,
    }
    metrics_file.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    size = weights_file.stat().st_size / 1024
    print(f"wrote {weights_file} ({size:.0f} KiB), {manifest_file.name}, {metrics_file.name}")


if __name__ == "__main__":
    main()
