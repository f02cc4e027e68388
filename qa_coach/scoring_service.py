"""Building scorers with the packaged models, cached per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scoring import Scorer
from qa_coach.domain.signals import TextSignals


def default_signals() -> TextSignals:
    from qa_coach.ml.text_signals import load_text_signals

    return load_text_signals()


@lru_cache(maxsize=8)
def _default_scorer(rubric_key: str | None) -> Scorer:
    from qa_coach.rubric_loader import load_rubric

    return Scorer(load_rubric(rubric_key), default_signals())


def scorer_for(rubric: Rubric | str | Path | None = None, signals: TextSignals | None = None) -> Scorer:
    """A scorer for ``rubric`` (object, path or built-in name) with ``signals``.

    With the default models and a rubric given by name or path, the scorer (and its
    embedded exemplars) is reused for the life of the process.
    """
    if signals is None and not isinstance(rubric, Rubric):
        return _default_scorer(None if rubric is None else str(rubric))
    if not isinstance(rubric, Rubric):
        from qa_coach.rubric_loader import load_rubric

        rubric = load_rubric(rubric)
    return Scorer(rubric, signals or default_signals())
