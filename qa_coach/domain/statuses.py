"""The fixed states of the team's work items. Each is a StrEnum: a member equals its
string value, which is what the database stores."""

from __future__ import annotations

from enum import StrEnum


class DisputeStatus(StrEnum):
    """A representative's dispute of one criterion's answer."""

    OPEN = "open"  # waiting for a reviewer
    ACCEPTED = "accepted"  # the reviewer changed the answer
    REJECTED = "rejected"  # the reviewer kept the answer


class IngestStatus(StrEnum):
    """What happened to one imported file."""

    STORED = "stored"  # its conversations were scored and stored
    ALREADY_STORED = "already stored"  # the same file (by SHA-256) was imported before for the same team
    FAILED = "failed"  # nothing of it was stored; the outcome says why
