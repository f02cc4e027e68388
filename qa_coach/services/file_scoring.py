"""Scoring chat logs and recorded calls straight from files, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.interaction import Interaction
from qa_coach.domain.scorecard import Scorecard
from qa_coach.domain.scoring import Scorer

from .ingest import read_interactions
from .scorers import scorer_for

FileProgress = Callable[[Path, float, str], None]  # (recording, fraction done, what is happening)


@dataclass(frozen=True)
class ScoredFile:
    path: Path
    interactions: tuple[Interaction, ...] = ()
    scorecards: tuple[Scorecard, ...] = ()  # one per interaction, in the same order
    error: str | None = None  # what was wrong with the file (nothing of it was scored)


def score_files(paths: Iterable[Path], *, rubric: str | Path | None = None, format: str | None = None,
                whisper_model: str = "base", progress: FileProgress | None = None) -> Iterator[ScoredFile]:
    """Score every conversation in each file, file by file, with the packaged models.

    The rubric (a file or a built-in name; default: the default rubric) and the models load
    at once, so a bad rubric fails before any file is read; a bad file becomes a
    :class:`ScoredFile` with its ``error`` and the others are still scored. Recordings are
    transcribed with ``whisper_model``; ``progress`` follows each transcription."""
    return _score_each(scorer_for(rubric), list(paths), format, whisper_model, progress)


def _score_each(scorer: Scorer, paths: list[Path], format: str | None, whisper_model: str,
                progress: FileProgress | None) -> Iterator[ScoredFile]:
    from qa_coach.ingest.audio.call import TranscribeOptions

    options = TranscribeOptions(model=whisper_model)
    for path in paths:
        follow = None if progress is None else (lambda f, m, path=path: progress(path, f, m))
        try:
            interactions = read_interactions(path, format, None, transcribe=options, progress=follow,
                                             signals=scorer.signals)
            cards = scorer.score_many(interactions)
        except QACoachError as exc:
            yield ScoredFile(path, error=str(exc))
            continue
        yield ScoredFile(path, tuple(interactions), tuple(cards))
