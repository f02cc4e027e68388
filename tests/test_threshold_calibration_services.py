"""Threshold calibration end to end on SQLite and PostgreSQL: reviewer answers in, refit,
kappa on held-out answers reported, apply (a rescore gives the reviewers' answers) and
revert (back to the shipped answers), admins only, every write audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qa_coach.services import ingest, queries, reviews, scoring
from qa_coach.services import threshold_calibration as tc
from qa_coach.services.errors import PermissionDeniedError, ValidationError
from qa_coach.storage.models import AuditEntry
from tests.db_fixtures import SIGNALS, db, pg_shared, world  # noqa: F401

# The rubric's empathy signal (phrases, threshold 0.5) finds "sorry for the trouble" but
# not a short "sorry about that"; the team's reviewers count the short apology as empathy.
WARM = "Sorry about that, checking now."
COLD = "Checking now."


def _chat(folder, k: int, warm: bool):
    path = folder / f"chat{k:02d}.txt"
    path.write_text(
        f"Agent: Hello there.\nCustomer: My parcel {k} is late.\nAgent: {WARM if warm else COLD}\n"
        "Agent: It arrives tomorrow.\n",
        encoding="utf-8",
    )
    return path


def _empathy(w, iid: int) -> str | None:
    return queries.get_interaction(w.sessions, w.admin, iid).scorecards[0].scorecard.result("empathy").answer


@pytest.fixture
def reviewed(world, tmp_path):
    """30 of team A's chats, half with the short apology, each reviewed for empathy."""
    w = world
    ids = {}
    for k in range(30):
        warm = k % 2 == 0
        out = ingest.ingest_file(w.sessions, w.admin, _chat(tmp_path, k, warm), rubric_version_id=w.rubric_v1,
                                 representative="alice@example.com", signals=SIGNALS)
        iid = out.interaction_ids[0]
        ids[iid] = warm
        reviews.save_review(w.sessions, w.reviewer_a, iid, {"empathy": "yes" if warm else "no"}, expected_version=None)
    return w, ids


def test_refit_apply_and_revert(reviewed, tmp_path):
    w, ids = reviewed
    warm_ids = [i for i, warm in ids.items() if warm]
    assert {_empathy(w, i) for i in warm_ids} == {"no"}  # the shipped threshold misses them

    cal = tc.refit_thresholds(w.sessions, w.admin, w.team_a, w.rubric_v1, signals=SIGNALS)
    assert cal.version == 1 and not cal.applied
    fit = next(f for f in cal.fits if f.criterion_id == "empathy")
    assert fit.answers == 30 and fit.disagreements == 15 and fit.held_out == 30
    assert fit.kappa_before is not None and fit.kappa_after is not None
    assert fit.kappa_after > fit.kappa_before + 0.5
    (change,) = fit.changes
    assert (change.signal, change.field, change.before) == ("sorry", "threshold", 0.5) and change.after < 0.5
    greeting = next(f for f in cal.fits if f.criterion_id == "greeting")
    assert greeting.changes == () and greeting.note == "no signal with a numeric threshold"  # a pattern

    applied = tc.apply_threshold_calibration(w.sessions, w.admin, cal.id)
    assert applied.applied
    scoring.rescore(w.sessions, w.reviewer_a, list(ids), w.rubric_v1, signals=SIGNALS)
    assert all(_empathy(w, i) == ("yes" if warm else "no") for i, warm in ids.items())
    # Another team keeps the shipped thresholds.
    other = ingest.ingest_file(w.sessions, w.admin, _chat(tmp_path, 99, True), rubric_version_id=w.rubric_v1,
                               representative="bea@example.com", signals=SIGNALS).interaction_ids[0]
    assert _empathy(w, other) == "no"
    # New chats of the team are scored with the applied thresholds at ingest.
    new = ingest.ingest_file(w.sessions, w.admin, _chat(tmp_path, 98, True), rubric_version_id=w.rubric_v1,
                             representative="arun@example.com", signals=SIGNALS).interaction_ids[0]
    assert _empathy(w, new) == "yes"

    reverted = tc.revert_threshold_calibration(w.sessions, w.admin, w.team_a, w.rubric_v1)
    assert reverted.id == cal.id and not reverted.applied
    scoring.rescore(w.sessions, w.reviewer_a, warm_ids, w.rubric_v1, signals=SIGNALS)
    assert {_empathy(w, i) for i in warm_ids} == {"no"}
    with pytest.raises(ValidationError, match="shipped thresholds"):
        tc.revert_threshold_calibration(w.sessions, w.admin, w.team_a, w.rubric_v1)

    listed = tc.list_threshold_calibrations(w.sessions, w.admin, w.team_a, w.rubric_v1)
    assert [c.id for c in listed] == [cal.id] and listed[0].changes == {"empathy": fit.changes}
    with w.sessions() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "threshold_calibration")
                                 .order_by(AuditEntry.id)))
    assert actions == ["create", "apply", "revert"]


def test_only_an_admin_may_calibrate(reviewed):
    w, _ = reviewed
    with pytest.raises(PermissionDeniedError):
        tc.refit_thresholds(w.sessions, w.reviewer_a, w.team_a, w.rubric_v1, signals=SIGNALS)
    cal = tc.refit_thresholds(w.sessions, w.admin, w.team_a, w.rubric_v1, signals=SIGNALS)
    for user in (w.reviewer_a, w.coach_a):
        with pytest.raises(PermissionDeniedError):
            tc.apply_threshold_calibration(w.sessions, user, cal.id)
    tc.apply_threshold_calibration(w.sessions, w.admin, cal.id)
    with pytest.raises(PermissionDeniedError):
        tc.revert_threshold_calibration(w.sessions, w.coach_a, w.team_a, w.rubric_v1)
    assert tc.list_threshold_calibrations(w.sessions, w.admin, w.team_a)[0].applied


def test_a_second_calibration_replaces_the_applied_one(reviewed):
    w, _ = reviewed
    first = tc.refit_thresholds(w.sessions, w.admin, w.team_a, w.rubric_v1, signals=SIGNALS)
    second = tc.refit_thresholds(w.sessions, w.admin, w.team_a, w.rubric_v1, signals=SIGNALS)
    assert (first.version, second.version) == (1, 2)
    tc.apply_threshold_calibration(w.sessions, w.admin, first.id)
    tc.apply_threshold_calibration(w.sessions, w.admin, second.id)
    assert [(c.version, c.applied) for c in tc.list_threshold_calibrations(w.sessions, w.admin, w.team_a)] == [
        (2, True), (1, False)]


def test_the_calibrate_command_refits_applies_and_reverts(reviewed, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from qa_coach.cli import main
    from qa_coach.services import text_models
    from tests.db_fixtures import RUBRIC_V1

    w, _ = reviewed
    url = w.db.url if not w.db.schema else f"{w.db.url}?options=-csearch_path%3D{w.db.schema}"
    monkeypatch.setenv("QA_COACH_DATABASE_URL", url)
    monkeypatch.setattr(text_models, "default_signals", lambda: SIGNALS)
    rubric_file = tmp_path / "support.yaml"  # the stored rubric's text: its version is found again
    rubric_file.write_text(RUBRIC_V1, encoding="utf-8")

    def run(*args: str, user: str = "ada@example.com"):
        return CliRunner().invoke(main, ["calibrate", *args, "--rubric", str(rubric_file), "--as", user])

    shown = run("--team", "Team A")
    assert shown.exit_code == 0, shown.output
    line = next(ln for ln in shown.output.splitlines() if ln.startswith("empathy"))
    assert "sorry.threshold 0.5 →" in line and "(not applied)" in shown.output
    applied = run("--team", "Team A", "--apply")
    assert applied.exit_code == 0 and "Threshold calibration 2" in applied.output and "(applied)" in applied.output
    reverted = run("revert", "--team", "Team A")
    assert reverted.exit_code == 0 and "Reverted threshold calibration 2" in reverted.output
    again = run("revert", "--team", "Team A")
    assert again.exit_code == 2 and "shipped thresholds" in again.output
    refused = run("--team", "Team A", user="rita@users.example")
    assert refused.exit_code == 2 and "may not calibrate" in refused.output
    unknown = run("--team", "Nobody")
    assert unknown.exit_code == 2 and "no team named 'Nobody'" in unknown.output
