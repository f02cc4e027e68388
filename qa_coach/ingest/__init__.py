"""Importing chat logs (Zendesk, Intercom, Freshdesk, Salesforce, Azure, ABCD, CSV, text).

Every conversation comes out whole or not at all: :func:`import_conversations` refuses a
file with any bad conversation, :func:`read_conversations` keeps the good ones and lists
the bad ones as InputErrors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa_coach.domain.errors import InputError
from qa_coach.domain.file_types import FileKind, kind_of
from qa_coach.domain.interaction import Interaction

from .context import ParseContext
from .registry import FORMATS, read_document, resolve
from .source import check_text, decode_bytes, read_file_text

__all__ = [
    "FORMATS",
    "ImportResult",
    "detect_format",
    "import_conversations",
    "import_text",
    "read_conversations",
    "read_text",
]


@dataclass(frozen=True)
class ImportResult:
    interactions: tuple[Interaction, ...]
    problems: tuple[InputError, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def read_conversations(path: str | Path, format: str | None = None) -> ImportResult:
    """The good conversations of a file and an InputError for each bad one.

    Problems with the file as a whole (missing, not UTF-8, malformed JSON, unknown format)
    are raised, not listed.
    """
    name = str(path)
    return _read(read_file_text(Path(path), name), name, format)


def import_conversations(path: str | Path, format: str | None = None) -> list[Interaction]:
    """Every conversation of the file, or an InputError for the first bad one."""
    return _all_or_nothing(read_conversations(path, format))


def import_text(text: str | bytes, *, name: str = "<text>", format: str | None = None) -> list[Interaction]:
    """Pasted or uploaded content; bytes must be UTF-8 (a BOM is fine)."""
    content = decode_bytes(text, name) if isinstance(text, (bytes, bytearray)) else check_text(text, name)
    return _all_or_nothing(_read(content, name, format))


def read_text(text: str | bytes, *, name: str = "<text>", format: str | None = None) -> ImportResult:
    """Like :func:`read_conversations`, for pasted or uploaded content."""
    content = decode_bytes(text, name) if isinstance(text, (bytes, bytearray)) else check_text(text, name)
    return _read(content, name, format)


def detect_format(path_or_text: str | Path | bytes) -> str:
    """The format name auto-detection picks for a file (Path, or a str naming an existing
    file) or for content (any other str, or bytes)."""
    if isinstance(path_or_text, (bytes, bytearray)):
        name, text = "<text>", decode_bytes(path_or_text, "<text>")
    elif isinstance(path_or_text, Path) or _names_a_file(path_or_text):
        name = str(path_or_text)
        text = read_file_text(Path(path_or_text), name)
    else:
        name, text = "<text>", check_text(path_or_text, "<text>")
    return read_document(text, name, None)[0].name


def _names_a_file(value: str) -> bool:
    if "\n" in value or len(value) > 4096:
        return False
    return Path(value).is_file() or kind_of(value) is FileKind.CHAT


def _read(text: str, name: str, format: str | None) -> ImportResult:
    fmt, document = read_document(text, name, resolve(format, name) if format else None)
    ctx = ParseContext(name, fmt.name)
    interactions: list[Interaction] = []
    problems: list[InputError] = []
    first_seen: dict[str, str] = {}  # conversation id -> where it first appears
    for locator, build in fmt.parse(document, ctx):
        try:
            interaction = build()
        except InputError as exc:
            problems.append(exc)
            continue
        first = first_seen.setdefault(interaction.id, locator)
        if first != locator:
            problems.append(
                ctx.error(
                    locator,
                    f"the id '{interaction.id}' appears twice in this file (also at {first}); "
                    "each conversation may appear once",
                )
            )
            continue
        interactions.append(interaction)
    if not interactions and not problems:
        raise InputError(name, None, f"no conversations found ({fmt.name} format)")
    return ImportResult(tuple(interactions), tuple(problems))


def _all_or_nothing(result: ImportResult) -> list[Interaction]:
    if result.problems:
        first = result.problems[0]
        if len(result.problems) > 1:
            more = len(result.problems) - 1
            raise InputError(
                first.source,
                first.where,
                f"{first.message} (and {more} more bad conversation{'s' * (more > 1)})",
            )
        raise first
    return list(result.interactions)
