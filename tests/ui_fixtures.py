"""Shared set-up for the AppTest page tests: a SQLite database seeded through the services,
the bag-of-words stand-in for the models, and an AppTest with a signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qa_coach.services import ingest
from qa_coach.services.records import UserRecord
from qa_coach.storage.database import Database
from tests.db_fixtures import SIGNALS, World, build_world, write_chat

REPO = Path(__file__).resolve().parents[1]
_TEMPLATE: dict[str, bytes] = {}


@dataclass(frozen=True)
class Seeded:
    world: World
    audio_dir: Path
    alice_polite: int  # interaction ids
    alice_rude: int
    bea_polite: int

    def user(self, role_name: str) -> UserRecord:
        w = self.world
        table = {
            "admin": UserRecord(w.admin, "Ada Admin", "ada@example.com", "admin", None),
            "reviewer": UserRecord(w.reviewer_a, "Rita", "rita@users.example", "reviewer", None),
            "coach": UserRecord(w.coach_a, "Carl", "carl@users.example", "coach", None),
            "alice": UserRecord(w.user_a1, "AliceU", "aliceu@users.example", "representative", w.rep_a1),
            "bea": UserRecord(w.user_b1, "BeaU", "beau@users.example", "representative", w.rep_b1),
        }
        return table[role_name]


def seed(tmp_path: Path) -> Seeded:
    path = tmp_path / "qa.sqlite3"
    db = Database(f"sqlite:///{path}")
    if "bytes" not in _TEMPLATE:
        db.upgrade()
        world = build_world(db)
        ids = []
        for name, rep, polite in (("a_polite.txt", "alice@example.com", True), ("a_rude.txt", "alice@example.com", False),
                                  ("b_polite.txt", "bea@example.com", True)):
            f = write_chat(tmp_path, name, "Sam", f"{name}@cust.example", polite=polite, topic=name)
            out = ingest.ingest_file(world.sessions, world.admin, f, rubric_version_id=world.rubric_v1,
                                     representative=rep, signals=SIGNALS)
            assert out.status == "stored", out
            ids.append(out.interaction_ids[0])
        db.dispose()
        _TEMPLATE["bytes"] = path.read_bytes()
        _TEMPLATE["ids"] = ids
    else:
        path.write_bytes(_TEMPLATE["bytes"])
    # The world's ids are the same in every copy: rebuild the record without re-seeding.
    from sqlalchemy import select

    from qa_coach.storage.models import Representative, RubricVersion, Team, User

    sessions = db.session_factory()
    with sessions() as s:
        users = {u.name: u.id for u in s.scalars(select(User))}
        teams = {t.name: t.id for t in s.scalars(select(Team))}
        reps = {r.name: r.id for r in s.scalars(select(Representative))}
        rv = s.scalar(select(RubricVersion.id))
    world = World(sessions, db, users["Ada Admin"], users["Rita"], users["Carl"], users["Rob"], teams["Team A"],
                  teams["Team B"], reps["Alice"], reps["Arun"], reps["Bea"], users["AliceU"], users["ArunU"],
                  users["BeaU"], rv)
    a1, a2, b1 = _TEMPLATE["ids"]
    return Seeded(world, tmp_path / "audio", a1, a2, b1)


@pytest.fixture
def seeded(tmp_path):
    s = seed(tmp_path)
    yield s
    s.world.db.dispose()


def _page_script(page_key: str) -> None:
    from qa_coach.ui.nav import run_page

    run_page(page_key)


def page_app(seeded: Seeded, page: str, as_user: str, query: dict | None = None, timeout: float = 30) -> AppTest:
    """An AppTest of one page (not yet run), with the test database, the stand-in models and a user."""
    from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext

    at = AppTest.from_function(_page_script, args=(page,), default_timeout=timeout)
    at.session_state[CONTEXT_KEY] = AppContext(seeded.world.sessions, SIGNALS, seeded.audio_dir)
    at.session_state[USER_KEY] = seeded.user(as_user)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def texts(at: AppTest) -> str:
    """Every piece of text on the page, for asserting content."""
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [s.value for s in at.success]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [c.value for c in at.caption]
    parts += [f"{m.label}={m.value}" for m in at.metric] + [t.value for t in at.title] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


def frame(at: AppTest, column: str):
    """The first table on the page with this column (st.dataframe has no key in AppTest)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with a {column!r} column; tables: {[list(d.value.columns) for d in at.dataframe]}")
