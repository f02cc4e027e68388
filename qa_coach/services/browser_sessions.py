"""Staying signed in across a browser reload: a signed, expiring token kept in a cookie.

A token names the account, the account's session generation and the moment it expires,
signed with HMAC-SHA256 under this installation's secret (a random key in the data folder,
readable by its owner only). It opens the account while all of these hold:

- the signature is right (nobody can make or change a token without the secret);
- it has not expired (:data:`SESSION_LIFETIME` after sign-in; reloads do not extend it);
- the account is active, has a password, and its ``session_generation`` is still the one in
  the token: signing out (:func:`end_sessions`) and any new password
  (:func:`end_sessions_of`, called by ``auth.set_password``) raise it, which ends every
  session signed before, in every browser.

The token holds no secret of the account: its password hash, e-mail and role are read from
the database each time a token is checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from qa_coach.domain.errors import QACoachError
from qa_coach.storage.codec import as_utc
from qa_coach.storage.config import data_dir
from qa_coach.storage.models import User, utcnow

from .access import Sessions, audit, unit_of_work
from .directory import user_record
from .records import UserRecord

log = logging.getLogger(__name__)

SESSION_LIFETIME = timedelta(hours=12)  # a sign-in lasts a working day, then the password is asked again
SECRET_FILE_NAME = "session_secret"
_SECRET_BYTES = 32
_CONTEXT = b"qa_coach browser session v1\n"  # what the signature covers besides the fields


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser: the account, the token its cookie holds, when the token expires."""

    user: UserRecord
    token: str
    expires_at: datetime


def installation_secret(folder: Path | None = None) -> bytes:
    """This installation's signing key, made on first use: a random key in
    ``folder/session_secret`` (default: the data folder), readable and writable by its owner
    only. Servers started at once agree on one key (the file is published by a link, which
    fails when another process was first). A key file that others could read, or that holds
    no key, is replaced by a new key: everyone signs in again."""
    folder = folder if folder is not None else data_dir()
    path = folder / SECRET_FILE_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _publish_new_key(path, replace=False)
    elif stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("%s could be read by other users: replaced by a new key (everyone signs in again)", path)
        _publish_new_key(path, replace=True)
    key = _read_key(path)
    if key is None:
        log.warning("%s holds no valid key: replaced by a new key (everyone signs in again)", path)
        _publish_new_key(path, replace=True)
        key = _read_key(path)
    if key is None:
        raise QACoachError(f"{path} holds no valid key and none could be written there")
    return key


def _publish_new_key(path: Path, *, replace: bool) -> None:
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(_SECRET_BYTES) + "\n")
        if replace:
            os.replace(draft, path)
        else:
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process published its key first: use that one
    finally:
        draft.unlink(missing_ok=True)


def _read_key(path: Path) -> bytes | None:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (UnicodeDecodeError, ValueError):
        return None
    return key if len(key) >= _SECRET_BYTES else None


def issue_token(sessions: Sessions, user_id: int, secret: bytes, *, now: datetime | None = None) -> BrowserSession:
    """A token that keeps ``user_id`` signed in until :data:`SESSION_LIFETIME` after ``now``."""
    now = as_utc(now) or utcnow()
    with unit_of_work(sessions, user_id) as (s, actor):
        user = s.get(User, actor.user_id)
        fields = f"{user.id}.{user.session_generation}.{int((now + SESSION_LIFETIME).timestamp())}"
        token = f"{fields}.{_signature(secret, fields)}"
        return BrowserSession(user_record(user), token, _expiry(fields))


def open_token(sessions: Sessions, token: str | None, secret: bytes, *,
               now: datetime | None = None) -> BrowserSession | None:
    """The browser session ``token`` stands for; None when it is missing, forged, expired, or
    ended by a sign-out or a new password, or its account is deactivated."""
    fields = _verified_fields(token, secret)
    if fields is None:
        return None
    user_id, generation, expires = fields
    if (as_utc(now) or utcnow()).timestamp() >= expires:
        return None
    with sessions() as s:
        user = s.get(User, user_id)
        if (user is None or not user.active or user.password_hash is None
                or user.session_generation != generation):
            return None
        return BrowserSession(user_record(user), token, datetime.fromtimestamp(expires, timezone.utc))


def end_sessions(sessions: Sessions, user_id: int) -> None:
    """Sign-out: every token of this account, in every browser, stops working."""
    with sessions.begin() as s:
        user = s.get(User, user_id)
        if user is not None:  # removed meanwhile: nothing of it can sign in anyway
            end_sessions_of(user)
            audit(s, None, "sign_out", "user", user_id)


def end_sessions_of(user: User) -> None:
    """Within the caller's transaction (a new password, a deactivation): the account's tokens end."""
    user.session_generation = (user.session_generation or 0) + 1


def _expiry(fields: str) -> datetime:
    return datetime.fromtimestamp(int(fields.rsplit(".", 1)[1]), timezone.utc)


def _signature(secret: bytes, fields: str) -> str:
    digest = hmac.new(secret, _CONTEXT + fields.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _verified_fields(token: str | None, secret: bytes) -> tuple[int, int, int] | None:
    if not token or len(token) > 200 or not token.isascii():
        return None
    fields, _, signature = token.rpartition(".")
    if not hmac.compare_digest(_signature(secret, fields), signature):
        return None
    parts = fields.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    user_id, generation, expires = (int(p) for p in parts)
    return user_id, generation, expires
