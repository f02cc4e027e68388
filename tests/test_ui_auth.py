"""Sign-in: argon2 hashes, lock-out, first-run admin, and the router's role-based navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from qa_coach.services import auth, directory
from qa_coach.storage.database import Database
from qa_coach.storage.models import User, utcnow
from qa_coach.ui import nav
from qa_coach.ui.components import md
from tests.db_fixtures import SIGNALS
from tests.ui_fixtures import REPO, page_app, seeded, texts  # noqa: F401  (fixture)


@pytest.fixture
def empty_sessions(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'auth.sqlite3'}")
    db.upgrade()
    yield db.session_factory()
    db.dispose()


def test_first_admin_then_sign_in_with_an_argon2_hash(empty_sessions):
    assert auth.needs_first_admin(empty_sessions)
    admin = auth.create_first_admin(empty_sessions, "Ada", "Ada@Example.com", "correct horse")
    assert not auth.needs_first_admin(empty_sessions)
    with empty_sessions() as s:
        digest = s.scalar(select(User.password_hash).where(User.id == admin.id))
    assert digest.startswith("$argon2id$") and "correct horse" not in digest
    assert auth.sign_in(empty_sessions, " ada@example.com ", "correct horse").id == admin.id
    with pytest.raises(auth.SignInError, match="wrong email or password"):
        auth.sign_in(empty_sessions, "ada@example.com", "wrong horse")
    with pytest.raises(auth.SignInError, match="wrong email or password"):
        auth.sign_in(empty_sessions, "nobody@example.com", "correct horse")
    with pytest.raises(Exception, match="already exists"):
        auth.create_first_admin(empty_sessions, "Eve", "eve@example.com", "another one")


def test_production_hashing_is_argon2id_at_the_library_default_cost_or_more():
    """The tests hash at the cheapest cost (conftest.py); production may not. A production
    hash still verifies under the test hasher: argon2 reads the cost from the hash."""
    from argon2 import Type, profiles

    production, floor = auth._production_hasher(), profiles.RFC_9106_LOW_MEMORY  # argon2-cffi's default
    assert auth._hasher.time_cost < floor.time_cost  # the swap is in effect, so this test is needed
    assert production.type is Type.ID
    assert production.time_cost >= floor.time_cost and production.memory_cost >= floor.memory_cost
    assert production.parallelism >= floor.parallelism
    assert production.hash_len >= floor.hash_len and production.salt_len >= floor.salt_len
    digest = production.hash("correct horse")
    assert auth._verify(digest, "correct horse") and not auth._verify(digest, "wrong horse")


def test_a_command_line_admin_becomes_the_first_admin(empty_sessions):
    local = directory.local_admin(empty_sessions)  # what `qa-coach demo load` acts as
    assert auth.needs_first_admin(empty_sessions)
    admin = auth.create_first_admin(empty_sessions, "Ada", "ada@example.com", "correct horse")
    assert admin.id == local.id and admin.email == "ada@example.com"


def test_short_passwords_are_refused(empty_sessions):
    with pytest.raises(Exception, match="at least 8"):
        auth.create_first_admin(empty_sessions, "Ada", "ada@example.com", "short")
    assert auth.needs_first_admin(empty_sessions)


def test_lock_out_after_repeated_failures_and_unlock_by_admin(empty_sessions):
    admin = auth.create_first_admin(empty_sessions, "Ada", "ada@example.com", "correct horse")
    team = directory.create_team(empty_sessions, admin.id, "T")
    rita = directory.create_user(empty_sessions, admin.id, name="Rita", email="rita@example.com", role="reviewer",
                                 team_ids=(team.id,))
    auth.set_password(empty_sessions, admin.id, rita.id, "rita's password")
    now = utcnow()
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(auth.SignInError, match="wrong email or password"):
            auth.sign_in(empty_sessions, "rita@example.com", "guess", now=now)
    with pytest.raises(auth.SignInError, match="locked"):
        auth.sign_in(empty_sessions, "rita@example.com", "guess", now=now)
    with pytest.raises(auth.SignInError, match="locked"):  # even the right password, while locked
        auth.sign_in(empty_sessions, "rita@example.com", "rita's password", now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=auth.LOCK_MINUTES + 1)
    assert auth.sign_in(empty_sessions, "rita@example.com", "rita's password", now=later).id == rita.id
    # Locked again, then an admin's new password unlocks at once.
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.SignInError):
            auth.sign_in(empty_sessions, "rita@example.com", "guess", now=later)
    with pytest.raises(Exception, match="may not set other users' passwords"):
        auth.set_password(empty_sessions, rita.id, admin.id, "taking over!")
    auth.set_password(empty_sessions, admin.id, rita.id, "a fresh password")
    assert auth.sign_in(empty_sessions, "rita@example.com", "a fresh password", now=later).id == rita.id


def test_each_role_sees_its_pages():
    titles = {role: {p.key for p in nav.pages_for(role)} for role in nav.EVERYONE}
    assert "admin" in titles["admin"] and "admin" not in titles["reviewer"]
    assert titles["representative"] == {"mine", "interactions", "interaction", "progress", "account"}
    assert "queue" in titles["reviewer"] and "queue" not in titles["coach"]
    assert "coaching" in titles["coach"] and "coaching" not in titles["reviewer"]


def _router(sessions) -> AppTest:
    from qa_coach.ui.context import CONTEXT_KEY, AppContext

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    at.session_state[CONTEXT_KEY] = AppContext(sessions, SIGNALS, None)
    return at


def test_first_run_screen_creates_the_admin_and_signs_in(empty_sessions):
    at = _router(empty_sessions).run()
    assert "Welcome to qa_coach" in texts(at)
    at.text_input(key="first_name").input("Ada")
    at.text_input(key="first_email").input("ada@example.com")
    at.text_input(key="first_password").input("correct horse")
    at.text_input(key="first_password_again").input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["qa_user"].role == "admin"
    assert "Team overview" in texts(at)  # the admin's first page
    assert not auth.needs_first_admin(empty_sessions)


def test_sign_in_form_wrong_then_right_then_sign_out(seeded):
    w = seeded.world
    auth.set_password(w.sessions, w.admin, w.admin, "admin password")
    auth.set_password(w.sessions, w.admin, w.user_a1, "alice password")
    at = _router(w.sessions).run()
    assert "Sign in to qa_coach" in texts(at)
    at.text_input(key="sign_in_email").input("aliceu@users.example")
    at.text_input(key="sign_in_password").input("not it")
    at.button[0].click().run()
    assert "Wrong email or password" in texts(at)
    at.text_input(key="sign_in_password").input("alice password")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["qa_user"].representative_id == w.rep_a1
    assert "My scored interactions" in texts(at)  # a representative lands on their own view
    at.sidebar.button(key="sign_out").click().run()
    assert "qa_user" not in at.session_state
    assert "Sign in to qa_coach" in texts(at)


def test_a_page_reached_directly_by_the_wrong_role_is_refused(seeded):
    at = page_app(seeded, "admin", "reviewer").run()
    assert "Not allowed" in texts(at) and "Users" not in texts(at)


def test_admin_sets_a_password_for_a_user_without_one_who_then_signs_in(seeded):
    """Demo reviewers, coaches and reps start without passwords: the admin gives them one."""
    w = seeded.world
    auth.set_password(w.sessions, w.admin, w.admin, "admin password")
    at = page_app(seeded, "admin", "admin").run()
    users = _users_table(at)
    assert users["rita@users.example"] is False  # no password yet: cannot sign in
    target = at.selectbox(key="pw_user")
    target.select_index(next(i for i, a in enumerate(target.options) if "rita@users.example" in a))
    at.text_input(key="pw_password").input("rita's new password")
    [b for b in at.button if b.label == "Save"][0].click().run()
    assert not at.exception and f"Saved for {md('rita@users.example')}." in texts(at)
    assert _users_table(page_app(seeded, "admin", "admin").run())["rita@users.example"] is True
    router = _router(w.sessions).run()
    router.text_input(key="sign_in_email").input("rita@users.example")
    router.text_input(key="sign_in_password").input("rita's new password")
    router.button[0].click().run()
    assert not router.exception
    assert router.session_state["qa_user"].role == "reviewer"
    assert "**Rita**  \nreviewer" in texts(router) and "Team overview" in texts(router)  # signed in, on a staff page


def _users_table(at) -> dict:
    from tests.ui_fixtures import frame

    users = frame(at, "Can sign in")
    return {e: bool(v) for e, v in zip(users["Email"], users["Can sign in"])}
