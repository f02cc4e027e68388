"""Rubric versions (the exact YAML text that produced each score), and reading a rubric
file or an uploaded rubric's text with its schema checked (its example conversations run in
:mod:`qa_coach.services.rubric_examples`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from qa_coach.domain.people import UserRole
from qa_coach.domain.rubric import Rubric
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import RubricVersion, utcnow

from .access import Sessions, audit, require_role, unit_of_work
from .errors import NotFoundError, ValidationError
from .records import RubricVersionRecord


def rubric_version_record(r: RubricVersion) -> RubricVersionRecord:
    return RubricVersionRecord(r.id, r.rubric_key, r.name, r.version, r.sha256, r.deleted_at is not None)


def register_rubric(sessions: Sessions, user_id: int, rubric: Rubric) -> RubricVersionRecord:
    """Store the rubric's text (idempotent by its SHA-256) and return its version record."""
    if not rubric.source_text or not rubric.sha256:
        raise ValidationError(f"rubric {rubric.id!r} has no source text: load it from YAML to store it")
    with unit_of_work(sessions, user_id) as (s, actor):
        existing = repo.rubric_version_by_sha(s, rubric.sha256)
        if existing is not None:
            return rubric_version_record(existing)
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="add rubric versions")
        row, created = repo.add_rubric_version(s, rubric)  # once, even when registered concurrently
        if created:
            audit(s, actor, "create", "rubric_version", row.id, rubric=rubric.id, version=rubric.version)
        return rubric_version_record(row)


def delete_rubric_version(sessions: Sessions, user_id: int, rubric_version_id: int) -> None:
    """Retire a version: its scores stay, but nothing new may be scored or reviewed with it."""
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="delete rubric versions")
        row = s.get(RubricVersion, rubric_version_id)
        if row is None:
            raise NotFoundError(f"rubric version {rubric_version_id} not found")
        row.deleted_at = utcnow()
        audit(s, actor, "delete", "rubric_version", row.id)


def list_rubric_versions(sessions: Sessions, user_id: int) -> list[RubricVersionRecord]:
    with unit_of_work(sessions, user_id) as (s, _actor):
        return [rubric_version_record(r) for r in s.scalars(select(RubricVersion).order_by(RubricVersion.id))]


def usable_rubric_version(session, rubric_version_id: int) -> RubricVersion:
    row = session.get(RubricVersion, rubric_version_id)
    if row is None:
        raise NotFoundError(f"rubric version {rubric_version_id} not found")
    if row.deleted_at is not None:
        raise ValidationError(
            f"rubric version {rubric_version_id} ({row.rubric_key} {row.version}) was deleted: "
            "score or review with a current version"
        )
    return row


def load_rubric_file(name_or_path: str | Path | None = None) -> Rubric:
    """A rubric file, or a built-in rubric by name (default: the default rubric), validated;
    an error names the file and the place in it."""
    from qa_coach.rubric.loader import load_rubric

    return load_rubric(name_or_path)


def check_rubric_text(text: str, source: str) -> Rubric:
    """The rubric in ``text`` (an uploaded file named ``source``), validated."""
    from qa_coach.rubric.loader import parse_rubric

    return parse_rubric(text, source=source)
