"""Who the acting user is and what they may see: enforced in every service."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, sessionmaker

from qa_coach.domain.people import UserRole
from qa_coach.storage.models import AuditEntry, Representative, User, UserTeam

from .errors import NotFoundError, PermissionDeniedError

Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    role: UserRole
    representative_id: int | None
    team_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


def load_actor(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise PermissionDeniedError(f"user {user_id} does not exist or is inactive")
    teams = frozenset(session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user_id)))
    if user.role == UserRole.REPRESENTATIVE and user.representative_id is not None:
        own_team = session.scalar(select(Representative.team_id).where(Representative.id == user.representative_id))
        teams = frozenset({own_team}) if own_team is not None else frozenset()
    return Actor(user.id, user.name, user.role, user.representative_id, teams)


@contextmanager
def unit_of_work(sessions: Sessions, user_id: int) -> Iterator[tuple[Session, Actor]]:
    """One transaction for one use case: committed when the block succeeds."""
    with sessions.begin() as session:
        yield session, load_actor(session, user_id)


def require_role(actor: Actor, *roles: UserRole, action: str) -> None:
    if actor.role not in roles:
        raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not {action}")


def rep_scope(actor: Actor, rep_column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting ``rep_column`` to the representatives the actor may see."""
    if actor.is_admin:
        return true()
    if actor.role == UserRole.REPRESENTATIVE:
        return rep_column == (actor.representative_id if actor.representative_id is not None else -1)
    return rep_column.in_(select(Representative.id).where(Representative.team_id.in_(actor.team_ids)))


def can_see_rep(session: Session, actor: Actor, rep_id: int) -> bool:
    if actor.is_admin:
        return True
    if actor.role == UserRole.REPRESENTATIVE:
        return actor.representative_id == rep_id
    team = session.scalar(select(Representative.team_id).where(Representative.id == rep_id))
    return team is not None and team in actor.team_ids


def require_rep(session: Session, actor: Actor, rep_id: int, action: str = "see this representative") -> None:
    if session.get(Representative, rep_id) is None:
        raise NotFoundError(f"representative {rep_id} not found")
    if not can_see_rep(session, actor, rep_id):
        raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not {action} (representative {rep_id})")


def audit(session: Session, actor: Actor | None, action: str, entity: str, entity_id: Any, **details: Any) -> None:
    session.add(
        AuditEntry(
            user_id=actor.user_id if actor else None,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            details=details,
        )
    )
