"""Local accounts: argon2id password hashes, lock-out after repeated failures, first-run admin.

Sign-in gives one answer, :data:`SIGN_IN_REFUSED`, to every refusal: an unknown e-mail, a
wrong password, a locked or deactivated account, one without a password yet. Each refusal
costs one argon2 check (against a stand-in hash when no account's hash may be checked), so
neither the words nor the time tell whether an account exists or is locked. The answer
states the lock-out policy instead, so a person locked out knows why and what to do.

Lock-out: each password check, at sign-in and of the current password when changing it,
first takes one of the account's :data:`MAX_FAILURES` attempts in a single conditional
``UPDATE ... RETURNING`` (see :func:`_take_attempt`); the attempt that takes the last one
locks the account for :data:`LOCK_MINUTES` in that same statement. The database serialises
the statement per row (PostgreSQL's row lock, SQLite's one writer), so parallel guesses
each take their own turn and at most :data:`MAX_FAILURES` of them are ever checked before
the lock; none is checked while it lasts. A right password clears the count, an expired lock
starts it again from one, and an admin's :func:`set_password` unlocks at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, and_, case, func, literal, null, or_, select, update

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.people import UserRole
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import User, UserTeam, utcnow

from .access import Sessions, audit, load_actor, require_role, unit_of_work
from .account_email import account_email, invisible_character_at, normalised_email
from .browser_sessions import end_sessions_of
from .directory import bootstrap_admin, user_record
from .errors import ConflictError, NotFoundError, ValidationError
from .records import UserRecord

MAX_FAILURES = 5  # consecutive wrong passwords before the account locks
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
_LOCK_OUT_POLICY = (f"after {MAX_FAILURES} wrong passwords in a row an account is locked for {LOCK_MINUTES} "
                    "minutes, or until an admin sets a new password")
SIGN_IN_REFUSED = f"wrong email or password ({_LOCK_OUT_POLICY})"
WRONG_CURRENT_PASSWORD = f"the current password is wrong ({_LOCK_OUT_POLICY})"


def _production_hasher() -> PasswordHasher:
    """argon2id at argon2-cffi's default cost (RFC 9106's low-memory profile). The tests swap
    ``_hasher`` for a cheap one; a hash carries its own parameters, so either verifies both."""
    return PasswordHasher()


_hasher = _production_hasher()


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when no account's hash may be checked (an unknown e-mail, a locked
    account ...), so every refusal takes the time of one check."""
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
    email = account_email(email)
    digest = hash_password(password)
    with sessions.begin() as s:
        if s.scalar(select(func.count()).select_from(User).where(User.role == UserRole.ADMIN,
                                                                 User.password_hash.is_not(None))):
            raise ConflictError("an admin account already exists: sign in, or ask that admin for an account")
        user = s.scalar(select(User).where(User.role == UserRole.ADMIN, User.active.is_(True)).order_by(User.id))
        if user is not None:
            user.name, user.email, user.password_hash = name.strip(), email, digest
            audit(s, None, "first_admin", "user", user.id, email=user.email)
            return user_record(user)
    record = bootstrap_admin(sessions, name.strip(), email)
    with sessions.begin() as s:
        s.get(User, record.id).password_hash = digest
    return record


def sign_in(sessions: Sessions, email: str, password: str, *, now: datetime | None = None) -> UserRecord:
    """The account with this e-mail and password; :class:`SignInError` with :data:`SIGN_IN_REFUSED`
    otherwise, whatever the reason (see the module's docstring)."""
    now = as_utc(now) or utcnow()
    address = normalised_email(email)
    # An address no account can have is never looked up: PostgreSQL refuses a NUL in it.
    possible = invisible_character_at(address) is None
    user_id = _counted_password_check(sessions, User.email == address, password, now) if possible else None
    if user_id is None:
        if not possible:
            _verify(_dummy_hash(_hasher), password)
        raise SignInError(SIGN_IN_REFUSED)
    with sessions.begin() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:  # removed or deactivated since the check
            raise SignInError(SIGN_IN_REFUSED)
        user.failed_sign_ins, user.locked_until = 0, None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        audit(s, None, "sign_in", "user", user.id)
        return user_record(user)


@dataclass(frozen=True)
class _Attempt:
    user_id: int
    password_hash: str
    failures: int  # wrong passwords in a row, this attempt counted as one


def _take_attempt(sessions: Sessions, account: ColumnElement[bool], now: datetime) -> _Attempt | None:
    """Count one password check against the active, unlocked account with a password that
    ``account`` selects, before the check is made; None when there is no such account.

    One statement reads and writes the count, so no two attempts see the same one; the
    attempt that reaches :data:`MAX_FAILURES` sets the lock in it. A right password then
    clears the count (the caller's job). SET expressions read the row as it was."""
    expired = and_(User.locked_until.is_not(None), User.locked_until <= now)
    failures = case((expired, 1), else_=User.failed_sign_ins + 1)
    lock_ends = literal(now + timedelta(minutes=LOCK_MINUTES), User.locked_until.type)
    statement = (
        update(User)
        .where(account, User.active.is_(True), User.password_hash.is_not(None),
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_sign_ins=failures, locked_until=case((failures >= MAX_FAILURES, lock_ends), else_=null()))
        .returning(User.id, User.password_hash, User.failed_sign_ins)
        .execution_options(synchronize_session=False)
    )
    with sessions.begin() as s:
        row = s.execute(statement).one_or_none()
    return None if row is None else _Attempt(*row)


def _counted_password_check(sessions: Sessions, account: ColumnElement[bool], password: str,
                            now: datetime) -> int | None:
    """The account's id when ``password`` is its password and an attempt was left; None
    otherwise. Always exactly one argon2 check, made outside any transaction."""
    attempt = _take_attempt(sessions, account, now)
    if attempt is None:
        _verify(_dummy_hash(_hasher), password)
        return None
    if _verify(attempt.password_hash, password):
        return attempt.user_id
    if attempt.failures >= MAX_FAILURES:
        with sessions.begin() as s:
            audit(s, None, "lock", "user", attempt.user_id)
    return None


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
        end_sessions_of(user)  # a browser signed in with the old password is signed out
        audit(s, actor, "set_password", "user", user.id)


def change_own_password(sessions: Sessions, user_id: int, old_password: str, new_password: str, *,
                        now: datetime | None = None) -> None:
    """Change the signed-in user's password. The current password is checked like a sign-in:
    a wrong one counts towards the lock-out, and none is accepted while the account is locked."""
    check_password_strength(new_password)  # before the check: a weak new password costs no attempt
    with sessions() as s:
        load_actor(s, user_id)  # a deactivated account changes nothing
    if _counted_password_check(sessions, User.id == user_id, old_password, as_utc(now) or utcnow()) is None:
        raise SignInError(WRONG_CURRENT_PASSWORD)
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
        if not active:
            end_sessions_of(user)  # reactivating later does not revive a browser's old sign-in
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
