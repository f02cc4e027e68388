"""What a format parser needs while it reads one source: naming errors and places."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import SourceRef

from .timestamps import TimestampOutOfRange, parse_timestamp


@dataclass(frozen=True)
class ParseContext:
    source: str  # the file as the user named it, or the name given to pasted text
    format: str

    def error(self, where: str | None, message: str) -> InputError:
        return InputError(self.source, where or None, message)

    def timestamp(self, value: object, where: str) -> datetime:
        try:
            return parse_timestamp(value)
        except TimestampOutOfRange as exc:
            raise self.error(where, str(exc).replace(repr(value), _show(value))) from None
        except ValueError:
            raise self.error(where, f"unrecognised timestamp {_show(value)}") from None

    def optional_timestamp(self, value: object, where: str) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.timestamp(value, where)

    def source_ref(self, locator: str | None) -> SourceRef:
        return SourceRef(path=self.source, format=self.format, locator=locator)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"


def child(where: str, key: str | int) -> str:
    """Field path: child("tickets[2]", "comments") -> "tickets[2].comments"."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key
