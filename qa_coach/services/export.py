"""Export of scores and reviews (rows for CSV, nested records for JSON), within what the
acting user may see."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import (
    AutoScorecard,
    InteractionRow,
    Representative,
    Review,
    RubricVersion,
    User,
)

from .access import Sessions, rep_scope, require_rep, unit_of_work
from .errors import PermissionDeniedError

CSV_COLUMNS = (
    "interaction_id", "external_id", "representative", "team_id", "occurred_at", "channel", "source",
    "rubric", "rubric_version", "auto_score", "human_score", "reviewer", "criterion_id", "criterion",
    "auto_answer", "auto_points", "max_points", "auto_na", "confidence", "human_answer", "human_comment",
)


def export_records(sessions: Sessions, user_id: int, *, representative_id: int | None = None,
                   team_id: int | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """One record per interaction: its current automatic scorecard and its human review."""
    with unit_of_work(sessions, user_id) as (s, actor):
        q = (
            select(InteractionRow, AutoScorecard, Representative)
            .join(AutoScorecard, (AutoScorecard.interaction_id == InteractionRow.id) & AutoScorecard.is_current.is_(True))
            .join(Representative, Representative.id == InteractionRow.representative_id)
            .where(rep_scope(actor, InteractionRow.representative_id))
            .options(selectinload(AutoScorecard.criteria))
            .order_by(InteractionRow.occurred_at, InteractionRow.id)
        )
        if representative_id is not None:
            require_rep(s, actor, representative_id, action="export this representative's scores")
            q = q.where(InteractionRow.representative_id == representative_id)
        if team_id is not None:
            if not actor.is_admin and team_id not in actor.team_ids:
                raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not export team {team_id}")
            q = q.where(Representative.team_id == team_id)
        if since is not None:
            q = q.where(InteractionRow.occurred_at >= as_utc(since))
        if until is not None:
            q = q.where(InteractionRow.occurred_at < as_utc(until))
        rows = s.execute(q).all()
        ids = [r[0].id for r in rows]
        reviews = {r.interaction_id: r for r in s.scalars(
            select(Review).where(Review.interaction_id.in_(ids)).options(selectinload(Review.answers)))} if ids else {}
        versions = {v.id: v for v in s.scalars(select(RubricVersion))}
        reviewers = {u.id: u.name for u in s.scalars(select(User).where(User.id.in_({r.reviewer_id for r in reviews.values()})))}
        out = []
        for it, card, rep in rows:
            version = versions[card.rubric_version_id]
            review = reviews.get(it.id)
            human = {a.criterion_id: a for a in review.answers} if review else {}
            out.append({
                "interaction_id": it.id, "external_id": it.external_id, "representative": rep.name,
                "representative_id": rep.id, "team_id": rep.team_id, "occurred_at": as_utc(it.occurred_at).isoformat(),
                "channel": it.channel, "source": it.source_path, "rubric": version.rubric_key,
                "rubric_version": version.version, "rubric_sha256": version.sha256, "auto_score": card.score,
                "auto_failed": card.auto_failed,
                "review": None if review is None else {
                    "score": review.score, "reviewer": reviewers.get(review.reviewer_id), "comment": review.comment,
                    "version": review.version, "updated_at": as_utc(review.updated_at).isoformat(),
                },
                "criteria": [
                    {
                        "criterion_id": c.criterion_id, "name": c.name, "section": c.section, "answer": c.answer,
                        "answer_label": c.answer_label, "points": c.points, "max_points": c.max_points, "na": c.na,
                        "confidence": c.confidence, "rationale": c.rationale, "evidence": c.evidence,
                        "human_answer": human[c.criterion_id].answer if c.criterion_id in human else None,
                        "human_na": human[c.criterion_id].na if c.criterion_id in human else None,
                        "human_comment": human[c.criterion_id].comment if c.criterion_id in human else None,
                    }
                    for c in card.criteria
                ],
            })
        return out


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(...) from a
# chat would run on opening the file); OWASP's advice: lead such a cell with a single quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would read as a formula gets a
    leading single quote; numbers and other text are kept as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per interaction and criterion (long format), columns in CSV_COLUMNS; every
    text cell is :func:`spreadsheet_text` (chat data may hold formulas)."""
    rows = []
    for r in records:
        review = r["review"] or {}
        for c in r["criteria"]:
            human = BuiltInAnswer.NA if c["human_na"] else c["human_answer"]
            rows.append({
                "interaction_id": r["interaction_id"], "external_id": r["external_id"],
                "representative": r["representative"], "team_id": r["team_id"], "occurred_at": r["occurred_at"],
                "channel": r["channel"], "source": r["source"], "rubric": r["rubric"],
                "rubric_version": r["rubric_version"], "auto_score": r["auto_score"],
                "human_score": review.get("score"), "reviewer": review.get("reviewer"),
                "criterion_id": c["criterion_id"], "criterion": c["name"],
                "auto_answer": c["answer"] or BuiltInAnswer.NA,
                "auto_points": c["points"], "max_points": c["max_points"], "auto_na": c["na"],
                "confidence": c["confidence"], "human_answer": human or "", "human_comment": c["human_comment"] or "",
            })
    return [{k: spreadsheet_text(v) for k, v in row.items()} for row in rows]


def csv_text(records: list[dict[str, Any]]) -> str:
    """The CSV export: a header of CSV_COLUMNS, then :func:`csv_rows`."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(csv_rows(records))
    return buf.getvalue()


def json_text(records: list[dict[str, Any]]) -> str:
    """The JSON export: ``{"interactions": [...]}``, one nested record per interaction."""
    return json.dumps({"interactions": records}, indent=2, ensure_ascii=False) + "\n"
