"""Bad chat and audio files (tests/bad_inputs.py): each one is a clear error naming the file
and the place, exit 2, within a time and a memory limit; worst-case valid files are read in
linear time; control characters are removed the same way for every importer and database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa_coach.domain.errors import InputError
from qa_coach.ingest import import_conversations, limits, read_conversations
from qa_coach.ingest import source as source_module
from qa_coach.ingest.control_chars import remove_control_characters
from qa_coach.services import ingest, queries
from tests import bad_inputs
from tests.bad_inputs import CASES, HEAVY_VALID, BadInput, qa_comment, qa_ticket
from tests.db_fixtures import SIGNALS, db, pg_shared, world  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "chat"
TIME_LIMIT_S = 20.0
MEMORY_LIMIT_MB = 300  # peak resident memory of one `qa-coach score` (about 90 MB for a small file)
BIG_MEMORY_LIMIT_MB = 600  # ... of a 50 MB file
ADDRESS_SPACE_CAP = 3 * 1024**3  # a process that tries to take more fails at once instead of swapping
# The command in a child process (tests/cli_driver.py: the command line with the bag-of-words
# stand-in for the models), its address space capped; at exit it writes its peak resident
# memory (VmHWM, in kB) to a file. Not wait4's ru_maxrss: that also counts the parent's
# memory at the fork, and a test process can be larger than the command it runs.
_CHILD = """
import atexit, resource, sys
cap, report = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

def peak():
    with open("/proc/self/status") as status, open(report, "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(peak)
from tests.cli_driver import run
run(sys.argv[3:])
"""


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float
    killed: bool


def run_score(path: Path, scratch: Path, time_limit: float = TIME_LIMIT_S) -> Run:
    """``qa-coach score PATH`` in a child process, killed after ``time_limit`` seconds;
    ``scratch``: a folder for its data and its report."""
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QA_COACH_DATA_DIR": str(scratch / "data")}
    report = scratch / "peak_kb"
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(ADDRESS_SPACE_CAP), str(report), "score", str(path)],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=time_limit,
        )
    except subprocess.TimeoutExpired as exc:  # the child is killed
        return Run(-9, (exc.stdout or b"").decode(), (exc.stderr or b"").decode(), time_limit, 0.0, True)
    seconds = time.monotonic() - started
    peak_mb = int(report.read_text()) / 1024 if report.exists() else float("inf")
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode(), seconds, peak_mb, False)


def test_the_corpus_goes_just_past_the_limits_of_the_code():
    assert bad_inputs.FIELD_LIMIT == limits.MAX_FIELD_CHARS
    assert bad_inputs.LINE_LIMIT == limits.MAX_LINE_CHARS
    assert bad_inputs.MESSAGE_LIMIT == limits.MAX_MESSAGE_CHARS
    assert bad_inputs.MESSAGES_LIMIT == limits.MAX_MESSAGES


def _cases(cases: tuple[BadInput, ...]) -> list:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.big else []) for c in cases]


@pytest.mark.parametrize("case", _cases(CASES))
def test_a_bad_file_is_one_clear_error_in_bounded_time_and_memory(case: BadInput, tmp_path):
    path = case.write(tmp_path)
    run = run_score(path, tmp_path / "run")
    assert not run.killed, f"still running after {TIME_LIMIT_S:.0f} s"
    assert "Traceback" not in run.out + run.err
    assert run.code == 2, run.err[-2000:]
    (line,) = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert line.startswith(f"error: {path}: "), line  # the file first
    if case.place is not None:
        assert f": {case.place}" in line, line
    for words in case.says:
        assert words in line, line
    assert run.seconds < TIME_LIMIT_S
    limit = BIG_MEMORY_LIMIT_MB if case.big else MEMORY_LIMIT_MB
    assert run.peak_mb < limit, f"peak memory {run.peak_mb:.0f} MB"


@pytest.mark.parametrize("case", _cases(HEAVY_VALID))
def test_a_worst_case_valid_file_is_read_in_linear_time(case: BadInput, tmp_path):
    run = run_score(case.write(tmp_path), tmp_path / "run")
    assert not run.killed, f"still running after {TIME_LIMIT_S:.0f} s"
    assert run.code == 0, run.err[-2000:]
    assert "Score: " in run.out
    assert run.peak_mb < MEMORY_LIMIT_MB, f"peak memory {run.peak_mb:.0f} MB"


def test_reading_stops_past_the_limit_whatever_the_file_says_its_size_is(monkeypatch):
    # /proc files say they hold 0 bytes: the limit holds on what is read, not on what stat says
    proc_file = Path("/proc/self/maps")
    assert proc_file.stat().st_size == 0 and len(proc_file.read_bytes()) > 1024
    monkeypatch.setattr(source_module, "MAX_BYTES", 1024)
    with pytest.raises(InputError, match="file is larger than the 1024 bytes limit"):
        import_conversations(proc_file)  # reading stopped at the limit: the size is not known


def test_duplicate_ids_keep_the_first_and_name_both_places(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text(json.dumps({"tickets": [qa_ticket("A"), qa_ticket("B"), qa_ticket("A")]}))
    result = read_conversations(path)
    assert [i.id for i in result.interactions] == ["A", "B"]
    (problem,) = result.problems
    assert problem.where == "tickets[2]" and "tickets[0]" in problem.message


@pytest.mark.parametrize(
    "text,clean",
    [
        ("a\x00b", "ab"),
        ("tab\tand\nlines\r\n", "tab\tand\nlines\r\n"),
        ("bell\x07 esc\x1b[0m del\x7f c1\x85\x9f", "bell esc[0m del c1"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("emoji \U0001F600 and é", "emoji \U0001F600 and é"),
    ],
)
def test_control_characters_are_removed(text, clean):
    assert remove_control_characters(text) == clean


def _dirty_json(value):
    """Every string of a JSON document with NUL, BEL and ESC in it (keys too)."""
    if isinstance(value, dict):
        return {_dirty_text(k): _dirty_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dirty_json(v) for v in value]
    return _dirty_text(value) if isinstance(value, str) else value


def _dirty_text(text: str) -> str:
    return "\x00" + text.replace("e", "e\x00\x07").replace(" ", "\x1b ")


def _comparable(interactions):
    return [
        (i.id, i.channel, i.started_at, i.representative, i.customer, i.language, dict(i.metadata),
         [(t.role, t.text, t.start, t.timestamp, t.speaker, t.source_id) for t in i.turns])
        for i in interactions
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()))
def test_every_importer_drops_control_characters_the_same_way(name, tmp_path):
    clean = DATA / name
    dirty = tmp_path / name  # the same name: ids made from the file name stay the same
    if clean.suffix == ".json":
        dirty.write_text(json.dumps(_dirty_json(json.loads(clean.read_text(encoding="utf-8")))), encoding="utf-8")
        assert "\\u0000" in dirty.read_text(encoding="utf-8")
    else:
        dirty.write_text(_dirty_text(clean.read_text(encoding="utf-8")), encoding="utf-8")
        assert "\x00" in dirty.read_text(encoding="utf-8")
    assert _comparable(import_conversations(dirty)) == _comparable(import_conversations(clean))


def test_terminal_escapes_in_chat_text_never_reach_the_output(tmp_path):
    chat = tmp_path / "escapes.txt"
    chat.write_text("Agent: hello\x1b[2J\x1b]0;owned\x07 how can I help?\nCustomer: my \x9b31morder\x00 is late\n",
                    encoding="utf-8")
    run = run_score(chat, tmp_path / "run")
    assert run.code == 0, run.err[-2000:]
    assert "how can I help?" in run.out and "order is late" in run.out
    assert not {"\x1b", "\x9b", "\x07", "\x00"} & set(run.out + run.err)


def test_sqlite_and_postgresql_store_the_same_text_without_control_characters(world, tmp_path):
    ticket = qa_ticket("T\x00-1", [
        qa_comment("my order\x00 is late \ud83d", False),  # a lone surrogate escape, too
        {**qa_comment("so sorry,\x07 let me\x9b check", True), "authorName": "Sam\x00 Lee\x85",
         "authorEmail": "alice@example.com"},
    ])
    ticket.update(subject="late\x00 order", tags=["vip\x00"], assigneeEmail="alice@example.com")
    path = tmp_path / "nul.json"
    path.write_text(json.dumps({"tickets": [ticket]}), encoding="utf-8")
    assert "\\u0000" in path.read_text() and "\\ud83d" in path.read_text()
    outcome = ingest.ingest_file(world.sessions, world.admin, path, rubric_version_id=world.rubric_v1,
                                 signals=SIGNALS)
    assert outcome.status == "stored", outcome.error
    (stored_id,) = outcome.interaction_ids
    stored = queries.get_interaction(world.sessions, world.admin, stored_id).interaction
    assert stored.id == "T-1"
    assert [t.text for t in stored.turns] == ["my order is late \ufffd", "so sorry, let me check"]
    assert stored.turns[1].speaker.name == "Sam Lee"
    assert stored.metadata["subject"] == "late order" and stored.metadata["tags"] == ["vip"]
