"""Reading a chat export into text: existence, size limit, encoding, emptiness."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_coach.domain.errors import InputError

MAX_BYTES = 200 * 1024 * 1024  # a chat export above 200 MB is refused, not read

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_file_text(path: Path, name: str) -> str:
    size = file_size(path, name)
    if size > MAX_BYTES:
        raise InputError(name, None, _too_big(size))
    with read_errors(name):
        data = path.read_bytes()
    return decode_bytes(data, name)


def file_size(path: Path, name: str, kind: str = "a file") -> int:
    """The size of the file at ``path``; an InputError naming ``name`` when it is missing,
    a directory or unreadable. ``kind`` says what a directory is not ("an audio file")."""
    if not path.exists():
        raise InputError(name, None, "file not found")
    if path.is_dir():
        raise InputError(name, None, f"is a directory, not {kind}")
    with read_errors(name):
        return path.stat().st_size


@contextmanager
def read_errors(name: str) -> Iterator[None]:
    """An OSError inside becomes an InputError naming the file ``name``."""
    try:
        yield
    except OSError as exc:
        raise InputError(name, None, f"cannot read file: {exc.strerror or exc}") from None


def decode_bytes(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is dropped) or BOM-marked UTF-16; anything else is an InputError."""
    if len(data) > MAX_BYTES:
        raise InputError(name, None, _too_big(len(data)))
    if data.startswith(_UTF16_BOMS):
        try:
            return check_text(data.decode("utf-16"), name)
        except UnicodeDecodeError as exc:
            raise InputError(name, f"byte offset {exc.start}", "invalid UTF-16 text") from None
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise InputError(
            name,
            f"line {line}, column {column} (byte offset {exc.start})",
            f"not UTF-8 text (byte 0x{bad}); save the file as UTF-8",
        ) from None
    return check_text(text, name)


def check_text(text: str, name: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > MAX_BYTES:
        raise InputError(name, None, _too_big(len(text)))
    if not text:
        raise InputError(name, None, "file is empty")
    if not text.strip():
        raise InputError(name, None, "file holds only whitespace, no conversations")
    return text


def _too_big(size: int) -> str:
    return f"file is {_size(size)}, over the {_size(MAX_BYTES)} limit for one chat export; split it into smaller files"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"
