"""The way back in for a locked-out or forgotten account, from the command line.

Whoever can open the database (the machine's owner) runs ``qa-coach user set-password EMAIL``
or ``qa-coach user unlock EMAIL`` without signing in: the command acts as the local admin, like
every other command (see :func:`qa_coach.services.directory.acting_user`), so the only admin
being locked out of the app is never a dead end. Setting a password goes through
:func:`qa_coach.services.auth.set_password` (it also lifts the lock); unlocking alone keeps
the password and clears the count of wrong ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from qa_coach.domain.people import UserRole
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import User, utcnow

from .access import Sessions, audit, require_role, unit_of_work
from .account_email import invisible_character_at, normalised_email
from .errors import NotFoundError


@dataclass(frozen=True)
class AccountState:
    """What the owner needs to know about an account before and after a recovery step."""

    id: int
    email: str
    active: bool
    has_password: bool
    locked: bool


def account_state(sessions: Sessions, user_id: int, email: str, *, now: datetime | None = None) -> AccountState:
    """The account with this e-mail, as an admin sees it; NotFoundError names the address."""
    now = as_utc(now) or utcnow()
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="recover accounts")
        return _state(_account(s, email), now)


def unlock_account(sessions: Sessions, user_id: int, email: str, *, now: datetime | None = None) -> AccountState:
    """Lift the lock-out of the account with this e-mail and forget its wrong passwords (an
    admin only); the password stays. The account as it was before is returned."""
    now = as_utc(now) or utcnow()
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="unlock accounts")
        user = _account(s, email)
        before = _state(user, now)
        user.failed_sign_ins, user.locked_until = 0, None
        audit(s, actor, "unlock", "user", user.id, was_locked=before.locked)
        return before


def _account(s, email: str) -> User:
    address = normalised_email(email)
    possible = bool(address) and invisible_character_at(address) is None  # PostgreSQL refuses a NUL
    user = s.scalar(select(User).where(User.email == address)) if possible else None
    if user is None:
        raise NotFoundError(f"no account with the email {address!r}")
    return user


def _state(user: User, now: datetime) -> AccountState:
    locked_until = as_utc(user.locked_until)
    return AccountState(user.id, user.email, user.active, user.password_hash is not None,
                        locked_until is not None and locked_until > now)
