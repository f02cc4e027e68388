"""Plain text chats: "Agent: ..." / "Customer: ..." lines, optional time prefixes.

A line starting with a known speaker label opens a turn; other lines continue the previous
turn. Time prefixes: "[2024-03-01 10:00:05]" (a timestamp), "[00:12]" (mm:ss) or
"12:03:44" (h:mm:ss); clock-only times become seconds since the conversation's first
timed line. A line of only "---" or "===" (3 or more) separates conversations.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice
from typing import Any

from qa_coach.domain.interaction import Interaction

from ..builder import ConversationBuilder, PendingIter, person
from ..context import ParseContext
from ..limits import MAX_FIELD_CHARS, MAX_MESSAGES, count
from ..roles import role_and_name
from .base import ChatFormat

# Possessive blanks (\s*+): a line of blanks is read once, not retried from each length.
_LINE = re.compile(
    r"^\s*+(?:\[(?P<bracket>[^\]]{1,40})\]\s*+|(?P<clock>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)\s+(?:-\s+)?)?"
    r"(?P<label>[^:\[\]\n]{1,50}?)\s*+:(?:\s+(?P<text>.*)|$)"
)
_LINE_TEXT = re.compile(r"[^\r\n]+")
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_DAY = 86400.0


def speaker_line(line: str) -> dict[str, Any] | None:
    m = _LINE.match(line)
    if not m:
        return None
    who = role_and_name(m.group("label"))
    if who is None:
        return None
    return {
        "role": who[0],
        "name": who[1],
        "time": m.group("bracket") or m.group("clock"),
        "text": m.group("text") or "",
    }


def claims(text: str) -> bool:
    lines = (line for line in (m.group() for m in _LINE_TEXT.finditer(text)) if not line.isspace())
    return any(speaker_line(line) for line in islice(lines, 50))


def parse(text: str, ctx: ParseContext) -> PendingIter:
    blocks: list[tuple[int, list[str]]] = [(1, [])]
    for number, line in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(line):
            blocks.append((number + 1, []))
        else:
            blocks[-1][1].append(line)
    blocks = [(first, lines) for first, lines in blocks if any(line.strip() for line in lines)]
    for k, (first, lines) in enumerate(blocks, start=1):
        loc = f"conversation {k} (lines {first}-{first + len(lines) - 1})"
        yield loc, (lambda f=first, ls=lines, lo=loc, n=k: _conversation(ctx, f, ls, lo, n))


def _conversation(ctx: ParseContext, first: int, lines: list[str], loc: str, k: int) -> Interaction:
    b = ConversationBuilder(ctx, loc, f"conversation {k}")
    turn: dict[str, Any] | None = None
    turns: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=first):
        parsed = speaker_line(line)
        if parsed is not None:
            if len(turns) >= MAX_MESSAGES:
                raise ctx.error(
                    f"line {number}",
                    f"conversation {k} has more than {count(MAX_MESSAGES)} messages, the limit for one conversation",
                )
            parsed.update(line=number, lines=[parsed["text"]], size=len(parsed["text"]))
            turn = parsed
            turns.append(turn)
        elif turn is not None:
            turn["lines"].append(line)  # joined once: adding to a string each time is quadratic
            turn["size"] += len(line) + 1
            if turn["size"] > MAX_FIELD_CHARS:  # blanks included; its text is checked when built
                raise ctx.error(
                    f"line {number}",
                    f"the message that starts on line {turn['line']} is longer than "
                    f"{count(MAX_FIELD_CHARS)} characters by this line, the limit for one message",
                )
        elif line.strip():
            raise ctx.error(
                f"line {number}",
                f"text before the first speaker label (e.g. 'Agent:' or 'Customer:'): '{line.strip()[:60]}'",
            )
    clock_zero: float | None = None
    previous: float | None = None
    wraps = 0.0
    for t in turns:
        stamp, offset = None, None
        if t["time"]:
            stamp, seconds = _time(ctx, t["time"], t["line"])
            if seconds is not None:
                if previous is not None and seconds + wraps < previous - _DAY / 2:
                    wraps += _DAY  # a clock time past midnight
                seconds += wraps
                previous = seconds
                clock_zero = seconds if clock_zero is None else clock_zero
                offset = seconds - clock_zero
        b.add(
            t["role"],
            "\n".join(t["lines"]),
            timestamp=stamp,
            offset=offset,
            speaker=person(t["name"]),
            where=f"line {t['line']}",
        )
    return b.build()


def _time(ctx: ParseContext, value: str, line: int) -> tuple[datetime | None, float | None]:
    m = _CLOCK.match(value.strip())
    if m:
        a, b, c, ampm = m.groups()
        if c is not None:
            return None, int(a) * 3600 + int(b) * 60 + float(c)
        if ampm:
            hour = int(a) % 12 + (12 if ampm.lower() == "pm" else 0)
            return None, hour * 3600 + int(b) * 60.0
        return None, int(a) * 60 + float(b)
    return ctx.timestamp(value, f"line {line}"), None


FORMAT = ChatFormat(
    "text",
    "Plain text: 'Agent: ...' / 'Customer: ...' lines, optional [00:12] or 12:03:44 prefixes, '---' between conversations",
    "text",
    claims,
    parse,
)
