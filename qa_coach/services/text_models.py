"""The packaged text models (sentence embeddings and sentiment from one encoder pass), for
the services and pages that need them: loaded on first use, once per process."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.interaction import Role
from qa_coach.domain.signals import TextAnalysis, TextSignals


def default_signals() -> TextSignals:
    """The packaged models (raises a QACoachError naming what is missing)."""
    from qa_coach.ml.text_signals import load_text_signals

    return load_text_signals()


def optional_signals() -> tuple[TextSignals | None, str | None]:
    """The packaged models, or None and the reason they cannot load: for extras (such as
    a call's customer sentiment) that should not stop the main work."""
    try:
        return default_signals(), None
    except (ImportError, QACoachError) as exc:
        return None, str(exc)


class SignalsOnFirstUse:
    """The packaged models behind the :class:`TextSignals` interface, loaded when first
    asked for something (then kept for the process, as :func:`default_signals` keeps them).
    A recording scored from a file is transcribed first; with these signals the text models
    load only after that, so Whisper's working memory and theirs are never held at once."""

    def loaded(self) -> TextSignals:
        return default_signals()

    def analyze(self, texts: Sequence[str], roles: Sequence[Role] | None = None, *,
                sentiment: bool = True) -> TextAnalysis:
        return self.loaded().analyze(texts, roles, sentiment=sentiment)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.loaded().embed(texts)

    def tag_thresholds(self) -> np.ndarray:
        return self.loaded().tag_thresholds()
