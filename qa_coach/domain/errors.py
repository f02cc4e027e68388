"""Errors a user can act on: each names the file and the place in it."""

from __future__ import annotations

from pathlib import Path


class QACoachError(Exception):
    """Base class for every error qa_coach reports to a user (never a traceback)."""


class InputError(QACoachError):
    """Bad input: names the file (or source) and where in it the problem is.

    ``where`` is a human-readable locator such as ``line 12``, ``row 4, column 'text'``
    or a field path like ``analysisInput.conversations[0].conversationItems[3].text``.
    """

    def __init__(self, source: str | Path | None, where: str | None, message: str) -> None:
        self.source = str(source) if source is not None else None
        self.where = where
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ModelMissingError(QACoachError):
    """A model file is missing or corrupt; the message says how to install it."""
