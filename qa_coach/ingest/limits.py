"""How much one chat export may hold: every limit the importers enforce, in one place.

Each limit bounds the time and memory one file can cost before it is refused with a
message that states the limit. The lengths of ids, names and e-mail addresses stay within
the columns the database stores them in (qa_coach/storage/models.py), so SQLite and
PostgreSQL accept the same conversations.
"""

from __future__ import annotations

from datetime import datetime, timezone

MAX_FILE_BYTES = 200 * 1024 * 1024  # one chat export; a larger file is refused before it is read
MAX_LINE_CHARS = 131_072  # one line of a text or CSV export (also the csv module's field limit)
MAX_FIELD_CHARS = 1_000_000  # one JSON string (an HTML body with its markup) before it is read
MAX_MESSAGE_CHARS = 100_000  # one message's text, once HTML is turned into text
MAX_MESSAGES = 10_000  # messages in one conversation
MAX_JSON_DEPTH = 100  # lists and objects inside each other; deeper JSON is reported at this depth
MAX_METADATA_DEPTH = 8  # nesting of a value kept as a conversation's metadata (CSAT, tags, ...)
MAX_ID_CHARS = 200  # a conversation's id
MAX_LOCATOR_CHARS = 500  # where a conversation is in its file (a JSON path, a CSV conversation_id)
MAX_NAME_CHARS = 200  # a representative's or customer's name or id
MAX_EMAIL_CHARS = 320
MAX_LANGUAGE_CHARS = 20  # a language code such as "en-US"
MAX_OFFSET_SECONDS = 7 * 24 * 3600  # a message's time since the start of its chat
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)  # timestamps outside these are refused
LATEST_TIME = datetime(2100, 1, 1, tzinfo=timezone.utc)  # (exclusive)


def count(n: int) -> str:
    """``131072`` -> ``131,072``: how limits and sizes appear in messages."""
    return f"{n:,}"
