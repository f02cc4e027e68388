"""Repeated k-fold cross-validation, so that nothing is measured on an item its fit saw.

Anything fitted to labelled conversations (thresholds, heads, weights) is measured through
:func:`cross_validate`: a *fitter* receives the training items only and returns a
*predictor*, which then answers the held-out items. Items are whole conversations, so a
conversation is never split across training and test. A fitter that fits nothing (the
scorer as it ships) ignores its training items, and its cross-validated figure equals the
plain one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence, TypeVar

Item = TypeVar("Item")
Prediction = TypeVar("Prediction")

#: Answers a list of unseen items, one prediction per item, in the same order.
Predictor = Callable[[Sequence[Item]], Sequence[Prediction]]
#: Fits on the training items and returns the predictor for the held-out ones.
Fitter = Callable[[Sequence[Item]], Predictor]


@dataclass(frozen=True)
class Fold:
    repeat: int  # 0-based repeat number
    index: int  # 0-based fold number within the repeat
    train: tuple[int, ...]  # positions of the training items, ascending
    test: tuple[int, ...]  # positions of the held-out items, ascending


def repeated_k_fold(
    n: int, *, k: int = 5, repeats: int = 5, seed: int = 0, strata: Sequence[Hashable] | None = None
) -> tuple[Fold, ...]:
    """``repeats`` x ``k`` folds over items ``0..n-1``; in each repeat the test parts partition them.

    Each repeat shuffles the items anew (reproducibly from ``seed``) and deals them to the
    folds in turn, so fold sizes differ by at most one. With ``strata`` (one value per
    item), every stratum is dealt out evenly across the folds.
    """
    if not 2 <= k <= n:
        raise ValueError(f"k must be between 2 and the number of items ({n}), not {k}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    if strata is not None and len(strata) != n:
        raise ValueError(f"strata gives {len(strata)} values for {n} items")
    rng = random.Random(seed)
    folds = []
    for repeat in range(repeats):
        order = list(range(n))
        rng.shuffle(order)
        if strata is not None:
            rank = {s: i for i, s in enumerate(dict.fromkeys(strata[i] for i in order))}
            order.sort(key=lambda i: rank[strata[i]])  # stable: shuffled within each stratum
        fold_of = {item: position % k for position, item in enumerate(order)}
        for index in range(k):
            test = tuple(i for i in range(n) if fold_of[i] == index)
            train = tuple(i for i in range(n) if fold_of[i] != index)
            folds.append(Fold(repeat, index, train, test))
    return tuple(folds)


def cross_validate(
    items: Sequence[Item],
    fitter: Fitter,
    *,
    k: int = 5,
    repeats: int = 5,
    seed: int = 0,
    strata: Sequence[Hashable] | None = None,
) -> list[list[Prediction]]:
    """Out-of-fold predictions: per repeat, one prediction per item (in the order of ``items``),
    each made by a predictor fitted on the other folds only."""
    out: list[list[Prediction | None]] = [[None] * len(items) for _ in range(repeats)]
    for fold in repeated_k_fold(len(items), k=k, repeats=repeats, seed=seed, strata=strata):
        predictor = fitter([items[i] for i in fold.train])
        predictions = list(predictor([items[i] for i in fold.test]))
        if len(predictions) != len(fold.test):
            raise ValueError(f"the predictor answered {len(predictions)} of {len(fold.test)} held-out items")
        for i, prediction in zip(fold.test, predictions):
            out[fold.repeat][i] = prediction
    return out  # type: ignore[return-value]  # every position is filled: the test parts partition the items
