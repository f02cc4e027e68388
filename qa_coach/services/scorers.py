"""The process's scorers, in one cache: a scorer embeds its rubric's exemplar phrases once,
so it is reused for every interaction scored with the same rubric text and models."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scoring import Scorer
from qa_coach.domain.signals import TextSignals

from . import text_models

_MAX_SCORERS = 16
_scorers: OrderedDict[tuple[str, int], Scorer] = OrderedDict()
_lock = threading.Lock()


def scorer_for(rubric: Rubric | str | Path | None = None, signals: TextSignals | None = None) -> Scorer:
    """A scorer for ``rubric`` (a Rubric, a file path or a built-in name; default: the
    default rubric) with ``signals`` (default: the packaged models).

    Keyed by the rubric's SHA-256 and the signals object, least recently used evicted;
    a rubric built in code (no SHA-256) gets a scorer of its own each time.
    """
    if not isinstance(rubric, Rubric):
        from qa_coach.rubric.loader import load_rubric

        rubric = load_rubric(rubric)
    if signals is None:
        signals = text_models.default_signals()
    if not rubric.sha256:  # built in code, not from a file: nothing identifies its text
        return Scorer(rubric, signals)
    key = (rubric.sha256, id(signals))
    with _lock:
        scorer = _scorers.get(key)
        if scorer is not None and scorer.signals is signals:
            _scorers.move_to_end(key)
            return scorer
    scorer = Scorer(rubric, signals)
    with _lock:
        _scorers[key] = scorer
        while len(_scorers) > _MAX_SCORERS:
            _scorers.popitem(last=False)
    return scorer


def clear_scorers() -> None:
    """Forget every cached scorer (after the models change, or in tests)."""
    with _lock:
        _scorers.clear()
