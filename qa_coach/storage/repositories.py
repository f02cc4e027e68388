"""Queries and row ↔ value conversions; no commits here (the services own transactions)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Iterable, Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from qa_coach.domain.interaction import Interaction
from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scorecard import CriterionResult, Scorecard

from . import codec
from .models import (
    AutoScorecard,
    CriterionScore,
    InteractionRow,
    Representative,
    Review,
    RubricVersion,
)


@lru_cache(maxsize=32)
def _parse(yaml_text: str, source: str) -> Rubric:
    from qa_coach.rubric.loader import parse_rubric

    return parse_rubric(yaml_text, source=source)


def rubric_of(row: RubricVersion) -> Rubric:
    return _parse(row.yaml_text, f"rubric version {row.id} ({row.rubric_key} {row.version})")


def rubric_version_by_sha(session: Session, sha256: str) -> RubricVersion | None:
    return session.scalar(select(RubricVersion).where(RubricVersion.sha256 == sha256))


def add_rubric_version(session: Session, rubric: Rubric) -> tuple[RubricVersion, bool]:
    """The stored version of ``rubric`` (by its SHA-256) and whether this call inserted it.

    ``INSERT ... ON CONFLICT (sha256) DO NOTHING``: when concurrent first ingests register
    the same rubric, one inserts it and the others wait for that transaction, then read its
    row, instead of failing on the unique SHA-256.
    """
    values = dict(rubric_key=rubric.id, name=rubric.name, version=rubric.version, sha256=rubric.sha256,
                  yaml_text=rubric.source_text)
    inserted = session.scalar(
        _dialect_insert(session)(RubricVersion).values(**values)
        .on_conflict_do_nothing(index_elements=[RubricVersion.sha256])
        .returning(RubricVersion.id)
    )
    row = session.scalar(select(RubricVersion).where(RubricVersion.sha256 == rubric.sha256))
    if row is None:  # not inserted and not readable: cannot happen under the unique constraint
        raise LookupError(f"rubric version {rubric.sha256} neither inserted nor found")
    return row, inserted is not None


def _dialect_insert(session: Session):
    """The INSERT construct of the session's backend that has ``on_conflict_do_nothing``."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        raise NotImplementedError(f"qa_coach stores its data in SQLite or PostgreSQL, not {name}")
    return dialect_insert


def interaction_row(interaction: Interaction, **kwargs) -> InteractionRow:
    return InteractionRow(**interaction_values(interaction, **kwargs))


def interaction_values(interaction: Interaction, *, rep_id: int, file_id: int | None, audio_path: str | None,
                       now: datetime, content_hash: str | None = None) -> dict:
    """The column values (by attribute name) of a new interaction row."""
    started = codec.as_utc(interaction.started_at)
    metadata = codec.json_safe(interaction.metadata)
    metadata["_started_known"] = started is not None
    return dict(
        content_hash=content_hash or codec.content_hash(interaction),
        external_id=interaction.id,
        representative_id=rep_id,
        file_id=file_id,
        channel=interaction.channel.value,
        occurred_at=started or now,
        language=interaction.language,
        customer_key=codec.customer_key(interaction),
        source_path=interaction.source.path,
        source_format=interaction.source.format,
        source_locator=interaction.source.locator,
        duration_seconds=_duration(interaction),
        turns=[codec.turn_to_json(t) for t in interaction.turns],
        metadata_json=metadata,
        call_metrics=codec.metrics_to_json(interaction.metrics),
        people={
            "representative": codec.person_to_json(interaction.representative),
            "customer": codec.person_to_json(interaction.customer),
        },
        audio_path=audio_path,
        ingested_at=now,
    )


def _duration(interaction: Interaction) -> float | None:
    if interaction.metrics is not None:
        return interaction.metrics.duration
    calls = interaction.metadata.get("calls")
    if isinstance(calls, (list, tuple)):
        durations = [_number(c.get("duration")) for c in calls if isinstance(c, dict)]
        durations = [d for d in durations if d is not None]
        if durations:
            return float(sum(durations))
    return interaction.duration


def _number(value) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def interaction_of(row: InteractionRow) -> Interaction:
    metadata = dict(row.metadata_json)
    started_known = bool(metadata.pop("_started_known", True))
    return codec.interaction_from_parts(
        external_id=row.external_id,
        channel=row.channel,
        occurred_at=row.occurred_at,
        started_known=started_known,
        source_path=row.source_path,
        source_format=row.source_format,
        source_locator=row.source_locator,
        language=row.language,
        turns=row.turns,
        metadata=metadata,
        call_metrics=row.call_metrics,
        people=row.people or {},
    )


def add_scorecard(session: Session, card: Scorecard, *, interaction: InteractionRow, rubric_version_id: int,
                  new: bool = False) -> AutoScorecard:
    """A new current scorecard for the interaction; older ones stay as history.

    ``new``: the interaction was just inserted, so there is no earlier scorecard to retire.
    """
    if interaction.id is None:
        session.flush()
    if not new:
        session.execute(
            update(AutoScorecard)
            .where(AutoScorecard.interaction_id == interaction.id, AutoScorecard.is_current.is_(True))
            .values(is_current=False)
        )
    row = AutoScorecard(
        **_scorecard_values(
            card,
            interaction_id=interaction.id,
            rubric_version_id=rubric_version_id,
            representative_id=interaction.representative_id,
            occurred_at=interaction.occurred_at,
        ),
        criteria=[
            CriterionScore(position=i, **codec.criterion_result_values(r)) for i, r in enumerate(card.results)
        ],
    )
    session.add(row)
    return row


def insert_scored(session: Session, interactions: Sequence[dict], cards: Sequence[Scorecard], rubric_version_id: int) -> list[int]:
    """Bulk-insert new interactions (values from :func:`interaction_values`) with their
    scorecards and criterion scores: three INSERT statements, no ORM objects."""
    if not interactions:
        return []
    ids = list(session.scalars(
        insert(InteractionRow).returning(InteractionRow.id, sort_by_parameter_order=True), list(interactions)))
    card_ids = list(session.scalars(
        insert(AutoScorecard).returning(AutoScorecard.id, sort_by_parameter_order=True),
        [
            {
                **_scorecard_values(
                    card,
                    interaction_id=iid,
                    rubric_version_id=rubric_version_id,
                    representative_id=values["representative_id"],
                    occurred_at=values["occurred_at"],
                ),
                "created_at": values["ingested_at"],
            }
            for iid, values, card in zip(ids, interactions, cards)
        ],
    ))
    session.execute(insert(CriterionScore), [
        {"scorecard_id": cid, "position": i, **codec.criterion_result_values(r)}
        for cid, card in zip(card_ids, cards)
        for i, r in enumerate(card.results)
    ])
    return ids


def _scorecard_values(card: Scorecard, *, interaction_id: int, rubric_version_id: int,
                      representative_id: int, occurred_at: datetime) -> dict:
    """The column values (by attribute name) of a new current scorecard row."""
    return dict(
        interaction_id=interaction_id,
        rubric_version_id=rubric_version_id,
        representative_id=representative_id,
        occurred_at=occurred_at,
        score=card.score,
        auto_failed=card.auto_failed,
        min_confidence=card.min_confidence,
        sections=codec.sections_to_json(card),
        is_current=True,
    )


def scorecard_of(row: AutoScorecard, rubric_row: RubricVersion, interaction_external_id: str) -> Scorecard:
    results = tuple(
        CriterionResult(
            criterion_id=c.criterion_id,
            name=c.name,
            section=c.section,
            answer=c.answer,
            answer_label=c.answer_label,
            points=c.points,
            max_points=c.max_points,
            weight=c.weight,
            na=c.na,
            na_reason=c.na_reason,
            critical=c.critical,
            failed_critical=c.failed_critical,
            confidence=c.confidence,
            rationale=c.rationale,
            evidence=tuple(codec.evidence_from_json(e) for e in c.evidence),
        )
        for c in row.criteria
    )
    return Scorecard(
        interaction_id=interaction_external_id,
        rubric_id=rubric_row.rubric_key,
        rubric_version=rubric_row.version,
        rubric_sha256=rubric_row.sha256,
        results=results,
        sections=codec.sections_from_json(row.sections),
        score=row.score,
        auto_failed=row.auto_failed,
    )


def scorecards_for(session: Session, interaction_ids: Sequence[int], *, current_only: bool = True) -> list[AutoScorecard]:
    q = (
        select(AutoScorecard)
        .where(AutoScorecard.interaction_id.in_(interaction_ids))
        .options(selectinload(AutoScorecard.criteria))
        .order_by(AutoScorecard.interaction_id, AutoScorecard.id.desc())
    )
    if current_only:
        q = q.where(AutoScorecard.is_current.is_(True))
    return list(session.scalars(q))


def current_scorecard(session: Session, interaction_id: int) -> AutoScorecard | None:
    rows = scorecards_for(session, [interaction_id])
    return rows[0] if rows else None


def review_for(session: Session, interaction_id: int) -> Review | None:
    return session.scalar(
        select(Review).where(Review.interaction_id == interaction_id).options(selectinload(Review.answers))
    )


def find_representative(session: Session, key: str | int) -> Representative | None:
    """By id, then email, then exact name (case-insensitive)."""
    text = str(key).strip()
    if text.isdigit():
        row = session.get(Representative, int(text))
        if row is not None:
            return row
    row = session.scalar(select(Representative).where(Representative.email == text.lower()))
    if row is not None:
        return row
    rows = list(session.scalars(select(Representative).where(Representative.name.ilike(text))))
    return rows[0] if len(rows) == 1 else None


def existing_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    hashes = list(hashes)
    if not hashes:
        return set()
    return set(session.scalars(select(InteractionRow.content_hash).where(InteractionRow.content_hash.in_(hashes))))
