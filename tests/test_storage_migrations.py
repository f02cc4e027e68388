"""Migrations: one head, models and migrations agree, and an out-of-date database is refused
with the upgrade command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from qa_coach.storage import Database, SchemaOutOfDateError
from qa_coach.storage.config import default_database_url
from qa_coach.storage.migrate import alembic_config, current_revisions, downgrade, head_revisions
from qa_coach.storage.models import Base
from tests.db_fixtures import empty_db, migrated_db  # noqa: F401  (fixtures)


def test_exactly_one_migration_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migration branches must be merged: heads {heads}"


def test_models_and_migrations_agree(migrated_db):
    with migrated_db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models differ from migrations (write a migration): {diff}"
    assert current_revisions(migrated_db.engine) == head_revisions()


def test_every_model_table_exists_after_upgrade(migrated_db):
    tables = set(inspect(migrated_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_a_database_without_tables_names_the_upgrade_command(empty_db):
    with pytest.raises(SchemaOutOfDateError, match="qa-coach db upgrade"):
        empty_db.session_factory()


def test_an_older_database_is_refused_until_upgraded(migrated_db):
    downgrade(migrated_db.engine, "base")
    fresh = Database(migrated_db.url, schema=migrated_db.schema)
    try:
        with pytest.raises(SchemaOutOfDateError, match="qa-coach db upgrade"):
            fresh.session_factory()
        fresh.upgrade()
        fresh.session_factory()  # no error once upgraded
    finally:
        fresh.dispose()


def test_a_database_from_a_newer_version_says_so(migrated_db):
    with migrated_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffff'"))
    fresh = Database(migrated_db.url, schema=migrated_db.schema)
    try:
        with pytest.raises(SchemaOutOfDateError, match="newer qa_coach"):
            fresh.session_factory()
    finally:
        fresh.dispose()


def test_no_engine_is_created_at_import_or_construction():
    code = (
        "import sqlalchemy\n"
        "calls = []\n"
        "real = sqlalchemy.create_engine\n"
        "sqlalchemy.create_engine = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
        "import qa_coach.storage, qa_coach.services.ingest, qa_coach.services.analytics, qa_coach.cli\n"
        "from qa_coach.storage import Database\n"
        "d = Database('sqlite:///:memory:')\n"
        "assert calls == [], calls\n"
        "d.engine\n"
        "assert len(calls) == 1, calls\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_database_url_defaults_to_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("QA_COACH_DATABASE_URL", raising=False)
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path))
    assert default_database_url() == f"sqlite:///{tmp_path / 'qa_coach.sqlite3'}"
    monkeypatch.delenv("QA_COACH_DATA_DIR")
    from platformdirs import user_data_dir

    assert default_database_url().startswith(f"sqlite:///{user_data_dir('qa_coach', appauthor=False)}")
    monkeypatch.setenv("QA_COACH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert default_database_url() == "postgresql+psycopg://u@h/db"


def test_a_database_behind_the_code_names_the_upgrade_command(migrated_db, monkeypatch):
    """Code one migration ahead of the database (simulated: the heads the code expects)."""
    import qa_coach.storage.migrate as migrate

    current = current_revisions(migrated_db.engine)[0]
    monkeypatch.setattr(migrate, "head_revisions", lambda: ("9999_next",))
    fresh = Database(migrated_db.url, schema=migrated_db.schema)
    try:
        with pytest.raises(SchemaOutOfDateError) as err:
            fresh.session_factory()
    finally:
        fresh.dispose()
    assert f"older than this qa_coach (revision {current}, expected 9999_next): run `qa-coach db upgrade`" in str(err.value)
