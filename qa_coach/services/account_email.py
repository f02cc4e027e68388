"""E-mail addresses of accounts: trimmed, lower-case, and free of invisible characters.

An address with a control character (NUL, tab, line break ...), a format character (a
zero-width space, a direction mark) or a lone surrogate is refused where an account is made,
and sign-in treats it as an address no account has. PostgreSQL refuses a NUL outright while
SQLite compares text only up to it, and an invisible character makes a look-alike of another
address: refusing them before the database is reached gives one answer on every backend.

The form of an address (a name, an @ and a domain with a dot, such as ``dana@example.com``)
is checked by ``email-validator`` without looking the domain up (this machine may be offline):
typos such as ``dana@example`` or ``dana example.com`` are refused with what is wrong.
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
    """``email`` normalised for a new account; :class:`ValidationError` when it is empty, holds
    an invisible character (the message names the character and its position) or is not of
    an address's form (:func:`check_email_form`)."""
    address = normalised_email(email)
    if not address:
        raise ValidationError("give an email address")
    at = invisible_character_at(address)
    if at is not None:
        raise ValidationError(
            f"the email {address!r} has an invisible character (U+{ord(address[at]):04X}) at position {at + 1}: "
            "type the address again without it")
    check_email_form(address)
    return address


def check_email_form(address: str) -> None:
    """:class:`ValidationError` naming ``address`` and what is wrong with its form. No DNS
    look-up; ``.test`` domains are allowed for trial set-ups."""
    from email_validator import EmailNotValidError, validate_email  # ~0.1 s to import: only when needed

    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValidationError(f"{address!r} is not a valid email address: {exc}") from None
