"""The JSON form of a scorecard. Its shape is documented in docs/scorecard.schema.json;
``schema_version`` changes whenever a field is removed or changes meaning."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Interaction
from qa_coach.domain.scorecard import SCORECARD_SCHEMA_VERSION, Scorecard

SCHEMA_ID = "qa-coach/scorecard"


def scorecard_to_dict(card: Scorecard, interaction: Interaction) -> dict[str, Any]:
    rep = interaction.representative
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCORECARD_SCHEMA_VERSION,
        "interaction": {
            "id": interaction.id,
            "source": {
                "path": interaction.source.path,
                "format": interaction.source.format,
                "locator": interaction.source.locator,
            },
            "channel": interaction.channel.value,
            "started_at": interaction.started_at.isoformat() if interaction.started_at else None,
            "representative": (
                {"name": rep.name, "id": rep.id, "email": rep.email} if rep and rep.is_known else None
            ),
            "turns": len(interaction.turns),
        },
        "rubric": {"id": card.rubric_id, "version": card.rubric_version, "sha256": card.rubric_sha256},
        "score": card.score,
        "auto_failed": card.auto_failed,
        "sections": [
            {"name": s.name, "score": s.score, "auto_failed": s.auto_failed} for s in card.sections
        ],
        "criteria": [
            {
                "id": r.criterion_id,
                "name": r.name,
                "section": r.section,
                "answer": r.answer,
                "answer_label": r.answer_label,
                "na": r.na,
                "na_reason": r.na_reason,
                "points": r.points,
                "max_points": r.max_points,
                "critical": r.critical,
                "failed_critical": r.failed_critical,
                "confidence": r.confidence,
                "rationale": r.rationale,
                "evidence": [
                    {
                        "turn": e.turn_index,
                        "speaker": e.role.value,
                        "time": e.time or None,
                        "start_seconds": e.start,
                        "quote": e.quote,
                        "signal": e.signal,
                    }
                    for e in r.evidence
                ],
            }
            for r in card.results
        ],
    }
