"""Text is stored the same way on SQLite and PostgreSQL: without NUL and other control characters.

PostgreSQL refuses a NUL in a text column (psycopg raises ``DataError``) where SQLite stores
it, and both refuse a lone UTF-16 surrogate (``UnicodeEncodeError``) that a JSON file can
carry as ``\\ud800``. So every value written or looked up goes through :func:`clean_text`:
NUL and the other C0 control characters except tab, line feed and carriage return are
removed, as is DEL; a lone surrogate becomes U+FFFD. :class:`~qa_coach.storage.database.Database`
applies it to every statement parameter and to every JSON document it serialises, so the
rule lives here once and no column can miss it.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls but \t \n \r, DEL, and UTF-16 surrogates (valid only in pairs, never in a str
# that can be encoded as UTF-8).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udfff]")
# The same characters as json.dumps (ensure_ascii) writes them: a cheap test of a whole
# document before walking it. A false alarm (an escaped backslash before "u0000") only
# costs the walk.
_UNSTORABLE_ESCAPED = re.compile(r"\\u(00(0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _replacement(match: re.Match[str]) -> str:
    return "\ufffd" if match.group() >= "\ud800" else ""


def clean_text(text: str) -> str:
    """``text`` without NUL and other control characters (tab and line breaks stay); a lone
    surrogate replaced by U+FFFD."""
    return _UNSTORABLE.sub(_replacement, text) if _UNSTORABLE.search(text) else text


def clean_value(value: Any) -> Any:
    """``value`` with :func:`clean_text` applied to every string in it (keys included), through
    dicts, lists and tuples; anything else as it is. The same object when nothing changes."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        cleaned = {clean_value(k): clean_value(v) for k, v in value.items()}
        return value if _same(cleaned, value) else cleaned
    if isinstance(value, (list, tuple)):
        items = [clean_value(v) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return items if isinstance(value, list) else tuple(items)
    return value


def _same(cleaned: dict, value: dict) -> bool:
    return len(cleaned) == len(value) and all(k1 is k2 and v1 is v2 for (k1, v1), (k2, v2) in zip(cleaned.items(), value.items()))


def json_serializer(value: Any) -> str:
    """``json.dumps`` (SQLAlchemy's default) of ``value`` with its strings cleaned."""
    text = json.dumps(value)
    if _UNSTORABLE_ESCAPED.search(text):
        text = json.dumps(clean_value(value))
    return text


def clean_statement_parameters(conn, cursor, statement, parameters, context, executemany):
    """A ``before_cursor_execute`` listener (``retval=True``): the parameters cleaned."""
    return statement, clean_value(parameters)
