"""The known chat formats and content-based detection."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from qa_coach.domain.errors import InputError
from qa_coach.domain.file_types import file_type

from .chat import (
    abcd,
    azure,
    csv_rows,
    freshdesk,
    intercom,
    plain_text,
    salesforce_livechat,
    taskmaster,
    zendesk_comments,
    zendesk_messaging,
    zendesk_qa,
)
from .chat.base import ChatFormat
from .context import ParseContext
from .jsondoc import load_json
from .source import check_line_lengths

_ALL: tuple[ChatFormat, ...] = tuple(
    m.FORMAT
    for m in (
        zendesk_qa,
        zendesk_comments,
        zendesk_messaging,
        intercom,
        freshdesk,
        azure,
        abcd,
        salesforce_livechat,
        taskmaster,
        csv_rows,
        plain_text,
    )
)
BY_NAME: Mapping[str, ChatFormat] = MappingProxyType({f.name: f for f in _ALL})
FORMATS: Mapping[str, str] = MappingProxyType({f.name: f.description for f in _ALL})
_JSON_FORMATS = tuple(f for f in _ALL if f.kind == "json")
_FIRST_CHARACTER = re.compile(r"\S")


def known_names() -> str:
    return ", ".join(BY_NAME)


def resolve(name: str, source: str) -> ChatFormat:
    fmt = BY_NAME.get(name.strip().lower())
    if fmt is None:
        raise InputError(source, None, f"unknown format '{name}'; known formats: {known_names()}")
    return fmt


def read_document(text: str, source: str, fmt: ChatFormat | None) -> tuple[ChatFormat, Any]:
    """The format (given or detected from the content) and what its parser reads. A text
    format's document has no line over the limit (the parsers read line by line)."""
    if fmt is not None:
        if fmt.kind == "json":
            return fmt, load_json(ParseContext(source, fmt.name), text)
        check_line_lengths(text, source)
        return fmt, text
    ctx = ParseContext(source, "unknown")
    if _looks_like_json(text):
        try:
            data = load_json(ctx, text)
        except InputError:
            if plain_text.claims(text):  # e.g. "[12:03] Dana (agent): hi" on the first line
                check_line_lengths(text, source)
                return plain_text.FORMAT, text
            raise
        return _detect_json(ctx, data), data
    check_line_lengths(text, source)
    if _read_as(source) == csv_rows.FORMAT.name or csv_rows.claims(text):
        return csv_rows.FORMAT, text
    if plain_text.claims(text):
        return plain_text.FORMAT, text
    raise ctx.error(
        None,
        "cannot tell the chat format: not JSON of a known shape, no CSV header with a text column, "
        f"and no 'Agent:' / 'Customer:' lines; known formats: {known_names()}",
    )


def _read_as(source: str) -> str | None:
    entry = file_type(source)
    return entry.read_as if entry else None


def _looks_like_json(text: str) -> bool:
    start = _FIRST_CHARACTER.search(text)
    if start is None:
        return False
    if start.group() == "{":
        return True
    if start.group() == "[":
        end = text.find("\n", start.start())
        return plain_text.speaker_line(text[start.start() : end if end >= 0 else None]) is None
    return False


def _claimant(obj: Any) -> ChatFormat | None:
    return next((f for f in _JSON_FORMATS if f.claims(obj)), None)


def _detect_json(ctx: ParseContext, data: Any) -> ChatFormat:
    whole = _claimant(data)
    if whole is not None:
        return whole
    if isinstance(data, list):
        if not data:
            raise ctx.error("top level", "an empty JSON list: no conversations")
        kinds = [_claimant(item) for item in data]
        unknown = [i for i, k in enumerate(kinds) if k is None]
        names = sorted({k.name for k in kinds if k is not None})
        if len(names) > 1 or (names and unknown):
            first_of: dict[str, int] = {}
            for i, k in enumerate(kinds):
                first_of.setdefault(k.name if k else "unknown shape", i)
            shown = ", ".join(f"[{i}] {name}" for name, i in first_of.items())
            raise ctx.error(
                "top level",
                f"the JSON list mixes conversation shapes ({shown}); one file must hold one format",
            )
        if names:
            return kinds[0]  # type: ignore[return-value]
        raise ctx.error(
            "[0]", f"a JSON list of unknown shape{_keys_of(data[0])}; known formats: {known_names()}"
        )
    raise ctx.error(
        "top level",
        f"JSON of an unknown shape{_keys_of(data)}; known formats: {known_names()}",
    )


def _keys_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return f" (keys: {', '.join(list(map(str, obj))[:10]) or 'none'})"
    return f" (a {type(obj).__name__})"
