"""Generic CSV/TSV: one row per message (conversation_id, timestamp, role/speaker, text)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Interaction, Role

from ..builder import ConversationBuilder, PendingIter, channel_from, person
from ..context import ParseContext
from ..limits import count
from ..roles import known_words, role_from_word
from .base import ChatFormat

_ALIASES: dict[str, tuple[str, ...]] = {
    "conversation_id": (
        "conversation_id",
        "conversation",
        "conversationid",
        "conv_id",
        "chat_id",
        "ticket_id",
        "thread_id",
        "session_id",
        "transcript_id",
        "case_id",
        "interaction_id",
        "dialog_id",
        "dialogue_id",
        "call_id",
    ),
    "timestamp": (
        "timestamp",
        "time",
        "created_at",
        "created",
        "date",
        "datetime",
        "sent_at",
        "time_stamp",
        "date_time",
        "message_time",
    ),
    "role": (
        "role",
        "speaker_role",
        "sender_role",
        "sender_type",
        "author_type",
        "participant_role",
        "participant_type",
        "speaker_type",
    ),
    "speaker": (
        "speaker",
        "sender",
        "author",
        "from",
        "participant",
        "speaker_name",
        "author_name",
        "sender_name",
        "name",
    ),
    "text": (
        "text",
        "message",
        "body",
        "content",
        "utterance",
        "msg",
        "message_text",
        "message_body",
        "comment",
        "transcript",
    ),
    "agent_name": ("agent_name", "agent", "rep_name", "assignee_name", "representative"),
    "agent_email": ("agent_email", "rep_email", "assignee_email"),
    "agent_id": ("agent_id", "rep_id", "assignee_id"),
    "customer_name": ("customer_name", "client_name"),
    "customer_email": ("customer_email", "client_email"),
    "channel": ("channel", "medium"),
    "subject": ("subject", "topic"),
    "message_id": ("message_id", "msg_id", "comment_id"),
}
_DELIMITERS = (",", ";", "\t", "|")
_LINE_TEXT = re.compile(r"[^\r\n]+")


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower().lstrip("\ufeff"))


def _first_line(text: str) -> str:
    """The first line that is not blank (without reading the rest of the text)."""
    return next((m.group() for m in _LINE_TEXT.finditer(text) if not m.group().isspace()), "")


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _columns(header: list[str]) -> dict[str, int]:
    """Canonical column name -> index; the first alias that matches wins."""
    found: dict[str, int] = {}
    normal = [_normalise(h) for h in header]
    for canonical, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in normal and normal.index(alias) not in found.values():
                found[canonical] = normal.index(alias)
                break
    return found


def claims(text: str) -> bool:
    line = _first_line(text)
    try:
        row = next(csv.reader([line], delimiter=_delimiter(line)), [])
    except csv.Error:  # e.g. a field over the csv module's size limit: not a header
        return False
    if len(row) < 2:
        return False
    cols = _columns(row)
    return "text" in cols and len(cols) >= 2


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]
    error: InputError | None = None  # a malformed row spoils its conversation only


def parse(text: str, ctx: ParseContext) -> PendingIter:
    header_line = _first_line(text)
    # strict: a quote left open is an error, not a field that swallows the rows after it
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line), strict=True)
    header: list[str] | None = None
    cols: dict[str, int] = {}
    groups: dict[str, list[_Row]] = {}
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(field.strip() for field in record):
                continue
            if header is None:
                header, cols = record, _columns(record)
                _check_header(ctx, header, cols, start)
                continue
            cid = (
                record[cols["conversation_id"]].strip()
                if "conversation_id" in cols and cols["conversation_id"] < len(record)
                else ""
            )
            if len(record) != len(header):
                problem = ctx.error(
                    f"row {start}",
                    f"{len(record)} fields, but the header has {len(header)} ({', '.join(header)})",
                )
                if not cid:
                    raise problem
                groups.setdefault(cid, []).append(_Row(start, {}, problem))
                continue
            groups.setdefault(cid, []).append(_Row(start, {k: record[i] for k, i in cols.items()}))
    except csv.Error as exc:
        raise ctx.error(f"row {line}", f"malformed CSV: {_csv_problem(str(exc), line)}") from None
    if header is None:
        raise ctx.error(None, "no CSV header row")
    if not groups:
        raise ctx.error("row 2", "no message rows after the header")
    for cid, rows in groups.items():
        loc = f"conversation_id '{cid}'" if cid else f"rows {rows[0].line}-{rows[-1].line}"
        yield loc, (lambda c=cid, r=rows, lo=loc: _conversation(ctx, c, r, lo))


def _csv_problem(message: str, line: int) -> str:
    if message == "unexpected end of data":
        return f"a quote opened in the row that starts on line {line} is never closed"
    if message.startswith("field larger than field limit"):
        return f"a field of more than {count(csv.field_size_limit())} characters (is a quote left open?)"
    if "expected after" in message:
        return f"{message} (text after a closing quote; double a quote inside a quoted field)"
    return message


def _check_header(ctx: ParseContext, header: list[str], cols: dict[str, int], line: int) -> None:
    found = ", ".join(repr(h) for h in header)
    if "text" not in cols:
        raise ctx.error(
            f"row {line} (header)",
            f"missing required column 'text' (or message, body, content); found: {found}",
        )
    if "role" not in cols and "speaker" not in cols:
        raise ctx.error(
            f"row {line} (header)", f"missing required column 'role' or 'speaker'; found: {found}"
        )


def _conversation(ctx: ParseContext, cid: str, rows: list[_Row], loc: str) -> Interaction:
    b = ConversationBuilder(ctx, loc, f"conversation '{cid}'" if cid else "conversation")
    first: dict[str, Any] = {}
    for row in rows:
        if row.error is not None:
            raise row.error
        v = {k: s.strip() for k, s in row.values.items()}
        for key in (
            "agent_name",
            "agent_email",
            "agent_id",
            "customer_name",
            "customer_email",
            "channel",
            "subject",
        ):
            if v.get(key) and key not in first:
                first[key] = v[key]
        role = _role(ctx, v, row.line)
        stamp = ctx.optional_timestamp(v.get("timestamp"), f"row {row.line}, column 'timestamp'")
        name = v.get("speaker") if v.get("speaker") and role_from_word(v["speaker"]) is None else None
        b.add(
            role,
            row.values["text"],
            timestamp=stamp,
            speaker=person(name),
            source_id=v.get("message_id") or None,
        )
    rep = person(first.get("agent_name"), first.get("agent_id"), first.get("agent_email"))
    customer = person(first.get("customer_name"), None, first.get("customer_email"))
    return b.build(
        id=cid or None,
        channel=channel_from(first.get("channel")),
        representative=rep,
        customer=customer,
        metadata={"subject": first.get("subject"), "source_channel": first.get("channel")},
    )


def _role(ctx: ParseContext, v: dict[str, str], line: int) -> Role:
    column = "role" if "role" in v else "speaker"
    value = v[column]
    role = role_from_word(value)
    if (
        role is None
        and column == "speaker"
        and value
        and value in (v.get("agent_name"), v.get("agent_email"))
    ):
        role = Role.AGENT
    if role is None:
        raise ctx.error(
            f"row {line}, column '{column}'", f"unrecognised role '{value}' (expected e.g. {known_words()})"
        )
    return role


FORMAT = ChatFormat(
    "csv",
    "CSV/TSV, one message per row: conversation_id, timestamp, role or speaker, text (delimiter sniffed)",
    "text",
    claims,
    parse,
)
