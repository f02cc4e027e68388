"""The Rubrics page's threshold calibration section, driven in-process with AppTest."""

from __future__ import annotations

from qa_coach.services import ingest, queries, reviews, scoring
from tests.db_fixtures import SIGNALS
from tests.test_threshold_calibration_services import _chat
from tests.ui_fixtures import frame, page_app, seeded, texts  # noqa: F401  (fixture)


def test_an_admin_refits_applies_and_reverts_on_the_rubrics_page(seeded, tmp_path):
    w = seeded.world
    ids = []
    for k in range(12):
        out = ingest.ingest_file(w.sessions, w.admin, _chat(tmp_path, k, k % 2 == 0), rubric_version_id=w.rubric_v1,
                                 representative="alice@example.com", signals=SIGNALS)
        ids.append(out.interaction_ids[0])
        reviews.save_review(w.sessions, w.reviewer_a, ids[-1], {"empathy": "yes" if k % 2 == 0 else "no"},
                            expected_version=None)
    at = page_app(seeded, "rubrics", "admin").run()
    assert not at.exception and "Threshold calibration from reviewer answers" in texts(at)
    assert "No threshold calibration for Team A yet." in texts(at)
    at.button(key="thr_cal_refit").click().run()
    assert not at.exception
    table = frame(at, "κ after")
    row = table[table["Criterion"] == "empathy"].iloc[0]
    assert row["Answers"] == 12 and row["Overrides"] == 6 and row["Change"].startswith("sorry.threshold 0.5 →")
    assert "Applied: none (shipped thresholds)." in texts(at)
    at.button(key="thr_cal_apply").click().run()
    assert "Calibration 1 applied" in texts(at)
    scoring.rescore(w.sessions, w.admin, [ids[0]], w.rubric_v1, signals=SIGNALS)
    card = queries.get_interaction(w.sessions, w.admin, ids[0]).scorecards[0].scorecard
    assert card.result("empathy").answer == "yes"
    at.button(key="thr_cal_revert").click().run()
    assert "Reverted: Team A scores with the shipped thresholds again." in texts(at)


def test_a_reviewer_sees_no_calibration_section(seeded):
    at = page_app(seeded, "rubrics", "reviewer").run()
    assert not at.exception and "Threshold calibration from reviewer answers" not in texts(at)
