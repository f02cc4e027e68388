"""Export (CSV, JSON, HTML coaching report) and the demo data, through services and CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from qa_coach.domain.errors import QACoachError
from qa_coach.services import export, ingest, reviews
from qa_coach.services.coaching_report import coaching_report_html
from qa_coach.services.demo_data import DEMO_REPS, load_demo
from qa_coach.services.errors import PermissionDeniedError
from qa_coach.storage.models import InteractionRow, Review
from tests.db_fixtures import SIGNALS, db, pg_shared, world, write_chat  # noqa: F401

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_export_records_and_csv_carry_both_scores(world, tmp_path):
    w = world
    iid = ingest.ingest_file(w.sessions, w.admin, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=False),
                             rubric_version_id=w.rubric_v1, representative="alice@example.com",
                             signals=SIGNALS).interaction_ids[0]
    ingest.ingest_file(w.sessions, w.admin, write_chat(tmp_path, "b.txt", "Bo", "c2", polite=True),
                       rubric_version_id=w.rubric_v1, representative="bea@example.com", signals=SIGNALS)
    reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": reviews.CriterionReview("yes", "said hi")},
                        expected_version=None)
    records = export.export_records(w.sessions, w.user_a1)
    assert [r["interaction_id"] for r in records] == [iid]  # the rep sees only their own
    r = records[0]
    assert r["auto_score"] == 0.0 and r["review"]["score"] == 30.0 and r["review"]["reviewer"] == "Rita"
    greeting = next(c for c in r["criteria"] if c["criterion_id"] == "greeting")
    assert greeting["answer"] == "no" and greeting["human_answer"] == "yes" and greeting["human_comment"] == "said hi"
    json.dumps(records)  # JSON-ready
    rows = export.csv_rows(export.export_records(w.sessions, w.admin))
    assert len(rows) == 6 and set(rows[0]) == set(export.CSV_COLUMNS)
    with pytest.raises(PermissionDeniedError):
        export.export_records(w.sessions, w.reviewer_b, representative_id=w.rep_a1)
    with pytest.raises(PermissionDeniedError):
        export.export_records(w.sessions, w.user_b1, team_id=w.team_a)


def test_coaching_report_html_shows_trend_examples_and_escapes(world, tmp_path):
    from qa_coach.services.directory import create_representative

    w = world
    rep = create_representative(w.sessions, w.admin, name="<i>Zed</i>", team_id=w.team_a, email="zed@example.com")
    out = ingest.ingest_file(w.sessions, w.admin, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=False),
                             rubric_version_id=w.rubric_v1, representative="zed@example.com", signals=SIGNALS)
    detail = __import__("qa_coach.services.queries", fromlist=["x"]).get_interaction(w.sessions, w.admin, out.interaction_ids[0])
    html = coaching_report_html(w.sessions, w.coach_a, rep.id)
    assert html.startswith("<!doctype html>") and "Coaching report: &lt;i&gt;Zed&lt;/i&gt;" in html
    assert "<i>Zed</i>" not in html
    assert "<svg" in html and "To work on:" in html and "<polyline" in html
    # every criterion was lost in this chat: each weakest one is shown with the scorer's reason
    for c in detail.scorecards[0].scorecard.results:
        assert f"{c.name}: No" in html
    assert detail.interaction.id in html
    with pytest.raises(PermissionDeniedError):
        coaching_report_html(w.sessions, w.user_a2, rep.id)


def test_demo_load_builds_a_team_with_history(db, tmp_path):
    from qa_coach.services.directory import local_admin

    sessions = db.session_factory()
    admin = local_admin(sessions).id
    now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    summary = load_demo(sessions, admin, tmp_path / "demo", weeks=3, per_week=2, seed=1, now=now, signals=SIGNALS)
    assert summary.interactions == 6 + len(DEMO_REPS) * 3 * 2
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(InteractionRow)) == summary.interactions
        assert s.scalar(select(func.count()).select_from(Review)) == summary.reviews
        first = s.scalar(select(func.min(InteractionRow.occurred_at)).where(InteractionRow.external_id.like("demo-%")))
    assert first.date() >= datetime(2026, 10, 26).date()
    with pytest.raises(QACoachError, match="already loaded"):
        load_demo(sessions, admin, tmp_path / "demo", weeks=1, signals=SIGNALS)


def _cli(env, *args):
    return subprocess.run([sys.executable, "-m", "tests.cli_driver", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.mark.slow  # six command-line processes; test_demo_load_* and test_export_* cover the same in-process
def test_cli_demo_then_export(tmp_path):
    env = {**os.environ, "QA_COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
           "QA_COACH_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": REPO}
    assert _cli(env, "db", "upgrade").returncode == 0
    loaded = _cli(env, "demo", "load", "--weeks", "2", "--per-week", "1")
    assert loaded.returncode == 0, loaded.stderr
    assert "4 representatives" in loaded.stdout and "14 interactions" in loaded.stdout
    scores = _cli(env, "export", "scores", "--format", "csv", "--rep", "Derek Stone")
    rows = list(csv.DictReader(io.StringIO(scores.stdout)))
    assert rows and {r["representative"] for r in rows} == {"Derek Stone"}
    as_json = json.loads(_cli(env, "export", "scores", "--format", "json").stdout)
    assert len(as_json["interactions"]) == 14
    out = tmp_path / "derek.html"
    report = _cli(env, "export", "report", "--rep", "derek.stone@northwind.example", "--out", str(out))
    assert report.returncode == 0, report.stderr
    assert "Coaching report: Derek Stone" in out.read_text() and "Greet every customer" in out.read_text()
    again = _cli(env, "demo", "load")
    assert again.returncode == 2 and "already loaded" in again.stderr
