"""The one object that owns the engine and hands out sessions (created lazily)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from qa_coach.domain.errors import QACoachError

from .config import default_database_url
from .text_cleaning import clean_statement_parameters, json_serializer

UPGRADE_COMMAND = "qa-coach db upgrade"


class SchemaOutOfDateError(QACoachError):
    """The database was made by an older (or newer) qa_coach than the one running."""


class Database:
    """An engine and session factory for one database URL; nothing connects until used.

    ``schema`` (PostgreSQL only) puts every table in that schema via ``search_path``:
    tests use one schema per test so parallel runs never collide.
    """

    def __init__(self, url: str | None = None, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = url or default_database_url()
        self.schema = schema
        self._echo = echo
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._checked = False
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._create_engine()
            return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _create_engine(self) -> Engine:
        kwargs: dict = {"echo": self._echo, "json_serializer": json_serializer}
        if self.is_sqlite:
            path = self.url.split("///", 1)[1] if "///" in self.url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        elif self.schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={self.schema}"}
        engine = create_engine(self.url, **kwargs)
        # Text is stored (and looked up) the same way on every backend: see text_cleaning.
        event.listen(engine, "before_cursor_execute", clean_statement_parameters, retval=True)
        if self.is_sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine

    def session_factory(self) -> sessionmaker[Session]:
        """Sessions for the services; refuses a database whose schema is not current."""
        self.require_current_schema()
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        self.require_current_schema()
        with self.session_factory().begin() as s:
            yield s

    def require_current_schema(self) -> None:
        """Raise a clear error, naming the upgrade command, unless the schema is at head."""
        if self._checked:
            return
        from .migrate import current_revisions, head_revisions

        current, heads = set(current_revisions(self.engine)), set(head_revisions())
        if current != heads:
            where = self.url if self.is_sqlite else self.engine.url.render_as_string(hide_password=True)
            if not current:
                msg = f"the database at {where} has no qa_coach tables yet: run `{UPGRADE_COMMAND}`"
            elif _unknown_revisions(current):
                msg = (
                    f"the database at {where} was made by a newer qa_coach (revision "
                    f"{', '.join(sorted(current))}); upgrade qa_coach"
                )
            else:
                msg = (
                    f"the database at {where} is older than this qa_coach (revision "
                    f"{', '.join(sorted(current))}, expected {', '.join(sorted(heads))}): "
                    f"run `{UPGRADE_COMMAND}`"
                )
            raise SchemaOutOfDateError(msg)
        self._checked = True

    def upgrade(self) -> None:
        from .migrate import upgrade

        upgrade(self.engine)
        self._checked = False

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _unknown_revisions(revisions: set[str]) -> set[str]:
    from alembic.script import ScriptDirectory

    from .migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    unknown = set()
    for rev in revisions:
        try:
            if script.get_revision(rev) is None:
                unknown.add(rev)
        except Exception:  # alembic raises for revisions it has never heard of
            unknown.add(rev)
    return unknown


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN (so BEGIN IMMEDIATE below takes effect).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_immediate(conn) -> None:
    # Writers queue on the lock at BEGIN instead of failing on upgrade from a read lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
