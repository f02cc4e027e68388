"""Sign-in under attack, on SQLite and PostgreSQL: the lock-out holds under parallel attempts,
every password check counts (the change-password form's too), a locked account answers like an
unknown e-mail or a wrong password, and e-mails with control characters never reach the database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from qa_coach.services import auth, directory
from qa_coach.services.errors import ValidationError
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import AuditEntry, User, utcnow
from tests.db_fixtures import SIGNALS, db, pg_shared  # noqa: F401  (fixtures)
from tests.ui_fixtures import REPO, texts

RIGHT = "rita's password"
EMAIL = "rita@example.com"


@pytest.fixture
def sessions(db):
    """An admin and Rita, a reviewer with a password: the account under attack."""
    sessions = db.session_factory()
    admin = directory.bootstrap_admin(sessions, "Ada", "ada@example.com")
    auth.set_password(sessions, admin.id, admin.id, "admin password")
    team = directory.create_team(sessions, admin.id, "T")
    rita = directory.create_user(sessions, admin.id, name="Rita", email=EMAIL, role="reviewer", team_ids=(team.id,))
    auth.set_password(sessions, admin.id, rita.id, RIGHT)
    return sessions


class HashChecks:
    """Counts the password checks ``auth`` makes, telling real hashes from the stand-in one
    checked for unknown e-mails; ``locked_in`` fires once ``limit`` real checks have failed."""

    def __init__(self, real, limit: int = auth.MAX_FAILURES) -> None:
        self._real, self._limit, self._lock = real, limit, threading.Lock()
        self.real: list[bool] = []
        self.stand_in = 0
        self.locked_in = threading.Event()

    def __call__(self, digest: str, password: str) -> bool:
        ok = self._real(digest, password)
        with self._lock:
            if digest == auth._dummy_hash(auth._hasher):
                self.stand_in += 1
            else:
                self.real.append(ok)
                if self.real.count(False) >= self._limit:
                    self.locked_in.set()
        return ok


@pytest.fixture
def checks(monkeypatch) -> HashChecks:
    counter = HashChecks(auth._verify)
    monkeypatch.setattr(auth, "_verify", counter)
    return counter


def _attempt(sessions, email: str, password: str) -> str:
    """'signed in', or the message sign-in refused with."""
    try:
        auth.sign_in(sessions, email, password)
    except auth.SignInError as exc:
        return str(exc)
    return "signed in"


def _rita(sessions) -> User:
    with sessions() as s:
        return s.scalar(select(User).where(User.email == EMAIL))


def _audited(sessions, action: str) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _in_parallel(calls) -> list:
    """Run the calls on their own threads, all released at once; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_parallel_wrong_passwords_lock_the_account_once(sessions, checks):
    answers = _in_parallel([lambda: _attempt(sessions, EMAIL, "a wrong guess")] * 50)
    assert len(set(answers)) == 1 and answers[0].startswith("wrong email or password")
    rita = _rita(sessions)
    assert rita.failed_sign_ins == auth.MAX_FAILURES
    assert rita.locked_until is not None and as_utc(rita.locked_until) > utcnow()
    assert _audited(sessions, "lock") == 1
    # Exactly the allowed number of guesses was ever checked against the real hash.
    assert checks.real == [False] * auth.MAX_FAILURES
    assert checks.stand_in == 50 - auth.MAX_FAILURES  # the rest cost the same: one check each
    assert _attempt(sessions, EMAIL, RIGHT) == answers[0]  # locked: the right password is refused too


def test_parallel_guesses_never_sign_in_once_the_limit_is_reached(sessions, checks):
    """29 wrong guesses race; the right one starts as soon as the limit's worth has failed."""

    def right_after_the_limit():
        checks.locked_in.wait(timeout=30)
        return _attempt(sessions, EMAIL, RIGHT)

    answers = _in_parallel([lambda: _attempt(sessions, EMAIL, "a wrong guess")] * 29 + [right_after_the_limit])
    assert "signed in" not in answers
    assert len(set(answers)) == 1
    assert _audited(sessions, "sign_in") == 0
    assert as_utc(_rita(sessions).locked_until) > utcnow()


def test_wrong_current_passwords_in_the_change_password_form_count(sessions, checks):
    rita = _rita(sessions)
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.SignInError, match="the current password is wrong"):
            auth.change_own_password(sessions, rita.id, "a wrong guess", "a new password")
    assert checks.real == [False] * auth.MAX_FAILURES
    assert _attempt(sessions, EMAIL, RIGHT).startswith("wrong email or password")  # locked
    with pytest.raises(auth.SignInError, match="the current password is wrong"):  # locked here too
        auth.change_own_password(sessions, rita.id, RIGHT, "a new password")
    assert _rita(sessions).password_hash is not None and _attempt(sessions, EMAIL, "a new password") != "signed in"
    with sessions() as s:
        admin = s.scalar(select(User.id).where(User.email == "ada@example.com"))
    auth.set_password(sessions, admin, rita.id, "set by the admin")  # an admin unlocks
    assert _attempt(sessions, EMAIL, "set by the admin") == "signed in"


def test_a_weak_new_password_costs_no_attempt(sessions, checks):
    rita = _rita(sessions)
    with pytest.raises(ValidationError, match="at least"):
        auth.change_own_password(sessions, rita.id, "a wrong guess", "short")
    assert checks.real == [] and _rita(sessions).failed_sign_ins == 0


def test_locked_unknown_wrong_and_unusable_accounts_get_one_answer_and_one_hash_check(sessions, checks):
    with sessions() as s:
        admin = s.scalar(select(User.id).where(User.email == "ada@example.com"))
    team = directory.list_teams(sessions, admin)[0].id
    directory.create_user(sessions, admin, name="Nopass", email="nopass@example.com", role="coach", team_ids=(team,))
    gone = directory.create_user(sessions, admin, name="Gone", email="gone@example.com", role="coach",
                                 team_ids=(team,))
    auth.set_password(sessions, admin, gone.id, "gone's password")
    auth.set_active(sessions, admin, gone.id, False)
    answers = {"wrong password": _attempt(sessions, EMAIL, "a wrong guess")}
    for _ in range(auth.MAX_FAILURES - 1):
        _attempt(sessions, EMAIL, "a wrong guess")
    cases = {
        "locked, right password": (EMAIL, RIGHT),
        "locked, wrong password": (EMAIL, "a wrong guess"),
        "unknown e-mail": ("nobody@example.com", RIGHT),
        "no password yet": ("nopass@example.com", RIGHT),
        "deactivated": ("gone@example.com", "gone's password"),
        "NUL in the e-mail": ("rita\x00@example.com", RIGHT),
        "control character": ("rita@example.com\x01", RIGHT),
        "zero-width space": ("rita\u200b@example.com", RIGHT),
    }
    for case, (email, password) in cases.items():
        before = len(checks.real) + checks.stand_in
        answers[case] = _attempt(sessions, email, password)
        assert len(checks.real) + checks.stand_in == before + 1, f"{case}: not exactly one password check"
    assert len(set(answers.values())) == 1, answers
    assert answers["wrong password"].startswith("wrong email or password")
    assert "lock" in answers["wrong password"]  # every answer states the policy, none says which case it is


def test_the_count_starts_again_when_a_lock_expires(sessions):
    now = utcnow()
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.SignInError):
            auth.sign_in(sessions, EMAIL, "a wrong guess", now=now)
    later = now + timedelta(minutes=auth.LOCK_MINUTES, seconds=1)
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(auth.SignInError):
            auth.sign_in(sessions, EMAIL, "a wrong guess", now=later)
    assert auth.sign_in(sessions, EMAIL, RIGHT, now=later).email == EMAIL
    assert _rita(sessions).failed_sign_ins == 0 and _rita(sessions).locked_until is None


def test_a_nul_email_on_the_sign_in_page_gets_the_plain_answer(sessions):
    from qa_coach.ui.context import CONTEXT_KEY, AppContext

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    at.session_state[CONTEXT_KEY] = AppContext(sessions, SIGNALS, None)
    at.run()
    at.text_input(key="sign_in_email").input("rita\x00@example.com")
    at.text_input(key="sign_in_password").input(RIGHT)
    at.button[0].click().run()
    assert not at.exception
    assert "Wrong email or password" in texts(at)
    assert "SELECT" not in texts(at) and "qa_user" not in at.session_state


@pytest.mark.parametrize("email", ["eve\x00@example.com", "eve@exa\tmple.com", "eve\u200b@example.com"])
def test_account_creation_refuses_control_characters_in_the_email(db, email):
    sessions = db.session_factory()
    with pytest.raises(ValidationError, match=r"email .*U\+(0000|0009|200B)"):
        auth.create_first_admin(sessions, "Eve", email, "correct horse")
    with pytest.raises(ValidationError, match=r"email .*U\+"):
        directory.bootstrap_admin(sessions, "Eve", email)
    admin = directory.bootstrap_admin(sessions, "Ada", "ada@example.com")
    with pytest.raises(ValidationError, match=r"email .*U\+"):
        directory.create_user(sessions, admin.id, name="Eve", email=email, role="admin")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
