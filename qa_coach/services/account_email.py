"""E-mail addresses of accounts: trimmed, lower-case, and free of invisible characters.

An address with a control character (NUL, tab, line break ...), a format character (a
zero-width space, a direction mark) or a lone surrogate is refused where an account is made,
and sign-in treats it as an address no account has. PostgreSQL refuses a NUL outright while
SQLite compares text only up to it, and an invisible character makes a look-alike of another
address: refusing them before the database is reached gives one answer on every backend.
"""

from __future__ import annotations

import unicodedata

from .errors import ValidationError

# Control (Cc), format (Cf) and surrogate (Cs) code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def invisible_character_at(text: str) -> int | None:
    """The index of the first control, format or surrogate character in ``text``, else None."""
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            return i
    return None


def normalised_email(email: str) -> str:
    """``email`` as accounts store and look it up: trimmed and lower-case."""
    return email.strip().lower()


def account_email(email: str) -> str:
    """``email`` normalised for a new account; :class:`ValidationError` when it is empty or
    holds an invisible character (the message names the character and its position)."""
    address = normalised_email(email)
    if not address:
        raise ValidationError("give an email address")
    at = invisible_character_at(address)
    if at is not None:
        raise ValidationError(
            f"the email {address!r} has an invisible character (U+{ord(address[at]):04X}) at position {at + 1}: "
            "type the address again without it")
    return address
