"""Cohen's kappa and agreement, checked against scikit-learn's implementation."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from qa_coach.domain.agreement import agreement, cohen_kappa, confusion_matrix


def test_kappa_matches_scikit_learn_on_random_ratings() -> None:
    rng = random.Random(3)
    for _ in range(50):
        n = rng.randint(2, 60)
        labels = ["yes", "no", "partial", "na"][: rng.randint(2, 4)]
        a = [rng.choice(labels) for _ in range(n)]
        b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
        if len(set(a) | set(b)) == 1:
            continue
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


def test_perfect_and_chance_agreement() -> None:
    assert cohen_kappa(["yes", "no", "yes"], ["yes", "no", "yes"]) == 1.0
    assert cohen_kappa(["yes", "yes"], ["yes", "yes"]) == 1.0
    assert cohen_kappa(["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"]) == pytest.approx(0.0)
    assert cohen_kappa(["yes"], ["no"]) is None


def test_agreement_share_and_length_check() -> None:
    ag = agreement(["yes", "no", "na", "yes"], ["yes", "no", "yes", "yes"])
    assert ag.n == 4 and ag.accuracy == 0.75
    with pytest.raises(ValueError):
        cohen_kappa(["yes"], ["yes", "no"])


def test_confusion_matrix_counts_every_pair_over_the_answers_that_occur() -> None:
    human = ["yes", "no", "na", "yes", "partial", "yes"]
    auto = ["yes", "yes", "na", "no", "partial", "yes"]
    cm = confusion_matrix(human, auto, order=("yes", "partial", "no", "na"))
    assert cm.labels == ("yes", "partial", "no", "na")
    assert cm.counts == ((2, 0, 1, 0), (0, 1, 0, 0), (1, 0, 0, 0), (0, 0, 0, 1))
    assert cm.count("no", "yes") == 1 and cm.count("yes", "no") == 1
    assert sum(map(sum, cm.counts)) == len(human)


def test_confusion_matrix_orders_unlisted_answers_after_listed_ones() -> None:
    cm = confusion_matrix(["b", "z", "a"], ["b", "a", "yes"], order=("yes", "no"))
    assert cm.labels == ("yes", "a", "b", "z")  # "no" never occurs
    assert cm.count("a", "yes") == 1 and cm.count("z", "a") == 1 and cm.count("b", "b") == 1
    with pytest.raises(ValueError):
        confusion_matrix(["yes"], [])
