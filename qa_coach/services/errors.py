"""Errors the services raise; each is a QACoachError a user can read."""

from __future__ import annotations

from qa_coach.domain.errors import QACoachError


class PermissionDeniedError(QACoachError):
    """The acting user may not see or change this."""


class NotFoundError(QACoachError):
    pass


class ConflictError(QACoachError):
    """Someone else changed the record since it was loaded."""


class ValidationError(QACoachError):
    """The request is inconsistent with what is stored (e.g. a criterion the rubric lacks)."""
