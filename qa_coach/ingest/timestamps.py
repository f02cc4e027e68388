"""One parser for every timestamp a chat export carries: ISO 8601, Unix s and Unix ms."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .limits import EARLIEST_TIME, LATEST_TIME

_NUMERIC = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
# Beyond this many seconds (year 5138) a Unix number must be milliseconds.
_MS_THRESHOLD = 1e11
_US_THRESHOLD = 1e14
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TimestampOutOfRange(ValueError):
    """A readable timestamp outside the years chats can have been written in."""


def parse_timestamp(value: object) -> datetime:
    """Return an aware datetime; a zone-less ISO time is taken as UTC.

    Accepts ISO 8601 strings (``2024-03-01T10:00:00Z``, ``2024-03-01 10:00:00``,
    ``...+0000``, a trailing ``UTC``), Unix seconds and Unix milliseconds (numbers or
    numeric strings), and datetimes. Raises ValueError otherwise, TimestampOutOfRange for a
    time outside :data:`RANGE` (year 1 or 9999 would overflow arithmetic on it later).
    """
    return in_range(_parse(value), value)


RANGE = f"{EARLIEST_TIME:%Y-%m-%d} to {LATEST_TIME - timedelta(days=1):%Y-%m-%d}"


def in_range(stamp: datetime, original: object) -> datetime:
    """``stamp`` (zone-less: UTC) when it lies in the accepted range, else TimestampOutOfRange."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    try:
        inside = EARLIEST_TIME <= stamp < LATEST_TIME
    except OverflowError:  # a zone offset that moves year 1 or 9999 out of the calendar
        inside = False
    if not inside:
        raise TimestampOutOfRange(f"timestamp {original!r} is out of range ({RANGE})")
    return stamp


def _parse(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"unrecognised timestamp {value!r}")
    if isinstance(value, int) and abs(value) >= _US_THRESHOLD:
        return _from_unix(_US_THRESHOLD, value)  # too large, even for float()
    if isinstance(value, (int, float)):
        return _from_unix(float(value), value)
    if not isinstance(value, str):
        raise ValueError(f"unrecognised timestamp {value!r}")
    text = value.strip()
    if _NUMERIC.match(text):
        return _from_unix(float(text), value)
    if text.upper().endswith(" UTC"):
        text = text[:-4].rstrip() + "+00:00"
    elif text.upper().endswith("UTC") and text[-4:-3].isdigit():
        text = text[:-3] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unrecognised timestamp {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _from_unix(number: float, original: object) -> datetime:
    if number < 0:
        raise ValueError(f"unrecognised timestamp {original!r} (negative)")
    if number >= _US_THRESHOLD:
        raise ValueError(f"unrecognised timestamp {original!r} (too large for Unix seconds or ms)")
    seconds = number / 1000.0 if number >= _MS_THRESHOLD else number
    return _EPOCH + timedelta(seconds=seconds)
