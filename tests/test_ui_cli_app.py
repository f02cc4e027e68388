"""``qa-coach app``: the first start loads the demo team (with progress), later starts do not."""

from __future__ import annotations

from qa_coach.cli.app import app_script, prepare_database
from qa_coach.services import auth, directory
from qa_coach.storage import Database
from tests.db_fixtures import SIGNALS


def test_first_start_loads_the_demo_once_and_leaves_the_admin_to_the_first_run_screen(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QA_COACH_DATABASE_URL", raising=False)
    lines = []
    assert prepare_database(demo=True, signals=SIGNALS, echo=lambda m, **_: lines.append(m))
    assert any("Demo team ready: 4 representatives" in m for m in lines)
    assert not prepare_database(demo=True, signals=SIGNALS)  # a later start is instant
    db = Database()
    try:
        sessions = db.session_factory()
        admin = directory.local_admin(sessions).id
        assert [t.name for t in directory.list_teams(sessions, admin)] == ["Demo team"]
        assert auth.needs_first_admin(sessions)  # the demo's admin has no password yet
    finally:
        db.dispose()


def test_no_demo_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QA_COACH_DATABASE_URL", raising=False)
    assert not prepare_database(demo=False)
    assert app_script().name in ("app.py", "entry.py") and app_script().is_file()
