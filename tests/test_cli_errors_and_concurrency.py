"""No traceback reaches the terminal, a batch goes on past a bad file, text is stored the
same way on SQLite and PostgreSQL, and concurrent first ingests register a rubric once."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select

from qa_coach.cli import main
from qa_coach.domain.interaction import Channel, Interaction, Person, Role, SourceRef, Turn
from qa_coach.domain.statuses import IngestStatus
from qa_coach.services import directory, queries, rubrics
from qa_coach.services import ingest as ingest_service
from qa_coach.services import text_models
from qa_coach.storage.models import AuditEntry, IngestedFile, InteractionRow, RubricVersion
from tests.db_fixtures import RUBRIC_V1, SIGNALS, db, pg_shared, rubric_v2, world, write_chat  # noqa: F401  (fixtures)

EXIT_UNEXPECTED = 70


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """The data folder (and so the error log) inside the test's folder, for every test here."""
    folder = tmp_path / "data"
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(folder))
    return folder


def _cli(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _log(data_dir: Path) -> Path:
    return data_dir / "logs" / "errors.log"


def test_an_unexpected_error_prints_one_line_and_writes_the_traceback_to_the_log(data_dir, tmp_path, monkeypatch):
    from qa_coach.rubric import loader

    def parser_fault(name_or_path):
        raise RecursionError("maximum recursion depth exceeded\nwhile reading a rubric")

    monkeypatch.setattr(loader, "load_rubric", parser_fault)
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC_V1)

    code, out, err = _cli("rubric", "validate", str(rubric))

    log = _log(data_dir)
    assert code == EXIT_UNEXPECTED
    assert out == ""
    assert err.splitlines() == [
        f"unexpected error: RecursionError: maximum recursion depth exceeded while reading a rubric; "
        f"details written to {log}"
    ]
    assert "Traceback" not in err
    text = log.read_text()
    assert "qa-coach rubric" in text and "Traceback (most recent call last)" in text
    assert "in parser_fault" in text and "RecursionError: maximum recursion depth exceeded" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600  # tracebacks may quote chat data: owner only

    # a second fault is appended, the first one kept
    _cli("rubric", "validate", str(rubric))
    assert log.read_text().count("Traceback (most recent call last)") == 2

    # an input error is no fault: exit 2, its message names the file, nothing is logged
    monkeypatch.undo()
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(data_dir))
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nsections: 3\n")
    before = log.read_text()
    code, _, err = _cli("rubric", "validate", str(bad))
    assert code == 2 and err.startswith(f"error: {bad}") and "Traceback" not in err
    assert log.read_text() == before


def test_ingest_goes_on_past_a_bad_file_and_ends_with_a_summary(data_dir, tmp_path, monkeypatch):
    import qa_coach.ingest as importers

    monkeypatch.setattr(text_models, "default_signals", lambda: SIGNALS)
    real_import = importers.import_conversations

    def import_conversations(path, format=None):
        if Path(path).name == "b_bad.txt":
            raise OverflowError("date value out of range")
        return real_import(path, format=format)

    monkeypatch.setattr(importers, "import_conversations", import_conversations)
    monkeypatch.setenv("QA_COACH_DATABASE_URL", f"sqlite:///{tmp_path / 'qa.sqlite3'}")
    folder = tmp_path / "chats"
    folder.mkdir()
    write_chat(folder, "a_good.txt", "Ann", "c1", polite=True)
    write_chat(folder, "b_bad.txt", "Ann", "c2", polite=True, topic="my modem")
    write_chat(folder, "c_good.txt", "Ann", "c3", polite=False, topic="my bill")
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC_V1)
    assert _cli("db", "upgrade")[0] == 0
    assert _cli("db", "add-rep", "Alice", "--team", "A", "--email", "alice@example.com")[0] == 0

    code, out, err = _cli("ingest", str(folder), "--rep", "alice@example.com", "--rubric", str(rubric),
                          "--no-progress")

    assert code == 2
    assert "3 file(s): 2 stored (2 interaction(s)), 0 already stored, 1 failed" in out
    bad = folder / "b_bad.txt"
    assert f"failed: {bad}: unexpected error: OverflowError: date value out of range; " \
           f"details written to {_log(data_dir)}" in err.splitlines()
    assert "Traceback" not in out + err
    assert "OverflowError: date value out of range" in _log(data_dir).read_text()
    from qa_coach.storage import Database

    db = Database()
    with db.session() as s:
        stored = sorted(Path(n).name for n in s.scalars(select(IngestedFile.name)))
        assert stored == ["a_good.txt", "c_good.txt"]
        assert s.scalar(select(func.count()).select_from(InteractionRow)) == 2
    db.dispose()


def test_a_fault_while_storing_a_file_leaves_nothing_of_it(world, data_dir, tmp_path, monkeypatch):  # noqa: F811
    path = write_chat(tmp_path, "chat.txt", "Ann", "c1", polite=True)
    real_audit = ingest_service.audit

    def audit(s, actor, action, entity, *args, **kwargs):
        if action == "ingest":  # after the file's interactions and scorecards were inserted
            raise KeyError("audit detail")
        return real_audit(s, actor, action, entity, *args, **kwargs)

    monkeypatch.setattr(ingest_service, "audit", audit)
    outcome = ingest_service.ingest_file(world.sessions, world.admin, path, rubric_version_id=world.rubric_v1,
                                         representative="alice@example.com", signals=SIGNALS)
    assert outcome.status is IngestStatus.FAILED
    assert outcome.error.startswith(f"{path}: unexpected error: KeyError: 'audit detail'; details written to ")
    with world.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(IngestedFile)) == 0
        assert s.scalar(select(func.count()).select_from(InteractionRow)) == 0


def _conversation_with_control_characters(path: Path) -> list[Interaction]:
    agent = Person("Sam\x00 Agent", "agent\x01-7", "sam@example.com")
    customer = Person("Cu\x00st", None, "cust\x00@example.com")
    turns = (
        Turn(0, Role.AGENT, "Hello,\x00 how can I help?\x1b[31m", speaker=agent),
        Turn(1, Role.CUSTOMER, "My router\x00 is broken\tagain.\r\nPlease caf\ud800e.", speaker=customer),
        Turn(2, Role.AGENT, "I am sorry for the trouble.\x7f Is there anything else?", speaker=agent),
    )
    return [Interaction(
        id="ticket\x00-42", turns=turns, source=SourceRef(str(path), "text", "conversation\x00 1"),
        channel=Channel.CHAT, representative=agent, customer=customer,
        metadata={"subject\x00": "ro\x00uter", "tags": ["a\x00", "b"]},
    )]


def test_nul_and_control_characters_are_stored_the_same_way_on_every_backend(world, tmp_path):  # noqa: F811
    team = directory.create_team(world.sessions, world.admin, "Night\x00 shift")
    rep = directory.create_representative(world.sessions, world.admin, name="Nu\x00ll Rep", team_id=team.id,
                                          email="nul\x00@example.com")
    path = tmp_path / "chat.txt"
    path.write_text("any")
    outcome = ingest_service.ingest_file(
        world.sessions, world.admin, path, rubric_version_id=world.rubric_v1, representative="nul@example.com",
        signals=SIGNALS, importers={".txt": _conversation_with_control_characters})
    assert outcome.status is IngestStatus.STORED, outcome.error

    assert "Night shift" in [t.name for t in directory.list_teams(world.sessions, world.admin)]
    found = directory.find_representative(world.sessions, world.admin, "nul@example.com")
    assert (found.id, found.name, found.email) == (rep.id, "Null Rep", "nul@example.com")
    (iid,) = outcome.interaction_ids
    stored = queries.get_interaction(world.sessions, world.admin, iid).interaction
    assert stored.id == "ticket-42"
    assert stored.source.locator == "conversation 1"
    assert [t.text for t in stored.turns] == [
        "Hello, how can I help?[31m",
        "My router is broken\tagain.\r\nPlease caf\ufffde.",
        "I am sorry for the trouble. Is there anything else?",
    ]
    assert stored.representative.name == "Sam Agent" and stored.representative.id == "agent-7"
    assert stored.customer.name == "Cust" and stored.customer.email == "cust@example.com"
    assert dict(stored.metadata)["subject"] == "router" and list(dict(stored.metadata)["tags"]) == ["a", "b"]


def test_three_concurrent_first_ingests_register_the_rubric_version_once(world, tmp_path):  # noqa: F811
    """Three ingests start at once with a rubric version nobody registered yet. On PostgreSQL
    each is held after reading "not registered yet" until all three have read it, so all three
    then try to register it (the race the unique SHA-256 used to lose with an IntegrityError).
    SQLite queues writers at BEGIN IMMEDIATE, so there they run one after another."""
    rubric = rubric_v2()
    files = [write_chat(tmp_path, f"chat{i}.txt", "Ann", f"c{i}", polite=i % 2 == 0, topic=f"order {i}")
             for i in range(3)]
    barrier = threading.Barrier(len(files), timeout=10)
    held = threading.local()

    def hold_after_first_lookup(conn, cursor, statement, parameters, context, executemany):
        if (not getattr(held, "done", False) and statement.lstrip().upper().startswith("SELECT")
                and "rubric_versions.sha256 =" in statement):
            held.done = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass

    def first_ingest(path: Path):
        version = rubrics.register_rubric(world.sessions, world.admin, rubric)
        outcome = ingest_service.ingest_file(world.sessions, world.admin, path, rubric_version_id=version.id,
                                             representative="alice@example.com", signals=SIGNALS)
        return version.id, outcome

    engine = world.db.engine
    race = not world.db.is_sqlite
    if race:
        event.listen(engine, "after_cursor_execute", hold_after_first_lookup)
    try:
        with ThreadPoolExecutor(len(files)) as pool:
            results = list(pool.map(first_ingest, files))
    finally:
        if race:
            event.remove(engine, "after_cursor_execute", hold_after_first_lookup)

    assert [o.status for _, o in results] == [IngestStatus.STORED] * 3, [o.error for _, o in results]
    with world.sessions.begin() as s:
        rows = s.scalars(select(RubricVersion.id).where(RubricVersion.sha256 == rubric.sha256)).all()
        created = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "create", AuditEntry.entity == "rubric_version"))
    assert len(rows) == 1 and {vid for vid, _ in results} == set(rows)
    assert created == 2  # version 1 when the world was built, version 2 once
