"""The corpus of bad chat and audio files: each case writes one small file (or a link, a
FIFO) into a folder at test time; nothing large is committed.

Every case is something a careless user or an attacker could hand to ``qa-coach score``:
each must end in one clear error naming the file and the place (exit 2), quickly and in
bounded memory. ``python -m tests.bad_inputs FOLDER`` writes the whole corpus into FOLDER.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MB = 1024 * 1024
# The limits of qa_coach/ingest/limits.py the cases go just past (or stay just under);
# tests/test_bad_inputs.py checks that these equal the module's values.
FIELD_LIMIT = 1_000_000  # characters of one JSON string
LINE_LIMIT = 131_072  # characters of one line of a text or CSV export
MESSAGE_LIMIT = 100_000  # characters of one message's text
MESSAGES_LIMIT = 10_000  # messages in one conversation


@dataclass(frozen=True)
class BadInput:
    """``write(folder)`` makes the file and returns the path to score; the error must
    contain ``place`` (where in the file, or None when the file as a whole is wrong) and
    every one of ``says``. ``big``: a file of tens of MB (slow tier)."""

    name: str
    write: Callable[[Path], Path]
    place: str | None
    says: tuple[str, ...]
    big: bool = False


def _text(name: str, content: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(content, encoding="utf-8")
        return path

    return write


def _json(name: str, document: object) -> Callable[[Path], Path]:
    return _text(name, json.dumps(document))


def _raw(name: str, make: Callable[[], str]) -> Callable[[Path], Path]:
    """Content made only when the case is written (the big ones)."""

    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(make(), encoding="utf-8")
        return path

    return write


def _fifo(folder: Path) -> Path:
    path = folder / "fifo.txt"
    os.mkfifo(path)
    return path


def _dev_zero(folder: Path) -> Path:
    path = folder / "zero.txt"
    path.symlink_to("/dev/zero")
    return path


def qa_comment(text: str, agent: bool, created: object = "2024-01-01T10:00:00Z") -> dict:
    return {"authorIsNotClient": agent, "public": True, "comment": text, "created": created}


def qa_ticket(ticket_id: object, comments: list[dict] | None = None) -> dict:
    """One Zendesk QA ticket (two good comments unless given)."""
    comments = comments or [qa_comment("my order is late", False), qa_comment("sorry, let me check", True)]
    return {"id": ticket_id, "assigneeName": "Ann", "comments": comments}


def _salesforce(body: str, start: str = "2024-04-10T15:00:00.000+0000") -> dict:
    return {
        "records": [
            {
                "attributes": {"type": "LiveChatTranscript"},
                "Id": "5708d00000AbCdE",
                "StartTime": start,
                "Owner": {"Name": "Rita Moreno"},
                "Body": body,
            }
        ]
    }


def _zendesk_comments_html(body: str) -> dict:
    return {
        "ticket": {"id": 7, "requester_id": 1},
        "comments": [
            {"author_id": 1, "html_body": body, "public": True},
            {"author_id": 2, "html_body": "<p>Sorry, checking now.</p>", "public": True},
        ],
    }


def float_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    """A mono 32-bit float WAV (format tag 3) holding ``samples`` as they are."""
    data = np.asarray(samples, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    riff = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(riff)) + riff)
    return path


def speech_like(seconds: float, rate: int = 16_000) -> np.ndarray:
    """A voiced, syllable-paced signal (harmonics of a gliding pitch under a 4 Hz envelope)."""
    t = np.arange(int(seconds * rate)) / rate
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t)) ** 2
    rng = np.random.default_rng(0)
    return (0.2 * voice * envelope + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def _nan_wav(folder: Path) -> Path:
    samples = speech_like(4.0)
    samples[2 * 16_000 : 2 * 16_000 + 400] = np.nan  # 25 ms of NaN two seconds in
    samples[3 * 16_000] = np.inf
    return float_wav(folder / "nan_samples.wav", samples)


def _html_lt_a() -> str:
    body = "<a\n" * ((FIELD_LIMIT - 16) // 3)  # just under the field limit: the parser runs
    return json.dumps(_zendesk_comments_html(body))


def _million_continuation_lines() -> str:
    return "Agent: hello, how can I help?\n" + "and more\n" * 1_000_000 + "Customer: thanks\n"


CASES: tuple[BadInput, ...] = (
    BadInput("fifo", _fifo, None, ("not a regular file",)),
    BadInput("dev_zero", _dev_zero, None, ("not a regular file",)),
    BadInput(
        "html_lines_of_lt_a",
        _raw("html_lt_a.json", _html_lt_a),
        "comments[0]",
        ("characters of text", f"{MESSAGE_LIMIT:,}"),
    ),
    BadInput(
        "million_continuation_lines",
        _raw("continuation.txt", _million_continuation_lines),
        "line 111",
        ("message that starts on line 1", f"{FIELD_LIMIT:,}"),
    ),
    BadInput(
        "too_many_turns",
        _text("turns.txt", "Agent: hi\nCustomer: hello\n" * (MESSAGES_LIMIT // 2 + 1)),
        f"line {MESSAGES_LIMIT + 1}",
        ("messages", f"{MESSAGES_LIMIT:,}"),
    ),
    BadInput(
        "long_first_line_text",
        _text("wide.txt", "Agent: " + "x" * (LINE_LIMIT + 10) + "\nCustomer: hi\n"),
        "line 1",
        ("characters", f"{LINE_LIMIT:,}"),
    ),
    BadInput(
        "long_first_line_csv",
        _text("wide.csv", "role,text," + "x" * (LINE_LIMIT + 10) + "\nagent,hi,\n"),
        "line 1",
        ("characters", f"{LINE_LIMIT:,}"),
    ),
    BadInput(
        "long_first_line_no_suffix",
        _text("wide.log", "x" * (LINE_LIMIT + 10) + "\n"),
        "line 1",
        ("characters", f"{LINE_LIMIT:,}"),
    ),
    BadInput(
        "long_line_50mb",
        _raw("long_line.txt", lambda: "Agent: " + "x" * (50 * MB) + "\n"),
        "line 1",
        ("characters", f"{LINE_LIMIT:,}"),
        big=True,
    ),
    BadInput(
        "long_comment_50mb",
        _raw("long_comment.json", lambda: json.dumps({"tickets": [qa_ticket(1, [qa_comment("x" * (50 * MB), True)])]})),
        "tickets[0].comments[0].comment",
        ("characters", f"{FIELD_LIMIT:,}"),
        big=True,
    ),
    BadInput("deep_json", _text("deep.json", "[" * 100_000 + "]" * 100_000), "line 1, column", ("nested",)),
    BadInput(
        "deep_json_object",
        _text("deep_object.json", '{"tickets": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}"),
        "line 1, column",
        ("nested",),
    ),
    BadInput(
        "five_thousand_digit_id",
        _text("long_number.json", '{"tickets": [{"id": ' + "7" * 5000 + ', "comments": []}]}'),
        "line 1, column 21",
        ("5,000 digits",),
    ),
    BadInput(
        "long_text_id",
        _json("long_id.json", {"tickets": [qa_ticket("T" * 600)]}),
        "tickets[0]",
        ("id is 600 characters",),
    ),
    BadInput(
        "nan_in_json",
        _text("nan.json", '{"tickets": [{"id": 1, "satisfactionScore": NaN, "comments": []}]}'),
        "line 1, column 45",
        ("NaN",),
    ),
    BadInput(
        "salesforce_huge_offset",
        _json("sf_offset.json", _salesforce("( 99999999999999999999h 1s ) Visitor: hi<br>( 2s ) Rita Moreno: hello")),
        "records[0].Body, line 1",
        ("99999999999999999999h",),
    ),
    BadInput(
        "salesforce_offset_past_a_week",
        _json("sf_offset_week.json", _salesforce("( 1s ) Visitor: hi<br>( 999999h ) Rita Moreno: hello")),
        "records[0].Body, line 2",
        ("999999h",),
    ),
    BadInput(
        "salesforce_year_1",
        _json("sf_year1.json", _salesforce("( 1s ) Visitor: hi<br>( 2s ) Rita Moreno: hello", "0001-01-01T00:00:00.000+0000")),
        "records[0].StartTime",
        ("0001-01-01", "out of range"),
    ),
    BadInput(
        "year_1_comment",
        _json("year1.json", {"tickets": [qa_ticket(1, [qa_comment("hi", False, "0001-01-01T00:00:00Z"), qa_comment("hello", True)])]}),
        "tickets[0].comments[0].created",
        ("0001-01-01", "out of range"),
    ),
    BadInput(
        "year_9999_text",
        _text("year9999.txt", "[9999-12-31 23:59:59] Agent: hi\n[9999-12-31 23:59:59] Customer: hello\n"),
        "line 1",
        ("9999-12-31", "out of range"),
    ),
    BadInput(
        "unclosed_csv_quote",
        _text(
            "unclosed.csv",
            'conversation_id,role,text\nc1,customer,my order is late\nc1,agent,"sorry, checking\nc1,customer,ok thanks\n',
        ),
        "row 3",
        ("quote", "never closed"),
    ),
    BadInput(
        "duplicate_ticket_id",
        _json("duplicates.json", {"tickets": [qa_ticket("T1"), qa_ticket(2), qa_ticket("T1")]}),
        "tickets[2]",
        ("T1", "tickets[0]", "twice"),
    ),
    BadInput("nan_samples_wav", _nan_wav, "at 0:00:02", ("not a number",)),
)


# Valid files, each the worst case of a parser that once took quadratic time on it: they
# must score (exit 0) within the same time limit. ``place`` and ``says`` are unused.
HEAVY_VALID: tuple[BadInput, ...] = (
    BadInput(
        "line_of_blanks_in_a_text_chat",
        _text("blank_line.txt", "Agent: hello, how can I help?\n" + " " * (LINE_LIMIT - 10) + "\nCustomer: thanks\n"),
        None,
        (),
    ),
    BadInput(
        "salesforce_body_of_lt_a_lines",
        _json("sf_lt_a.json", _salesforce("( 1s ) Visitor: my order is late<br>( 2s ) Rita Moreno: " + "<a\n" * 20_000)),
        None,
        (),
    ),
    BadInput(
        "html_of_line_breaks",
        _json("line_breaks.json", _zendesk_comments_html("My order" + "<br>" * 100_000 + " is late.")),
        None,
        (),
    ),
)


def write_all(folder: Path, *, big: bool = True) -> dict[str, Path]:
    """Every case (the big ones only when ``big``) written into ``folder``: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: case.write(folder) for case in CASES + HEAVY_VALID if big or not case.big}


if __name__ == "__main__":
    for name, path in write_all(Path(sys.argv[1])).items():
        print(f"{name}: {path}")
