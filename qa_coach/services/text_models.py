"""The packaged text models (sentence embeddings and sentiment from one encoder pass), for
the services and pages that need them: loaded on first use, once per process."""

from __future__ import annotations

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.signals import TextSignals


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
