"""The team's database on this machine: opened, created, upgraded and, on the first start,
filled with the demo team. The app, its pages and the command line all start here.

The database is ``$QA_COACH_DATABASE_URL``, else a SQLite file in the user's data folder
(``$QA_COACH_DATA_DIR`` overrides the folder); recordings go to the audio store beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from qa_coach.domain.signals import TextSignals
from qa_coach.storage import Database
from qa_coach.storage.config import audio_store_dir, data_dir
from qa_coach.storage.migrate import current_revisions, head_revisions
from qa_coach.storage.models import InteractionRow, Team

from .access import Sessions
from .demo_data import DemoSummary, load_demo
from .directory import local_admin


@dataclass(frozen=True)
class SchemaState:
    location: str  # the database URL, without its password
    revisions: tuple[str, ...]  # the schema revisions the database is at
    head: tuple[str, ...]  # the revisions this qa_coach expects

    @property
    def up_to_date(self) -> bool:
        return set(self.revisions) == set(self.head)


@dataclass(frozen=True)
class AppDatabase:
    sessions: Sessions
    audio_dir: Path  # the audio store: recordings by their SHA-256


def open_database(*, check_schema: bool = True) -> Database:
    """The configured database (nothing connects yet unless ``check_schema``, which refuses
    a schema that is not current and names the command that upgrades it)."""
    db = Database()
    if check_schema:
        db.require_current_schema()
    return db


def schema_state(db: Database) -> SchemaState:
    return SchemaState(db.engine.url.render_as_string(hide_password=True), current_revisions(db.engine),
                       head_revisions())


def upgrade_database(db: Database) -> tuple[SchemaState, SchemaState]:
    """Create the tables or migrate them to this qa_coach's schema (safe to repeat);
    returns the state before and after."""
    before = schema_state(db)
    db.upgrade()
    return before, schema_state(db)


def open_app_database() -> AppDatabase:
    """The app's database, created or upgraded first, and its audio store."""
    db = Database()
    db.upgrade()
    return AppDatabase(db.session_factory(), audio_store_dir())


def prepare_app_database() -> bool:
    """Create or upgrade the database before the app starts; True when it holds no team
    and no interaction (a first start)."""
    db = Database()
    try:
        db.upgrade()
        with db.session_factory()() as s:
            return not s.scalar(select(func.count()).select_from(Team)) and not s.scalar(
                select(func.count()).select_from(InteractionRow))
    finally:
        db.dispose()


def demo_folder() -> Path:
    """Where the demo's generated history files are written."""
    return data_dir() / "demo"


def load_demo_team(*, signals: TextSignals | None = None,
                   progress: Callable[[int, int, str], None] | None = None) -> DemoSummary:
    """The demo team loaded into the database by its local admin (created when there is
    none), every conversation scored (``signals``: the text models, default the packaged
    ones; ``progress(done, total, file_name)`` before each file)."""
    db = open_database()
    try:
        sessions = db.session_factory()
        return load_demo(sessions, local_admin(sessions).id, demo_folder(), progress=progress, signals=signals)
    finally:
        db.dispose()
