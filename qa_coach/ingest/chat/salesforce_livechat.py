"""Salesforce LiveChatTranscript records: HTML Body with "( 1m 3s ) Name: text" lines."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from qa_coach.domain.interaction import Interaction, Person, Role

from ..builder import person
from ..context import ParseContext, child
from ..html_text import html_to_text, parse_html
from ..jsondoc import as_dict, opt_str
from ..limits import MAX_OFFSET_SECONDS
from .common import builder, listed_conversations

_MESSAGE = re.compile(
    r"^\(\s*+(?:(\d+)\s*h\s*)?(?:(\d+)\s*m\s*)?(?:(\d+)\s*s\s*)?\)\s*+([^:]{1,80}?)\s*+:\s?(.*)$"
)
_MAX_EVENT_CHARS = 1000  # a longer event line names no transfer (and the search would be slow)
_MAX_DIGITS = 9  # an offset part of more digits is beyond any chat (and int() would refuse it)
_MARK = "\u0001SYS\u0001"
_AGENT_LINE = re.compile(r"^Agent\s+(.+)$")
_TRANSFER = re.compile(r"Transferred From\s+(.+?)\s+To\s+(.+)$", re.IGNORECASE)
_BOT_NAME = re.compile(r"\b(chat)?bot\b|einstein", re.IGNORECASE)
_STARTED_FORMAT = "%A, %B %d, %Y, %H:%M:%S (%z)"


def _is_transcript(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("Body"), str):
        return False
    attrs = obj.get("attributes")
    return (isinstance(attrs, dict) and attrs.get("type") == "LiveChatTranscript") or any(
        k in obj for k in ("StartTime", "ChatDuration", "EndTime")
    )


def _transcript(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    record = as_dict(ctx, obj, where)
    record_id = opt_str(ctx, record, "Id", where)
    b = builder(ctx, where, "transcript", record_id)
    bw = child(where, "Body")
    body = opt_str(ctx, record, "Body", where)
    if body is None:
        raise ctx.error(bw, "missing")
    started = ctx.optional_timestamp(record.get("StartTime"), child(where, "StartTime"))
    owner = record.get("Owner") if isinstance(record.get("Owner"), dict) else {}
    rep = person(opt_str(ctx, owner, "Name", child(where, "Owner")), opt_str(ctx, record, "OwnerId", where))
    agents = {rep.name} if rep and rep.name else set()
    origin_name = None
    current: dict[str, Any] | None = None
    pending: list[dict[str, Any]] = []
    for number, line in enumerate(_body_lines(body), start=1):
        if line.startswith(_MARK):
            line = line[len(_MARK) :]
            if line.startswith("Chat Started:"):
                started = started or _chat_started(ctx, line, bw)
            elif line.startswith("Chat Origin:"):
                origin_name = line.split(":", 1)[1].strip()
            elif m := _AGENT_LINE.match(line):
                agents.add(m.group(1).strip())
            else:
                if len(line) <= _MAX_EVENT_CHARS and (m := _TRANSFER.search(line)):
                    agents.update(n.strip() for n in m.groups())
                pending.append(
                    {
                        "role": Role.SYSTEM,
                        "name": None,
                        "offset": current["offset"] if current else None,
                        "text": [line],
                        "line": number,
                    }
                )
            current = None
            continue
        m = _MESSAGE.match(line)
        if m:
            h, mins, secs, name, text = m.groups()
            offset = _offset(ctx, (h, mins, secs), line, f"{bw}, line {number}")
            current = {"role": None, "name": name.strip(), "offset": offset, "text": [text], "line": number}
            pending.append(current)
        elif current is not None:
            current["text"].append(line)  # joined once: adding to a string each time is quadratic
        else:
            raise ctx.error(
                f"{bw}, line {number}", f"text before the first '( 0s ) Name: message' line: '{line[:60]}'"
            )
    customer = None
    for msg in pending:
        role = msg["role"] or _role(msg["name"], agents)
        # "Visitor" is Salesforce's word for an anonymous customer, not a name.
        speaker = Person(name=msg["name"]) if msg["name"] and msg["name"] != "Visitor" else None
        if role is Role.CUSTOMER and customer is None and speaker is not None:
            customer = speaker
        stamp = started + timedelta(seconds=msg["offset"]) if started and msg["offset"] is not None else None
        b.add(
            role,
            "\n".join(msg["text"]),
            timestamp=stamp,
            offset=msg["offset"],
            speaker=speaker,
            where=f"{bw}, line {msg['line']}",
        )
    contact = record.get("Contact") if isinstance(record.get("Contact"), dict) else {}
    customer = (
        person(
            opt_str(ctx, contact, "Name", child(where, "Contact")), opt_str(ctx, record, "ContactId", where)
        )
        or customer
    )
    ended = ctx.optional_timestamp(record.get("EndTime"), child(where, "EndTime"))
    metadata = {
        "name": opt_str(ctx, record, "Name", where),
        "status": opt_str(ctx, record, "Status", where),
        "duration": record.get("ChatDuration"),
        "ended_at": ended.isoformat() if ended else None,
        "case_id": opt_str(ctx, record, "CaseId", where),
        "origin": origin_name,
    }
    return b.build(
        id=record_id,
        representative=rep,
        customer=customer,
        started_at=started,
        origin=started,
        metadata=metadata,
    )


def _body_lines(body: str) -> list[str]:
    """Body as text lines; centred paragraphs (Salesforce's event lines) start with _MARK."""
    soup = parse_html(body)
    for p in soup.find_all("p", align="center"):
        p.replace_with(f"\n{_MARK}{p.get_text(' ', strip=True)}\n")
    return [line for line in html_to_text(str(soup)).split("\n") if line.strip()]


def _chat_started(ctx: ParseContext, line: str, where: str) -> datetime:
    value = line.split(":", 1)[1].strip()
    try:
        started = datetime.strptime(value, _STARTED_FORMAT)
    except ValueError:
        return ctx.timestamp(value, where)
    return ctx.timestamp(started, where)  # in the accepted range


def _offset(ctx: ParseContext, parts: tuple[str | None, ...], line: str, where: str) -> float:
    """Seconds of "( 1h 2m 3s )", within the limit for an offset into a chat."""
    shown = line[: line.index(")") + 1]
    if any(p is not None and len(p) > _MAX_DIGITS for p in parts):
        raise ctx.error(where, f"offset '{shown[:60]}' is too large for a chat")
    h, mins, secs = (int(p or 0) for p in parts)
    offset = float(h * 3600 + mins * 60 + secs)
    if offset > MAX_OFFSET_SECONDS:
        raise ctx.error(
            where, f"offset '{shown[:60]}' is more than {MAX_OFFSET_SECONDS // 86400} days into the chat"
        )
    return offset


def _role(name: str, agents: set[str]) -> Role:
    if _BOT_NAME.search(name):
        return Role.BOT
    if name in agents:
        return Role.AGENT
    return Role.CUSTOMER


FORMAT = listed_conversations(
    "salesforce-livechat",
    "Salesforce LiveChatTranscript records JSON: HTML Body with '( 12s ) Name: text' lines, StartTime, ChatDuration",
    "records",
    _is_transcript,
    _transcript,
)
