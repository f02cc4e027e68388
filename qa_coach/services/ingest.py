"""Ingest as independent jobs: one file in, its interactions stored (whole or not at all).

A job is idempotent: the file's SHA-256 is recorded in the same transaction as its
interactions, and each conversation's content hash is unique, so a job killed half-way
leaves nothing and a rerun stores each file exactly once. :class:`IngestJob` is plain,
picklable data and :func:`run_ingest_job` needs nothing but it, so another process (or a
task queue worker) can run jobs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from qa_coach.domain.errors import InputError, QACoachError
from qa_coach.domain.file_types import is_audio
from qa_coach.domain.interaction import Interaction
from qa_coach.domain.people import UserRole
from qa_coach.domain.scorecard import Scorecard
from qa_coach.domain.scoring import NothingToScoreError
from qa_coach.domain.signals import TextSignals
from qa_coach.domain.statuses import IngestStatus
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import IngestedFile, Representative, utcnow

from .access import Actor, Sessions, audit, require_rep, require_role, unit_of_work
from .directory import visible_representative
from .error_log import unexpected_error_message
from .errors import NotFoundError, ValidationError
from .records import IngestOutcome
from .rubrics import usable_rubric_version
from .scorers import scorer_for
from .threshold_calibration import rubrics_for_interactions, score_each

if TYPE_CHECKING:
    from qa_coach.ingest.audio.call import TranscribeOptions
    from qa_coach.ingest.audio.decode import Progress

Importer = Callable[[Path], list[Interaction]]


@dataclass(frozen=True)
class IngestJob:
    database_url: str
    user_id: int
    path: str
    rubric_version_id: int
    representative: str | None = None  # id, email or name; None: match each conversation's agent
    format: str | None = None
    schema: str | None = None  # PostgreSQL schema (tests)
    audio_dir: str | None = None


def run_ingest_job(job: IngestJob, *, signals: TextSignals | None = None,
                   importers: Mapping[str, Importer] | None = None) -> IngestOutcome:
    """Run one job in this process (builds its own database connection)."""
    from qa_coach.storage.database import Database

    db = _databases.get((job.database_url, job.schema))
    if db is None:
        db = _databases[(job.database_url, job.schema)] = Database(job.database_url, schema=job.schema)
    return ingest_file(
        db.session_factory(), job.user_id, Path(job.path), rubric_version_id=job.rubric_version_id,
        representative=job.representative, format=job.format, signals=signals, importers=importers,
        audio_dir=Path(job.audio_dir) if job.audio_dir else None,
    )


_databases: dict = {}


def ingest_many(jobs: Iterable[IngestJob], **kwargs) -> Iterator[IngestOutcome]:
    for job in jobs:
        yield run_ingest_job(job, **kwargs)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_interactions(path: Path, format: str | None, importers: Mapping[str, Importer] | None, *,
                      transcribe: TranscribeOptions | None = None, progress: Progress | None = None,
                      signals: TextSignals | None = None) -> list[Interaction]:
    """The conversations in one file; a recording is transcribed (``transcribe``: Whisper model
    and call settings; ``progress(fraction, message)`` follows it; ``signals`` give the call
    metrics their customer sentiment)."""
    suffix = path.suffix.lower()
    if importers and suffix in importers:
        return importers[suffix](path)
    if is_audio(path) and format in (None, "audio"):
        from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call

        return [transcribe_call(path, options=transcribe or TranscribeOptions(), progress=progress,
                                text_signals=signals)]
    from qa_coach.ingest import import_conversations

    return import_conversations(path, format=format)


def ingest_file(
    sessions: Sessions, user_id: int, path: Path, *, rubric_version_id: int,
    representative: str | None = None, format: str | None = None, signals: TextSignals | None = None,
    importers: Mapping[str, Importer] | None = None, audio_dir: Path | None = None,
    transcribe: TranscribeOptions | None = None, progress: Progress | None = None,
) -> IngestOutcome:
    """Import, score and store one file. Errors in the file come back as a failed outcome
    (never half-stored); permission and setup errors are raised. ``transcribe`` and
    ``progress``: see :func:`read_interactions` (recordings only)."""
    name = str(path)
    try:
        if not path.is_file():
            raise InputError(name, None, "file not found")
        sha = file_sha256(path)
        with unit_of_work(sessions, user_id) as (s, actor):
            require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="ingest interactions")
            version = usable_rubric_version(s, rubric_version_id)
            rubric = repo.rubric_of(version)
            fixed_rep = _resolve_rep(s, actor, representative, name) if representative is not None else None
            if _stored_for_callers_teams(s, actor, sha, fixed_rep):
                return IngestOutcome(name, IngestStatus.ALREADY_STORED)
        scorer = scorer_for(rubric, signals)
        interactions = read_interactions(path, format, importers, transcribe=transcribe, progress=progress,
                                         signals=scorer.signals)
        # each team's applied threshold calibration, if any
        rubrics = rubrics_for_interactions(sessions, version.id, rubric, interactions, fixed_rep)
        cards = score_each(rubrics, interactions, scorer.signals)
        audio_rel = _store_audio(path, sha, audio_dir) if is_audio(path) else None
        for attempt in range(2):
            try:
                with unit_of_work(sessions, user_id) as (s, actor):
                    return _store(s, actor, name, sha, interactions, cards, version.id, fixed_rep, audio_rel)
            except IntegrityError:
                # Another worker stored this file, or one of its conversations, at the same
                # moment: the file is done, or the retry skips the conversation it stored.
                with unit_of_work(sessions, user_id) as (s, actor):
                    if _stored_for_callers_teams(s, actor, sha, fixed_rep):
                        return IngestOutcome(name, IngestStatus.ALREADY_STORED)
                if attempt:
                    raise
        raise AssertionError("unreachable")
    except InputError as exc:
        return IngestOutcome(name, IngestStatus.FAILED, error=str(exc))
    except NothingToScoreError as exc:
        return IngestOutcome(name, IngestStatus.FAILED, error=f"{name}: {exc}")
    except OSError as exc:
        return IngestOutcome(name, IngestStatus.FAILED, error=f"{name}: cannot read the file ({exc.strerror or exc})")
    except (QACoachError, OperationalError, InterfaceError):
        raise  # a refused request, or the database is unreachable: not this file's fault, the batch stops
    except Exception as exc:  # a fault in reading, scoring or storing this file: the batch goes on
        return IngestOutcome(name, IngestStatus.FAILED,
                             error=f"{name}: {unexpected_error_message(exc, f'ingest {name}')}")


def _stored_for_callers_teams(s, actor: Actor, sha: str, fixed_rep: int | None) -> bool:
    """Whether this file is stored for the representative's team (when one is given), else
    for a team the actor works with (an admin: any team). Another team's copy is never
    revealed: the file is then stored for the caller's team as if new."""
    q = select(IngestedFile.id).where(IngestedFile.sha256 == sha)
    if fixed_rep is not None:
        q = q.where(IngestedFile.team_id == select(Representative.team_id)
                    .where(Representative.id == fixed_rep).scalar_subquery())
    elif not actor.is_admin:
        q = q.where(IngestedFile.team_id.in_(actor.team_ids))
    return s.scalar(q.limit(1)) is not None


def _resolve_rep(s, actor: Actor, key: str, source: str, where: str | None = None) -> int:
    """The representative a conversation is for, whom the actor may ingest for; an unknown
    one is an error in the file (a failed outcome), a forbidden one a permission error."""
    try:
        return visible_representative(s, actor, key, action="ingest for this representative").id
    except NotFoundError as exc:
        raise InputError(source, where, str(exc)) from None


def _store(s, actor, name, sha, interactions, cards, rubric_version_id, fixed_rep, audio_rel) -> IngestOutcome:
    now = utcnow()
    reps: list[int] = []
    for it in interactions:
        if fixed_rep is not None:
            rep_id = fixed_rep  # checked again: this is a new transaction
            require_rep(s, actor, rep_id, action="ingest for this representative")
        else:
            person = it.representative
            key = (person.email or person.name or person.id) if person else None
            if not key:
                raise InputError(name, it.source.locator,
                                 "no representative is named in the conversation: choose one for the whole file")
            rep_id = _resolve_rep(s, actor, key, name, it.source.locator)
        reps.append(rep_id)
    teams = _teams_of(s, reps)
    file_ids = {}  # one row per team the file's conversations belong to
    for team in dict.fromkeys(teams[r] for r in reps):
        file_row = IngestedFile(sha256=sha, team_id=team, name=name, ingested_by=actor.user_id,
                                interaction_count=sum(teams[r] == team for r in reps))
        s.add(file_row)
        s.flush()
        file_ids[team] = file_row.id
    ids, duplicates = _insert_scored(s, interactions, cards, reps, rubric_version_id, file_ids, audio_rel, now)
    for team, file_id in file_ids.items():
        audit(s, actor, "ingest", "file", file_id, name=name, sha256=sha, team_id=team, interactions=ids,
              duplicates=duplicates)
    return IngestOutcome(name, IngestStatus.STORED, tuple(ids), duplicates)


def _teams_of(s, reps: Iterable[int]) -> dict[int, int]:
    """Representative id → team id."""
    wanted = set(reps)
    if not wanted:
        return {}
    return dict(s.execute(select(Representative.id, Representative.team_id).where(Representative.id.in_(wanted))).all())


def _insert_scored(s, interactions, cards, reps, rubric_version_id, file_ids: Mapping[int, int] | None, audio_rel,
                   now) -> tuple[list[int], int]:
    """Insert new conversations and their scorecards in two batched flushes; conversations
    their team already holds (same content hash) are skipped and counted. Another team's
    copy is neither counted nor a reason to skip. ``file_ids``: team → its file row."""
    teams = _teams_of(s, reps)
    hashes = [repo.codec.team_content_hash(teams[r], repo.codec.content_hash(it)) for it, r in zip(interactions, reps)]
    seen = repo.existing_hashes(s, hashes)
    rows, fresh_cards, duplicates = [], [], 0
    for it, card, rep_id, h in zip(interactions, cards, reps, hashes):
        if h in seen:
            duplicates += 1
            continue
        seen.add(h)
        rows.append(repo.interaction_values(it, rep_id=rep_id, file_id=(file_ids or {}).get(teams[rep_id]),
                                            audio_path=audio_rel, now=now, content_hash=h))
        fresh_cards.append(card)
    return repo.insert_scored(s, rows, fresh_cards, rubric_version_id), duplicates


def store_scored(
    sessions: Sessions, user_id: int, items: Sequence[tuple[Interaction, Scorecard]], *, representative: str,
    rubric_version_id: int,
) -> IngestOutcome:
    """Store conversations already scored elsewhere (e.g. by a worker), in one transaction.

    Each scorecard must come from the given rubric version (checked by its SHA-256);
    conversations already stored are skipped.
    """
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH, action="ingest interactions")
        version = usable_rubric_version(s, rubric_version_id)
        for _, card in items:
            if card.rubric_sha256 != version.sha256:
                raise ValidationError(
                    f"scorecard of {card.interaction_id} was made by rubric {card.rubric_id} {card.rubric_version} "
                    f"({card.rubric_sha256[:12]}), not by rubric version {version.id}; nothing was stored"
                )
        rep_id = _resolve_rep(s, actor, representative, "<pre-scored records>")
        ids, duplicates = _insert_scored(s, [i for i, _ in items], [c for _, c in items], [rep_id] * len(items),
                                         version.id, None, None, utcnow())
        audit(s, actor, "ingest", "records", None, interactions=len(ids), duplicates=duplicates)
        return IngestOutcome("<pre-scored records>", IngestStatus.STORED, tuple(ids), duplicates)


def _store_audio(path: Path, sha: str, audio_dir: Path | None) -> str:
    """Copy the recording into the content-addressed store; returns its relative path."""
    from qa_coach.storage.config import audio_store_dir

    root = audio_dir or audio_store_dir()
    rel = Path(sha[:2]) / f"{sha}{path.suffix.lower()}"
    target = root / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return rel.as_posix()
