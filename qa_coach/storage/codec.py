"""Domain values ↔ JSON-compatible values stored in the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any, Mapping

from qa_coach.domain.call_metrics import CallMetrics
from qa_coach.domain.interaction import Channel, Interaction, Person, Role, SourceRef, Turn
from qa_coach.domain.scorecard import CriterionResult, Evidence, Scorecard, SectionScore


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetimes everywhere (SQLite hands back naive ones, stored as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def person_to_json(p: Person | None) -> dict[str, Any] | None:
    return None if p is None else {"name": p.name, "id": p.id, "email": p.email}


def person_from_json(d: Mapping[str, Any] | None) -> Person | None:
    return None if d is None else Person(d.get("name"), d.get("id"), d.get("email"))


def turn_to_json(t: Turn) -> dict[str, Any]:
    return {
        "index": t.index,
        "role": t.role.value,
        "text": t.text,
        "start": t.start,
        "end": t.end,
        "timestamp": _iso(t.timestamp),
        "speaker": person_to_json(t.speaker),
        "speaker_confidence": t.speaker_confidence,
        "source_id": t.source_id,
    }


def turn_from_json(d: Mapping[str, Any]) -> Turn:
    return Turn(
        index=d["index"],
        role=Role(d["role"]),
        text=d["text"],
        start=d.get("start"),
        end=d.get("end"),
        timestamp=_dt(d.get("timestamp")),
        speaker=person_from_json(d.get("speaker")),
        speaker_confidence=d.get("speaker_confidence", 1.0),
        source_id=d.get("source_id"),
    )


def metrics_to_json(m: CallMetrics | None) -> dict[str, Any] | None:
    return None if m is None else m.as_dict()


def metrics_from_json(d: Mapping[str, Any] | None) -> CallMetrics | None:
    if d is None:
        return None
    known = {f.name for f in fields(CallMetrics)}
    values = {k: v for k, v in d.items() if k in known}
    values["silences"] = tuple(tuple(s) for s in values.get("silences", ()))
    values["customer_sentiment_by_quarter"] = tuple(values.get("customer_sentiment_by_quarter", ()))
    return CallMetrics(**values)


def json_safe(value: Any) -> Any:
    """Metadata as plain JSON (datetimes as ISO text, mappings and tuples opened up)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def content_hash(interaction: Interaction) -> str:
    """SHA-256 of what the conversation says, not where the file lies: the same
    conversation imported twice (or from a renamed file) hashes the same."""
    doc = {
        "channel": interaction.channel.value,
        "started_at": _iso(as_utc(interaction.started_at)),
        "format": interaction.source.format,
        "locator": interaction.source.locator,
        "id": interaction.id,
        "representative": person_to_json(interaction.representative),
        "customer": person_to_json(interaction.customer),
        "turns": [turn_to_json(t) for t in interaction.turns],
        "metadata": json_safe(interaction.metadata),
    }
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # surrogatepass: a lone surrogate (a JSON file's "\ud800") hashes instead of raising
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def team_content_hash(team_id: int, conversation_hash: str) -> str:
    """The stored (unique) hash of a conversation: its :func:`content_hash` within one team.
    Migration 0005 turned the hashes stored before it into these; keep the two equal."""
    return hashlib.sha256(f"team {team_id}:{conversation_hash}".encode("ascii")).hexdigest()


def customer_key(interaction: Interaction) -> str | None:
    """Who the customer is, for repeat-contact (FCR) checks: email, else id, else name."""
    c = interaction.customer
    if c is None:
        return None
    key = c.email or c.id or c.name
    return key.strip().lower() if key else None


def interaction_from_parts(
    *,
    external_id: str,
    channel: str,
    occurred_at: datetime,
    started_known: bool,
    source_path: str | None,
    source_format: str,
    source_locator: str | None,
    language: str | None,
    turns: list[Mapping[str, Any]],
    metadata: Mapping[str, Any],
    call_metrics: Mapping[str, Any] | None,
    people: Mapping[str, Any],
) -> Interaction:
    return Interaction(
        id=external_id,
        turns=tuple(turn_from_json(t) for t in turns),
        source=SourceRef(source_path, source_format, source_locator),
        channel=Channel(channel),
        started_at=as_utc(occurred_at) if started_known else None,
        representative=person_from_json(people.get("representative")),
        customer=person_from_json(people.get("customer")),
        language=language,
        metadata=dict(metadata),
        metrics=metrics_from_json(call_metrics),
    )


def evidence_to_json(e: Evidence) -> dict[str, Any]:
    return {
        "turn_index": e.turn_index,
        "role": e.role.value,
        "quote": e.quote,
        "time": e.time,
        "start": e.start,
        "signal": e.signal,
    }


def evidence_from_json(d: Mapping[str, Any]) -> Evidence:
    return Evidence(d["turn_index"], Role(d["role"]), d["quote"], d["time"], d.get("start"), d["signal"])


def sections_to_json(card: Scorecard) -> list[dict[str, Any]]:
    return [{"name": s.name, "score": s.score, "auto_failed": s.auto_failed} for s in card.sections]


def sections_from_json(items: list[Mapping[str, Any]]) -> tuple[SectionScore, ...]:
    return tuple(SectionScore(d["name"], d["score"], d["auto_failed"]) for d in items)


def criterion_result_values(r: CriterionResult) -> dict[str, Any]:
    return {
        "criterion_id": r.criterion_id,
        "name": r.name,
        "section": r.section,
        "answer": r.answer,
        "answer_label": r.answer_label,
        "points": r.points,
        "max_points": r.max_points,
        "weight": r.weight,
        "na": r.na,
        "na_reason": r.na_reason,
        "critical": r.critical,
        "failed_critical": r.failed_critical,
        "confidence": r.confidence,
        "rationale": r.rationale,
        "evidence": [evidence_to_json(e) for e in r.evidence],
    }
