"""Transcribing a recorded call: turns with speaker and times, and the call's metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from qa_coach.domain.interaction import Interaction
from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call
from qa_coach.ingest.audio.decode import Progress, probe

from .text_models import optional_signals

__all__ = ["TranscribeOptions", "transcribe_recording"]


def transcribe_recording(path: str | Path, options: TranscribeOptions, *, sentiment: bool = True,
                         progress: Progress | None = None,
                         note: Callable[[str], None] | None = None) -> Interaction:
    """The call in ``path``. A bad recording fails before any model loads. With
    ``sentiment`` the metrics carry the customer's sentiment; when the text models cannot
    load, ``note`` is told why and the call is transcribed without it."""
    probe(path, max_seconds=options.max_seconds)
    signals = None
    if sentiment:
        signals, problem = optional_signals()
        if problem is not None and note is not None:
            note(f"customer sentiment skipped ({problem})")
    return transcribe_call(path, options=options, progress=progress, text_signals=signals)
