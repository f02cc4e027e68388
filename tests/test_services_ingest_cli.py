"""``qa-coach ingest`` as a user runs it: a folder of many chat files, killed with SIGKILL
half-way, run again; every file ends up stored exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from qa_coach.storage.models import IngestedFile, InteractionRow
from tests.db_fixtures import PG_URL, RUBRIC_V1, postgres_problem, write_chat

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_FILES = 120


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        return
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _cli(url: str, *args: str, delay: float = 0.0, **kw) -> subprocess.Popen:
    env = {**os.environ, "QA_COACH_DATABASE_URL": url, "PYTHONPATH": REPO}
    return subprocess.Popen([sys.executable, "-m", "tests.cli_driver", "--delay", str(delay), *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _run(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    p = _cli(url, *args)
    out, err = p.communicate(timeout=timeout)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def _stored_files(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(IngestedFile))


@pytest.mark.slow  # 120 files, a process killed half-way and run again
def test_sigkill_then_rerun_stores_every_file_once(database_url, tmp_path):
    folder = tmp_path / "chats"
    folder.mkdir()
    for i in range(N_FILES):
        write_chat(folder, f"chat_{i:03d}.txt", "Ann", f"customer {i}", polite=i % 2 == 0, topic=f"order {i}")
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC_V1)
    assert _run(database_url, "db", "upgrade").returncode == 0
    added = _run(database_url, "db", "add-rep", "Alice", "--team", "A", "--email", "alice@example.com")
    assert added.returncode == 0, added.stderr

    engine = create_engine(database_url)
    proc = _cli(database_url, "ingest", str(folder), "--rep", "alice@example.com", "--rubric", str(rubric), delay=0.03)
    deadline = time.monotonic() + 90
    while _stored_files(engine) < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    at_kill = _stored_files(engine)
    assert proc.returncode == -signal.SIGKILL
    assert 10 <= at_kill < N_FILES, f"the kill should land mid-run ({at_kill} of {N_FILES} stored)"

    rerun = _run(database_url, "ingest", str(folder), "--rep", "alice@example.com", "--rubric", str(rubric), "--no-progress")
    assert rerun.returncode == 0, rerun.stderr
    assert f"{N_FILES - at_kill} stored" in rerun.stdout or f"{at_kill + 1} already stored" in rerun.stdout, rerun.stdout
    with engine.connect() as conn:
        names = conn.execute(select(IngestedFile.name)).scalars().all()
        n_interactions = conn.scalar(select(func.count()).select_from(InteractionRow))
        per_file = conn.execute(select(InteractionRow.file_id, func.count()).group_by(InteractionRow.file_id)).all()
    assert sorted(os.path.basename(n) for n in names) == sorted(p.name for p in folder.iterdir())
    assert n_interactions == N_FILES and all(count == 1 for _, count in per_file) and len(per_file) == N_FILES
    again = _run(database_url, "ingest", str(folder), "--rep", "alice@example.com", "--rubric", str(rubric), "--no-progress")
    assert f"0 stored (0 interaction(s)), {N_FILES} already stored, 0 failed" in again.stdout
    engine.dispose()


@pytest.mark.slow  # four command-line processes
def test_ingest_reports_each_failed_file_and_exits_nonzero(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    folder = tmp_path / "in"
    folder.mkdir()
    write_chat(folder, "good.txt", "Ann", "c1", polite=True)
    (folder / "broken.json").write_text('{"tickets": [')
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC_V1)
    _run(url, "db", "upgrade")
    _run(url, "db", "add-rep", "Alice", "--team", "A", "--email", "alice@example.com")
    res = _run(url, "ingest", str(folder), "--rep", "alice@example.com", "--rubric", str(rubric), "--no-progress")
    assert res.returncode == 2
    assert "2 file(s): 1 stored (1 interaction(s)), 0 already stored, 1 failed" in res.stdout
    assert "failed:" in res.stderr and "broken.json" in res.stderr
    unknown = _run(url, "ingest", str(folder), "--rep", "nobody", "--rubric", str(rubric))
    assert unknown.returncode == 2 and "unknown representative 'nobody'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_an_old_database_is_refused_with_the_upgrade_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    res = _run(url, "ingest", str(tmp_path), "--rep", "x")
    assert res.returncode == 2 and "run `qa-coach db upgrade`" in res.stderr and "Traceback" not in res.stderr


def _worker(args):
    jobs, order = args
    from qa_coach.services.ingest import run_ingest_job
    from tests.fakes import BagOfWordsSignals

    signals = BagOfWordsSignals()
    return [(jobs[i].path, run_ingest_job(jobs[i], signals=signals).status) for i in order]


@pytest.mark.slow  # two processes racing over the same files
def test_two_workers_running_the_same_jobs_store_each_file_once(database_url, tmp_path):
    """Jobs are plain data another process can run: two processes race over the same files."""
    import multiprocessing

    from qa_coach.services import directory, rubrics
    from qa_coach.services.ingest import IngestJob
    from qa_coach.storage import Database
    from tests.db_fixtures import rubric_v1

    db = Database(database_url)
    db.upgrade()
    sessions = db.session_factory()
    admin = directory.bootstrap_admin(sessions, "Admin", "admin@example.com").id
    team = directory.create_team(sessions, admin, "A").id
    directory.create_representative(sessions, admin, name="Alice", team_id=team, email="alice@example.com")
    version = rubrics.register_rubric(sessions, admin, rubric_v1()).id
    files = [write_chat(tmp_path, f"c{i:02d}.txt", "Ann", f"cust {i}", polite=i % 3 == 0, topic=f"bill {i}")
             for i in range(24)]
    jobs = [IngestJob(database_url, admin, str(f), version, "alice@example.com") for f in files]
    orders = [list(range(len(jobs))), list(reversed(range(len(jobs))))]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_worker, [(jobs, o) for o in orders])
    statuses: dict[str, list[str]] = {}
    for path, status in (r for worker in results for r in worker):
        statuses.setdefault(path, []).append(status)
    assert all(sorted(v) == ["already stored", "stored"] for v in statuses.values()), statuses
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(InteractionRow)) == len(files)
        assert conn.scalar(select(func.count()).select_from(IngestedFile)) == len(files)
    db.dispose()
