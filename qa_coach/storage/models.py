"""ORM models: the persistent record of a QA team's work.

Every relationship is ``lazy="raise"``: repositories say what they load, nothing loads
behind their back. Rows never leave the storage/service layer; services return frozen
dataclasses.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from qa_coach.domain.people import UserRole
from qa_coach.domain.statuses import DisputeStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class StrEnumColumn(TypeDecorator):
    """A StrEnum kept as its string value in a VARCHAR column: rows read back as members,
    a value outside the enum is refused on write. No database enum type, so the schema
    is a plain string column and a new member needs no migration."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    representatives: Mapped[list[Representative]] = relationship(back_populates="team", lazy="raise")


class Representative(Base):
    __tablename__ = "representatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    hire_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="representatives", lazy="raise")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[UserRole] = mapped_column(StrEnumColumn(UserRole, 20))
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("representatives.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(300))  # argon2id; None: cannot sign in yet
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    # Raised by sign-out and by a new password: every browser session signed before is over.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UserTeam(Base):
    """The teams a reviewer or coach works with."""

    __tablename__ = "user_teams"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)


class IngestedFile(Base):
    """One imported file for one team, recorded in the same transaction as its interactions.

    A file is stored once per team: whether it was imported before is answered from the
    caller's teams only, so a byte-identical copy held by another team is neither revealed
    nor a reason to skip. (A file whose conversations belong to several teams has a row for
    each.) ``team_id`` is empty only for files imported before teams were recorded here whose
    conversations were all already stored.
    """

    __tablename__ = "ingested_files"
    __table_args__ = (UniqueConstraint("sha256", "team_id", name="uq_ingested_files_sha256_team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(String(1000))
    interaction_count: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_rep_occurred", "representative_id", "occurred_at"),
        # Repeat contacts of a customer (first-contact resolution) from the index alone.
        Index("ix_interactions_customer_occurred", "customer_key", "occurred_at"),
        # The Interactions page's channel filter and search by ticket id or customer (a narrow scan).
        Index("ix_interactions_channel_search", "channel", "external_id", "customer_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # codec.team_content_hash: what the conversation says, within the team it was stored for,
    # so a team never stores a conversation twice and never learns of another team's copy.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    external_id: Mapped[str] = mapped_column(String(500))
    representative_id: Mapped[int] = mapped_column(ForeignKey("representatives.id"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingested_files.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column()
    language: Mapped[str | None] = mapped_column(String(20))
    customer_key: Mapped[str | None] = mapped_column(String(320))
    source_path: Mapped[str | None] = mapped_column(String(1000))
    source_format: Mapped[str] = mapped_column(String(50))
    source_locator: Mapped[str | None] = mapped_column(String(500))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    turns: Mapped[list[Any]] = mapped_column()
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    call_metrics: Mapped[dict[str, Any] | None] = mapped_column()
    people: Mapped[dict[str, Any]] = mapped_column(default=dict)  # representative/customer as the source named them
    audio_path: Mapped[str | None] = mapped_column(String(1000))  # relative to the audio store
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)


class RubricVersion(Base):
    __tablename__ = "rubric_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_key: Mapped[str] = mapped_column(String(200))  # the rubric's own id
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()


class AutoScorecard(Base):
    """One automatic scoring; a rescore adds a row and clears ``is_current`` on the old one.

    ``representative_id`` and ``occurred_at`` are copied from the interaction so that
    trend queries read one index.
    """

    __tablename__ = "auto_scorecards"
    __table_args__ = (
        Index("ix_auto_scorecards_rep_current", "representative_id", "is_current", "occurred_at", "score"),
        Index("ix_auto_scorecards_interaction", "interaction_id", "is_current"),
        # The Interactions page: current scorecards newest, lowest-scored or least sure first.
        Index("ix_auto_scorecards_current_occurred", "is_current", "occurred_at", "representative_id",
              "interaction_id"),
        Index("ix_auto_scorecards_current_score", "is_current", "score", "representative_id", "interaction_id"),
        Index("ix_auto_scorecards_current_confidence", "is_current", "min_confidence", "representative_id",
              "interaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("representatives.id"))
    occurred_at: Mapped[datetime] = mapped_column()
    score: Mapped[float | None] = mapped_column(Float)
    auto_failed: Mapped[bool] = mapped_column(Boolean)
    min_confidence: Mapped[float] = mapped_column(Float)
    sections: Mapped[list[Any]] = mapped_column()
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    criteria: Mapped[list[CriterionScore]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CriterionScore.position"
    )


class CriterionScore(Base):
    __tablename__ = "criterion_scores"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "criterion_id"),
        # "Failed criterion" filters: the scorecards that earned no points on one criterion.
        Index("ix_criterion_scores_failed", "criterion_id", "na", "points", "scorecard_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("auto_scorecards.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    criterion_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    section: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str | None] = mapped_column(String(50))
    answer_label: Mapped[str] = mapped_column(String(100))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    na: Mapped[bool] = mapped_column(Boolean)
    na_reason: Mapped[str | None] = mapped_column(Text)
    critical: Mapped[bool] = mapped_column(Boolean)
    failed_critical: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    rationale: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column()


class Review(Base):
    """The human score of an interaction (one per interaction, edited in place).

    ``version`` is SQLAlchemy's optimistic lock: an UPDATE names the version the reviewer
    loaded, so a concurrent save fails instead of silently overwriting.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"), unique=True)
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("auto_scorecards.id"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    answers: Mapped[list[ReviewAnswer]] = relationship(lazy="raise", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class ReviewAnswer(Base):
    __tablename__ = "review_answers"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str | None] = mapped_column(String(50))  # None = N/A
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    na: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_status_created", "status", "created_at"),)  # the open ones, oldest first

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(200))
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[DisputeStatus] = mapped_column(StrEnumColumn(DisputeStatus, 20), default=DisputeStatus.OPEN)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    new_answer: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class CalibrationSession(Base):
    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationScore(Base):
    """One reviewer's blind score in a calibration session."""

    __tablename__ = "calibration_scores"
    __table_args__ = (UniqueConstraint("session_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict[str, Any]] = mapped_column()  # criterion id → answer key or None (N/A)
    score: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThresholdCalibration(Base):
    """Decision thresholds refitted to a team's reviewer answers, beside the rubric version.

    ``version`` counts the calibrations of one team and rubric version from 1. At most one
    is applied per team and rubric version (the service keeps it so): scoring for the team
    then uses its thresholds; none applied means the shipped thresholds.
    """

    __tablename__ = "threshold_calibrations"
    __table_args__ = (UniqueConstraint("team_id", "rubric_version_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column()  # criterion id → [{signal, field, before, after}]
    fits: Mapped[list[Any]] = mapped_column()  # per criterion: answers, held-out kappa before/after, note
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
    applied_at: Mapped[datetime | None] = mapped_column()
    reverted_at: Mapped[datetime | None] = mapped_column()


class CoachingSession(Base):
    __tablename__ = "coaching_sessions"
    __table_args__ = (Index("ix_coaching_sessions_rep_held", "representative_id", "held_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("representatives.id"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    held_at: Mapped[datetime] = mapped_column()
    focus_criteria: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoachingInteraction(Base):
    __tablename__ = "coaching_interactions"

    session_id: Mapped[int] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"), primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True)


class ActionItem(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
