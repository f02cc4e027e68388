"""Unexpected errors: the user reads one line, the traceback goes to a log file it names.

An *unexpected* error is any exception that is not a :class:`~qa_coach.domain.errors.QACoachError`
(those carry a message a user can act on). It is a fault in qa_coach, or an input no check
caught yet: the user is told what happened in one line, and the traceback, which a bug
report needs, is appended to the error log in the data folder
(:func:`qa_coach.storage.config.error_log_path`), readable by its owner only.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path

from qa_coach.storage.config import error_log_path

MAX_LOG_BYTES = 5 * 1024 * 1024  # then the log moves to errors.log.1 (one older log kept)
_SUMMARY_CHARS = 300


def summary(exc: BaseException) -> str:
    """The exception's type and message on one printable line (shortened when long)."""
    message = " ".join("".join(c if c.isprintable() else " " for c in str(exc)).split())
    line = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return line if len(line) <= _SUMMARY_CHARS else line[: _SUMMARY_CHARS - 3] + "..."


def record_unexpected(exc: BaseException, context: str) -> Path | None:
    """Append ``exc``'s traceback, under a heading with the time and ``context`` (what was
    being done), to the error log; its path, or None when it cannot be written."""
    path = error_log_path()
    entry = (
        f"==== {datetime.now(timezone.utc).isoformat(timespec='seconds')} pid {os.getpid()}: {context}\n"
        + "".join(traceback.format_exception(exc))
        + "\n"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as log:
            log.write(entry)
    except OSError:
        return None
    return path


def unexpected_error_message(exc: BaseException, context: str) -> str:
    """Records ``exc`` (see :func:`record_unexpected`) and returns the one line for the user."""
    path = record_unexpected(exc, context)
    where = f"details written to {path}" if path is not None else \
        f"the details could not be written to {error_log_path()}"
    return f"unexpected error: {summary(exc)}; {where}"
