"""Database fixtures for storage, service and progress tests: SQLite always, PostgreSQL
(127.0.0.1:5432, database ``test``) whenever it is reachable, and always in CI.

Each PostgreSQL test gets its own schema, dropped afterwards, so runs never collide.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pytest

from qa_coach.rubric.loader import parse_rubric
from qa_coach.storage.database import Database
from tests.fakes import BagOfWordsSignals

PG_URL = os.environ.get("QA_COACH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


@lru_cache(maxsize=1)
def postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError as exc:
        return f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc})"
    return None


def make_database(backend: str, tmp_path) -> tuple[Database, callable]:
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'qa.sqlite3'}")
        return db, db.dispose
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the storage tests on PostgreSQL: {problem}")
        pytest.skip(problem)
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, schema=schema)

    def cleanup() -> None:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return db, cleanup


@pytest.fixture(params=BACKENDS)
def empty_db(request, tmp_path):
    """A database with no tables yet (not migrated)."""
    db, cleanup = make_database(request.param, tmp_path)
    yield db
    cleanup()


@pytest.fixture
def migrated_db(empty_db):
    """A database brought to head by running every migration."""
    empty_db.upgrade()
    return empty_db


_SQLITE_TEMPLATE: dict[str, bytes] = {}


def _pg_schema_database() -> tuple[Database, callable]:
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the storage tests on PostgreSQL: {problem}")
        pytest.skip(problem)
    return make_database("postgresql", None)


@pytest.fixture(scope="session")
def pg_shared():
    """One PostgreSQL schema per test run (and module), at head; tests empty it first."""
    from alembic import command

    from qa_coach.storage.migrate import alembic_config
    from qa_coach.storage.models import Base

    database, cleanup = _pg_schema_database()
    with database.engine.begin() as conn:
        Base.metadata.create_all(conn)
        command.stamp(alembic_config(conn), "head")
    yield database
    cleanup()


def _empty_pg_schema(database: Database) -> None:
    """DELETE, children first, rather than TRUNCATE: on tables this small TRUNCATE costs about
    0.5 s a test (new files for every table and index), DELETE a few milliseconds."""
    from sqlalchemy import text

    from qa_coach.storage.models import Base

    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        sequences = conn.scalars(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
        for name in list(sequences):
            conn.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """An empty database at head, made quickly: SQLite copies a file migrated once per run;
    PostgreSQL reuses a schema made from the models (the migration tests prove that the
    migrations give the same schema), emptied and with every id sequence restarted."""
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_shared")
        _empty_pg_schema(database)
        yield database
        return
    database = Database(f"sqlite:///{tmp_path / 'qa.sqlite3'}")
    path = tmp_path / "qa.sqlite3"
    if "bytes" not in _SQLITE_TEMPLATE:
        database.upgrade()
        database.dispose()
        _SQLITE_TEMPLATE["bytes"] = path.read_bytes()
    else:
        path.write_bytes(_SQLITE_TEMPLATE["bytes"])
    yield database
    database.dispose()


RUBRIC_V1 = """\
id: support
name: Support basics
version: 1
sections:
  - id: open
    name: Opening
    criteria:
      - id: greeting
        name: Greeting
        weight: 30
        signals:
          hello: {type: pattern, speaker: agent, first: 1, patterns: ['\\b(hello|hi|good morning)\\b']}
        rules: [{answer: yes, when: hello}]
        otherwise: no
  - id: care
    name: Care
    criteria:
      - id: empathy
        name: Empathy
        weight: 40
        answers: yes_partial_no
        signals:
          sorry: {type: phrases, speaker: agent, exemplars: ['sorry for the trouble', 'I understand how frustrating'], threshold: 0.5}
        rules: [{answer: yes, when: sorry}]
        otherwise: no
      - id: closing
        name: Closing
        weight: 30
        signals:
          bye: {type: pattern, speaker: agent, last: 2, patterns: ['anything else', 'have a (nice|good|great) day']}
        rules: [{answer: yes, when: bye}]
        otherwise: no
"""

# Version 2 adds a criterion and reweights: rescoring with it must keep version 1's scores.
RUBRIC_V2 = RUBRIC_V1.replace("version: 1", "version: 2").replace("weight: 40", "weight: 30") + """\
      - id: thanks
        name: Thanks
        weight: 10
        signals:
          thank: {type: pattern, speaker: agent, patterns: ['thank']}
        rules: [{answer: yes, when: thank}]
        otherwise: no
"""


def rubric_v1():
    return parse_rubric(RUBRIC_V1, source="test rubric v1")


def rubric_v2():
    return parse_rubric(RUBRIC_V2, source="test rubric v2")


SIGNALS = BagOfWordsSignals()


@dataclass(frozen=True)
class World:
    """Two teams: A (reps a1, a2) and B (rep b1), with a reviewer and a coach for A,
    a reviewer for B, an admin, a user for every rep, and rubric version 1 stored."""

    sessions: object
    db: Database
    admin: int
    reviewer_a: int
    coach_a: int
    reviewer_b: int
    team_a: int
    team_b: int
    rep_a1: int
    rep_a2: int
    rep_b1: int
    user_a1: int
    user_a2: int
    user_b1: int
    rubric_v1: int


def build_world(db: Database) -> World:
    from qa_coach.services import directory, rubrics

    sessions = db.session_factory()
    admin = directory.bootstrap_admin(sessions, "Ada Admin", "ada@example.com").id
    ta = directory.create_team(sessions, admin, "Team A").id
    tb = directory.create_team(sessions, admin, "Team B").id
    a1 = directory.create_representative(sessions, admin, name="Alice", team_id=ta, email="alice@example.com",
                                         hire_date=date(2026, 9, 7)).id
    a2 = directory.create_representative(sessions, admin, name="Arun", team_id=ta, email="arun@example.com",
                                         hire_date=date(2026, 9, 14)).id
    b1 = directory.create_representative(sessions, admin, name="Bea", team_id=tb, email="bea@example.com",
                                         hire_date=date(2025, 1, 6)).id

    def user(name, role, rep=None, teams=()):
        return directory.create_user(sessions, admin, name=name, email=f"{name.lower()}@users.example", role=role,
                                     representative_id=rep, team_ids=teams).id

    rv = rubrics.register_rubric(sessions, admin, rubric_v1()).id
    return World(
        sessions, db, admin, user("Rita", "reviewer", teams=(ta,)), user("Carl", "coach", teams=(ta,)),
        user("Rob", "reviewer", teams=(tb,)), ta, tb, a1, a2, b1, user("AliceU", "representative", a1),
        user("ArunU", "representative", a2), user("BeaU", "representative", b1), rv,
    )


@pytest.fixture
def world(db) -> World:
    return build_world(db)


def chat_text(agent_name: str, customer: str, *, polite: bool, topic: str = "my router") -> str:
    """A plain-text chat (Agent:/Customer: lines) that the scorer can score."""
    if polite:
        lines = [
            f"Agent: Hello, my name is {agent_name}, how can I help?",
            f"Customer: Hi, {topic} is broken and I am frustrated ({customer}).",
            "Agent: I am so sorry for the trouble, I understand how frustrating that is.",
            "Customer: Thanks.",
            "Agent: I have fixed it. Thank you for waiting. Is there anything else?",
            "Customer: No, that's all.",
            "Agent: Have a great day!",
        ]
    else:
        lines = [
            "Agent: Yes?",
            f"Customer: {topic} is broken ({customer}).",
            "Agent: Restart it.",
            "Customer: Fine.",
        ]
    return "\n".join(lines) + "\n"


def write_chat(folder, name: str, agent: str, customer: str, *, polite: bool, topic: str = "my router"):
    path = folder / name
    path.write_text(chat_text(agent, customer, polite=polite, topic=topic), encoding="utf-8")
    return path


def zendesk_ticket(ticket_id: str, created: str, rep_email: str, customer_email: str, *, polite: bool,
                   csat: str | None = None, minutes: int = 4) -> dict:
    """One Zendesk-QA-import ticket with dated comments (the format carries CSAT and the customer)."""
    lines = chat_text("Sam", customer_email, polite=polite, topic=f"ticket {ticket_id}").strip().splitlines()
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(created.replace("Z", "+00:00"))
    step = timedelta(seconds=minutes * 60 / max(1, len(lines) - 1))
    comments = []
    for i, line in enumerate(lines):
        who, text = line.split(": ", 1)
        agent = who == "Agent"
        comments.append({
            "id": f"{ticket_id}-{i}",
            "authorName": "Sam" if agent else "Cust",
            "authorEmail": rep_email if agent else customer_email,
            "authorIsNotClient": agent,
            "public": True,
            "comment": text,
            "created": (start + i * step).isoformat().replace("+00:00", "Z"),
        })
    return {
        "id": ticket_id, "subject": "help", "created": created, "status": "solved", "channel": "chat",
        "assigneeEmail": rep_email, "assigneeName": "Sam", "customerEmail": customer_email,
        "customerName": "Cust", "satisfactionScore": csat, "tags": [], "comments": comments,
    }


def write_tickets(folder, name: str, tickets: list[dict]):
    import json

    path = folder / name
    path.write_text(json.dumps({"tickets": tickets}), encoding="utf-8")
    return path
