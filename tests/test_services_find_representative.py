"""One way to find a representative (by id, email or name), with the acting user's permission
check, used by the pages, the commands and the ingest alike."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qa_coach.cli import main
from qa_coach.services import directory
from qa_coach.services.errors import NotFoundError, PermissionDeniedError
from qa_coach.storage.database import Database
from tests.db_fixtures import build_world, db, pg_shared, world  # noqa: F401  (fixtures)


def _coach_of_team_b(w) -> int:
    return directory.create_user(w.sessions, w.admin, name="Cora", email="cora@users.example", role="coach",
                                 team_ids=(w.team_b,)).id


def test_found_by_id_email_or_name_in_any_case(world):
    w = world
    for key in (w.rep_a1, str(w.rep_a1), "alice@example.com", " ALICE@example.com ", "Alice", "alice"):
        rep = directory.find_representative(w.sessions, w.admin, key)
        assert (rep.id, rep.name, rep.email, rep.team_id) == (w.rep_a1, "Alice", "alice@example.com", w.team_a), key


def test_a_coach_of_another_team_is_refused_and_the_team_coach_is_not(world):
    w = world
    cora = _coach_of_team_b(w)
    for key in ("alice@example.com", "Alice", w.rep_a1):
        with pytest.raises(PermissionDeniedError, match="Cora"):
            directory.find_representative(w.sessions, cora, key)
    assert directory.find_representative(w.sessions, cora, "bea@example.com").id == w.rep_b1
    assert directory.find_representative(w.sessions, w.coach_a, "alice@example.com").id == w.rep_a1


def test_a_representative_finds_only_themselves(world):
    w = world
    assert directory.find_representative(w.sessions, w.user_a1, "Alice").id == w.rep_a1
    with pytest.raises(PermissionDeniedError):
        directory.find_representative(w.sessions, w.user_a1, "Arun")


def test_unknown_and_ambiguous_names_are_not_found(world):
    w = world
    with pytest.raises(NotFoundError, match="unknown representative 'nobody@example.com'"):
        directory.find_representative(w.sessions, w.admin, "nobody@example.com")
    directory.create_representative(w.sessions, w.admin, name="Alice", team_id=w.team_b)  # a second Alice
    with pytest.raises(NotFoundError, match="'Alice'"):
        directory.find_representative(w.sessions, w.admin, "Alice")
    assert directory.find_representative(w.sessions, w.admin, "alice@example.com").id == w.rep_a1  # email still works


def test_acting_user_is_the_named_one_else_the_local_admin(world):
    w = world
    assert directory.acting_user(w.sessions, None).id == w.admin
    assert directory.acting_user(w.sessions, " Carl@Users.example ").id == w.coach_a
    with pytest.raises(NotFoundError, match="no user with email 'ghost@example.com'"):
        directory.acting_user(w.sessions, "ghost@example.com")


@pytest.mark.parametrize("args", [
    ("export", "scores", "--rep", "alice@example.com"),
    ("export", "report", "--rep", "Alice"),
    ("ingest", "--rep", "alice@example.com", "nothing-to-read.txt"),
])
def test_commands_refuse_a_representative_the_acting_user_may_not_see(tmp_path, monkeypatch, args):
    database = Database(f"sqlite:///{tmp_path / 'cli.sqlite3'}")  # the command opens it by its URL alone
    database.upgrade()
    try:
        _coach_of_team_b(build_world(database))
        monkeypatch.setenv("QA_COACH_DATABASE_URL", database.url)
        monkeypatch.delenv("QA_COACH_USER", raising=False)
        result = CliRunner().invoke(main, [*args, "--as", "cora@users.example"])
    finally:
        database.dispose()
    assert result.exit_code == 2, result.output
    assert "Cora (coach) may not see this representative" in result.stderr and "Traceback" not in result.output
