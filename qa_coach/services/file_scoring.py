"""Scoring chat logs and recorded calls straight from files, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.interaction import Interaction
from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scorecard import Scorecard
from qa_coach.domain.scoring import Scorer

from qa_coach.domain.file_types import is_audio

from .error_log import unexpected_error_message
from .ingest import read_interactions
from .scorers import scorer_for
from .text_models import SignalsOnFirstUse

if TYPE_CHECKING:
    from qa_coach.ingest.audio.call import TranscribeOptions

FileProgress = Callable[[Path, float, str], None]  # (recording, fraction done, what is happening)


@dataclass(frozen=True)
class ScoredFile:
    path: Path
    interactions: tuple[Interaction, ...] = ()
    scorecards: tuple[Scorecard, ...] = ()  # one per interaction, in the same order
    error: str | None = None  # what was wrong with the file (nothing of it was scored)


#: Chats are scored together once this many conversations are read (from one file or
#: many): the model then sees the sentences of all of them in one batch. A recording is
#: scored on its own, after the chats read before it.
BATCH_CONVERSATIONS = 64


def score_files(paths: Iterable[Path], *, rubric: str | Path | None = None, format: str | None = None,
                whisper_model: str = "base", whisper_engine: str | None = None,
                progress: FileProgress | None = None) -> Iterator[ScoredFile]:
    """Score every conversation in each file, with the packaged models; one result per
    file, in the order given.

    The rubric (a file or a built-in name; default: the default rubric) loads at once, so a
    bad rubric fails before any file is read; the text models load when first needed, after
    a recording's transcription (Whisper and they then never hold memory together). Chat
    files are read first and scored in batches across files (:data:`BATCH_CONVERSATIONS`),
    so a folder of small chats runs at the batched speed. A bad file becomes a
    :class:`ScoredFile` with its ``error`` (an unexpected one is recorded in the error log,
    which the error names) and the others are still scored. Recordings are transcribed with
    ``whisper_model`` by ``whisper_engine`` (default: the setting, else the model's default);
    ``progress`` follows each transcription."""
    from qa_coach.ingest.audio.call import TranscribeOptions

    options = TranscribeOptions(model=whisper_model, engine=whisper_engine)
    return _score_in_batches(_ScorerOnFirstUse(rubric), list(paths), format, options, progress)


class _ScorerOnFirstUse:
    """The rubric's scorer (read now), built with the packaged models when first used."""

    def __init__(self, rubric: str | Path | Rubric | None) -> None:
        if not isinstance(rubric, Rubric):
            from qa_coach.rubric.loader import load_rubric

            rubric = load_rubric(rubric)
        self.rubric = rubric
        self.signals = SignalsOnFirstUse()
        self.scorable_units = Scorer.scorable_units

    def score_many(self, interactions: list[Interaction]) -> list[Scorecard]:
        return scorer_for(self.rubric, self.signals.loaded()).score_many(interactions)


def _score_in_batches(scorer: _ScorerOnFirstUse, paths: list[Path], format: str | None, options: TranscribeOptions,
                      progress: FileProgress | None) -> Iterator[ScoredFile]:
    pending: list[ScoredFile] = []  # read (or failed) and not yet scored, in order

    def flush() -> Iterator[ScoredFile]:
        conversations = [i for read in pending for i in read.interactions]
        cards = iter(scorer.score_many(conversations) if conversations else ())
        for read in pending:
            yield read if read.error else ScoredFile(read.path, read.interactions,
                                                     tuple(next(cards) for _ in read.interactions))
        pending.clear()

    for path in paths:
        follow = None if progress is None else (lambda f, m, path=path: progress(path, f, m))
        if is_audio(path):
            yield from flush()
            yield _score_recording(scorer, path, format, options, follow)
            continue
        pending.append(_read(scorer, path, format, options, follow))
        if sum(len(r.interactions) for r in pending) >= BATCH_CONVERSATIONS:
            yield from flush()
    yield from flush()


def _score_recording(scorer: _ScorerOnFirstUse, path: Path, format: str | None, options, follow) -> ScoredFile:
    read = _read(scorer, path, format, options, follow)
    if read.error is not None:
        return read
    return ScoredFile(path, read.interactions, tuple(scorer.score_many(read.interactions)))


def _read(scorer: _ScorerOnFirstUse, path: Path, format: str | None, options, follow) -> ScoredFile:
    """The file's conversations, each checked to have something to score; or its error."""
    try:
        interactions = read_interactions(path, format, None, transcribe=options, progress=follow,
                                         signals=scorer.signals)
        for interaction in interactions:
            scorer.scorable_units(interaction)
    except QACoachError as exc:
        return ScoredFile(path, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one file's fault must not sink the batch
        return ScoredFile(path, error=f"{path}: {unexpected_error_message(exc, f'reading {path}')}")
    return ScoredFile(path, tuple(interactions))
