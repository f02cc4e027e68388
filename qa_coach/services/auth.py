"""Local accounts: argon2id password hashes, lock-out after repeated failures, first-run admin.

Sign-in answers the same "wrong email or password" whether the email exists or not, so
the form does not reveal who has an account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.people import UserRole
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import User, UserTeam, utcnow

from .access import Sessions, audit, require_role, unit_of_work
from .directory import bootstrap_admin, user_record
from .errors import ConflictError, NotFoundError, ValidationError
from .records import UserRecord

MAX_FAILURES = 5  # consecutive wrong passwords before the account locks
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 8


def _production_hasher() -> PasswordHasher:
    """argon2id at argon2-cffi's default cost (RFC 9106's low-memory profile). The tests swap
    ``_hasher`` for a cheap one; a hash carries its own parameters, so either verifies both."""
    return PasswordHasher()


_hasher = _production_hasher()


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so both cases take the same time."""
    return hasher.hash("not a real password")


_dummy_hash(_hasher)  # made now: the first unknown email takes no longer than a later one


class SignInError(QACoachError):
    """Wrong email or password, a locked account, or one without a password yet."""


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        raise ValidationError("a password may not start or end with spaces")


def needs_first_admin(sessions: Sessions) -> bool:
    """True until some active admin has a password (the first-run screen shows until then)."""
    with sessions() as s:
        return not s.scalar(select(func.count()).select_from(User).where(
            User.role == UserRole.ADMIN, User.active.is_(True), User.password_hash.is_not(None)))


def create_first_admin(sessions: Sessions, name: str, email: str, password: str) -> UserRecord:
    """The first admin who can sign in. An admin made by the command line (no password yet)
    becomes this account; refused once any admin has a password."""
    if not name.strip() or "@" not in email:
        raise ValidationError("give a name and an email address")
    digest = hash_password(password)
    with sessions.begin() as s:
        if s.scalar(select(func.count()).select_from(User).where(User.role == UserRole.ADMIN,
                                                                 User.password_hash.is_not(None))):
            raise ConflictError("an admin account already exists: sign in, or ask that admin for an account")
        user = s.scalar(select(User).where(User.role == UserRole.ADMIN, User.active.is_(True)).order_by(User.id))
        if user is not None:
            user.name, user.email, user.password_hash = name.strip(), email.strip().lower(), digest
            audit(s, None, "first_admin", "user", user.id, email=user.email)
            return user_record(user)
    record = bootstrap_admin(sessions, name.strip(), email)
    with sessions.begin() as s:
        s.get(User, record.id).password_hash = digest
    return record


def sign_in(sessions: Sessions, email: str, password: str, *, now: datetime | None = None) -> UserRecord:
    now = as_utc(now) or utcnow()
    with sessions.begin() as s:
        user = s.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or not user.active or user.password_hash is None:
            _verify(_dummy_hash(_hasher), password)
            raise SignInError("wrong email or password")
        locked = as_utc(user.locked_until)
        if locked is not None and locked > now:
            minutes = max(1, round((locked - now).total_seconds() / 60))
            raise SignInError(f"this account is locked after {MAX_FAILURES} wrong passwords: "
                              f"try again in {minutes} minute{'s' if minutes != 1 else ''} or ask an admin")
        if not _verify(user.password_hash, password):
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= MAX_FAILURES:
                user.locked_until, user.failed_sign_ins = now + timedelta(minutes=LOCK_MINUTES), 0
                audit(s, None, "lock", "user", user.id)
                # The transaction must commit the lock, so the error is raised after it.
                message = (f"too many wrong passwords: the account is locked for {LOCK_MINUTES} minutes")
            else:
                message = "wrong email or password"
            failed = True
        else:
            failed = False
            user.failed_sign_ins, user.locked_until = 0, None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            audit(s, None, "sign_in", "user", user.id)
            record = user_record(user)
    if failed:
        raise SignInError(message)
    return record


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(sessions: Sessions, user_id: int, target_user_id: int, password: str) -> None:
    """An admin sets anyone's password (and unlocks the account); a user may set their own."""
    digest = hash_password(password)
    with unit_of_work(sessions, user_id) as (s, actor):
        if target_user_id != actor.user_id:
            require_role(actor, UserRole.ADMIN, action="set other users' passwords")
        user = s.get(User, target_user_id)
        if user is None:
            raise NotFoundError(f"user {target_user_id} not found")
        user.password_hash, user.failed_sign_ins, user.locked_until = digest, 0, None
        audit(s, actor, "set_password", "user", user.id)


def change_own_password(sessions: Sessions, user_id: int, old_password: str, new_password: str) -> None:
    with sessions() as s:
        user = s.get(User, user_id)
        if user is None or user.password_hash is None or not _verify(user.password_hash, old_password):
            raise SignInError("the current password is wrong")
    set_password(sessions, user_id, user_id, new_password)


def set_active(sessions: Sessions, user_id: int, target_user_id: int, active: bool) -> None:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="activate or deactivate users")
        if target_user_id == actor.user_id and not active:
            raise ValidationError("you cannot deactivate your own account")
        user = s.get(User, target_user_id)
        if user is None:
            raise NotFoundError(f"user {target_user_id} not found")
        user.active = active
        audit(s, actor, "activate" if active else "deactivate", "user", user.id)


@dataclass(frozen=True)
class AccountRecord:
    id: int
    name: str
    email: str
    role: str
    representative_id: int | None
    team_ids: tuple[int, ...]
    active: bool
    has_password: bool
    locked: bool


def list_accounts(sessions: Sessions, user_id: int, *, now: datetime | None = None) -> list[AccountRecord]:
    now = as_utc(now) or utcnow()
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="list user accounts")
        teams: dict[int, list[int]] = {}
        for uid, tid in s.execute(select(UserTeam.user_id, UserTeam.team_id).order_by(UserTeam.team_id)):
            teams.setdefault(uid, []).append(tid)
        return [
            AccountRecord(u.id, u.name, u.email, u.role, u.representative_id, tuple(teams.get(u.id, ())), u.active,
                          u.password_hash is not None, as_utc(u.locked_until) is not None and as_utc(u.locked_until) > now)
            for u in s.scalars(select(User).order_by(User.role, User.name))
        ]
