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
