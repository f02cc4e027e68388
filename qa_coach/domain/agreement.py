"""Agreement between two raters (automatic vs human, or two reviewers)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Agreement:
    n: int
    accuracy: float  # share of items where the two answers are the same
    kappa: float | None  # Cohen's kappa; None when undefined (fewer than 2 items)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa for two raters over the same items (unweighted).

    Returns 1.0 when both raters give one identical answer throughout (perfect agreement
    that chance also explains), and None for fewer than two items.
    """
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    n = len(a)
    if n < 2:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca.keys() | cb.keys()) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def agreement(a: Sequence[str], b: Sequence[str]) -> Agreement:
    n = len(a)
    acc = sum(x == y for x, y in zip(a, b)) / n if n else 0.0
    return Agreement(n, acc, cohen_kappa(a, b))


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of (first rater's answer, second rater's answer) pairs.

    ``counts[i][j]`` is the number of items the first rater (rows) answered ``labels[i]``
    and the second rater (columns) answered ``labels[j]``.
    """

    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def count(self, row: str, column: str) -> int:
        return self.counts[self.labels.index(row)][self.labels.index(column)]


def confusion_matrix(rows: Sequence[str], columns: Sequence[str], order: Sequence[str] = ()) -> ConfusionMatrix:
    """The confusion matrix of two raters over the same items, over the answers either gave.

    Answers listed in ``order`` come first, in that order; any other answer follows, sorted.
    """
    if len(rows) != len(columns):
        raise ValueError("both raters must rate the same items")
    seen = set(rows) | set(columns)
    labels = tuple(a for a in order if a in seen) + tuple(sorted(seen - set(order)))
    pairs = Counter(zip(rows, columns))
    return ConfusionMatrix(labels, tuple(tuple(pairs[(r, c)] for c in labels) for r in labels))
