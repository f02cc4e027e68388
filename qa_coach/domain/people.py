"""The people who use qa_coach: the roles a user account may have."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """What a user may do; the services check it. Stored as its value ("admin", ...)."""

    ADMIN = "admin"  # manages the team, the users and the rubrics
    REVIEWER = "reviewer"  # reviews scores, decides disputes, calibrates
    COACH = "coach"  # coaches representatives, follows their progress
    REPRESENTATIVE = "representative"  # an agent: sees and disputes their own scores
