"""Reading a chat export into text: existence, regular file, size limit, encoding, emptiness,
control characters and the length of its lines."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_coach.domain.errors import InputError

from .control_chars import remove_control_characters
from .limits import MAX_FILE_BYTES as MAX_BYTES
from .limits import MAX_LINE_CHARS, count

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LINE_BREAK = re.compile(r"[\r\n]")
_NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_file_text(path: Path, name: str) -> str:
    size = file_size(path, name)
    if size > MAX_BYTES:
        raise InputError(name, None, _too_big(size))
    with read_errors(name), open(path, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)  # a file that grows, or says 0 bytes (/proc), stops here
    if len(data) > MAX_BYTES:
        raise InputError(name, None, _too_big(None))
    return decode_bytes(data, name)


def file_size(path: Path, name: str, kind: str = "a file") -> int:
    """The size of the file at ``path``; an InputError naming ``name`` when it is missing,
    a directory, not a regular file (a FIFO or a device would hang or never end) or
    unreadable. ``kind`` says what a directory is not ("an audio file")."""
    if not path.exists():
        raise InputError(name, None, "file not found")
    if path.is_dir():
        raise InputError(name, None, f"is a directory, not {kind}")
    with read_errors(name):
        info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        what = next((label for test, label in _NOT_REGULAR if test(info.st_mode)), "a special file")
        raise InputError(name, None, f"is {what}, not a regular file: save the data to a file first")
    return info.st_size


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
    """The text of a whole document, without a BOM or control characters; an InputError
    when it is too big, empty or only whitespace."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > MAX_BYTES:
        raise InputError(name, None, _too_big(len(text)))
    if not text:
        raise InputError(name, None, "file is empty")
    text = remove_control_characters(text)
    if not text.strip():
        raise InputError(name, None, "file holds only whitespace, no conversations")
    return text


def check_line_lengths(text: str, name: str) -> None:
    """An InputError naming the first line of ``text`` longer than the limit for a text
    or CSV export (such a line is no message; reading it would only cost time).

    Linear: a line is too long exactly when some stretch of ``MAX_LINE_CHARS + 1``
    characters holds no line break, and each step jumps to the last break in its stretch."""
    start, end = 0, len(text)
    while end - start > MAX_LINE_CHARS:
        stop = start + MAX_LINE_CHARS + 1
        last_break = max(text.rfind("\n", start, stop), text.rfind("\r", start, stop))
        if last_break < 0:
            line = (text.count("\n", 0, start) or text.count("\r", 0, start)) + 1
            stop_at = _LINE_BREAK.search(text, start)
            length = (stop_at.start() if stop_at else end) - start
            raise InputError(
                name,
                f"line {line}",
                f"the line is {count(length)} characters long; "
                f"a line of a text or CSV export may hold at most {count(MAX_LINE_CHARS)}",
            )
        start = last_break + 1


def _too_big(size: int | None) -> str:
    """``size`` None: reading stopped at the limit, so the size is not known."""
    what = f"file is {_size(size)}, over" if size is not None else "file is larger than"
    return f"{what} the {_size(MAX_BYTES)} limit for one chat export; split it into smaller files"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"
