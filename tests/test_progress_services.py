"""Progress, agreement, KPIs and sampling through the services, on stored dated history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from qa_coach.services import analytics, coaching, ingest, reviews
from tests.db_fixtures import SIGNALS, db, pg_shared, world, write_tickets, zendesk_ticket  # noqa: F401

START = datetime(2026, 9, 14, 9, tzinfo=timezone.utc)  # a Monday; a1 was hired 2026-09-07, a2 2026-09-14
NOW = START + timedelta(weeks=5)


def _iso(d: datetime) -> str:
    return d.isoformat().replace("+00:00", "Z")


@pytest.fixture
def history(world, tmp_path):
    """a1: two weeks of poor chats (score 0), coached at the start of week 2, then good (100).
    a2: good chats throughout. Customer c0 of a1 comes back within 2 days (not resolved)."""
    w = world
    tickets = []
    for week in range(4):
        for k in range(2):
            t = START + timedelta(weeks=week, days=k)
            tickets.append(zendesk_ticket(f"a1-{week}-{k}", _iso(t), "alice@example.com", f"c{week}{k}@x.example",
                                          polite=week >= 2, csat="good" if week >= 2 else "bad"))
            tickets.append(zendesk_ticket(f"a2-{week}-{k}", _iso(t + timedelta(hours=1)), "arun@example.com",
                                          f"d{week}{k}@x.example", polite=True, csat="good"))
    tickets.append(zendesk_ticket("a1-repeat", _iso(START + timedelta(days=2)), "alice@example.com", "c00@x.example",
                                  polite=False))
    out = ingest.ingest_file(w.sessions, w.admin, write_tickets(tmp_path, "history.json", tickets),
                             rubric_version_id=w.rubric_v1, signals=SIGNALS)
    assert out.status == "stored" and len(out.interaction_ids) == 17, out
    coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, held_at=START + timedelta(weeks=2, hours=-1),
                                     focus_criteria=("empathy",))
    return w, out.interaction_ids


def test_rep_progress_trend_team_cohort_and_change_since_coaching(history):
    w, _ = history
    p = analytics.rep_progress(w.sessions, w.user_a1, w.rep_a1, weeks=8, window=2, now=NOW)
    assert [round(x.mean) for x in p.weeks] == [0, 0, 100, 100]
    assert [x.n for x in p.weeks] == [3, 2, 2, 2]
    assert p.rolling == (0.0, 0.0, 50.0, 100.0)  # weeks 1+2: (0*2 + 100*2) / 4
    assert [x.mean for x in p.criteria["empathy"]] == [0.0, 0.0, 1.0, 1.0]
    assert p.criterion_names["empathy"] == "Empathy"
    # Team A is Alice and Arun: a team mean would reveal Arun's (test_privacy_and_encoding.py
    # checks the means of a team and cohort large enough to show).
    assert p.team_weeks == ()
    assert p.score_change_since_coaching.before == 0.0 and p.score_change_since_coaching.after == 100.0
    assert p.criterion_change_since_coaching["greeting"].delta == 1.0
    # a2 was hired one week after a1: a1's week 1 (score 0) sits beside a2's week 1, whose
    # mean is not shown (one other new hire).
    cohort = {c.week_since_hire: c for c in p.cohort}
    assert cohort[1].rep_mean == 0.0 and cohort[1].cohort_mean is None and cohort[1].cohort_reps == 1
    assert cohort[3].rep_mean == 100.0 and cohort[3].cohort_mean is None
    assert p.last_coaching_at == START + timedelta(weeks=2, hours=-1)
    assert {s.criterion_id for s in p.strongest} == {"greeting", "empathy", "closing"}


def test_team_overview(history):
    w, ids = history
    reviews.save_review(w.sessions, w.reviewer_a, ids[0], {"greeting": "yes"}, expected_version=None)
    rows = {r.name: r for r in analytics.team_overview(w.sessions, w.coach_a, w.team_a)}
    assert rows["Alice"].interactions == 9 and rows["Alice"].mean_score == pytest.approx(400 / 9)
    assert rows["Arun"].interactions == 8 and rows["Arun"].mean_score == 100.0
    assert rows["Alice"].reviewed == 1 and rows["Alice"].mean_human_score == 30.0
    assert rows["Arun"].reviewed == 0 and rows["Arun"].mean_human_score is None
    later = analytics.team_overview(w.sessions, w.coach_a, w.team_a, since=START + timedelta(weeks=2))
    assert {r.name: r.interactions for r in later} == {"Alice": 4, "Arun": 4}


def test_automatic_vs_human_agreement(history):
    w, ids = history
    a1_poor = ids[0]  # automatic: greeting no, empathy no, closing no
    a2_good = ids[1]  # automatic: all yes
    reviews.save_review(w.sessions, w.reviewer_a, a1_poor, {"greeting": "no", "empathy": "yes"}, expected_version=None)
    reviews.save_review(w.sessions, w.reviewer_a, a2_good, {"greeting": "yes", "empathy": "yes"}, expected_version=None)
    rep = analytics.automatic_vs_human(w.sessions, w.reviewer_a, team_id=w.team_a)
    assert rep.reviews == 2
    assert rep.by_criterion["greeting"].accuracy == 1.0 and rep.by_criterion["greeting"].kappa == 1.0
    assert rep.by_criterion["empathy"].accuracy == 0.5 and rep.by_criterion["empathy"].kappa == 0.0
    assert "closing" not in rep.by_criterion
    # human totals: 40 (empathy's 40 points) vs automatic 0, and 100 vs 100
    assert rep.mean_absolute_error == 20.0 and rep.share_within_10 == 0.5


def test_contact_kpis(history):
    w, _ = history
    k = analytics.contact_kpis(w.sessions, w.coach_a, representative_id=w.rep_a1, fcr_window_days=7)
    assert k.contacts == 9
    assert (k.csat.numerator, k.csat.denominator) == (4, 8)  # the repeat ticket has no survey
    # c00 came back after 2 days: that first contact was not resolved; all others were.
    assert (k.first_contact_resolution.numerator, k.first_contact_resolution.denominator) == (8, 9)
    assert k.average_handle_time is not None and 100 < k.average_handle_time < 400  # chat spans (4 minutes)
    assert k.mean_qa_score == pytest.approx(400 / 9)
    team = analytics.contact_kpis(w.sessions, w.coach_a, team_id=w.team_a)
    assert team.contacts == 17 and team.csat.numerator == 12


def test_review_sample_is_seeded_and_skips_reviewed(history):
    w, ids = history
    args = dict(per_rep=3, since=START, until=NOW, seed=7)
    first = analytics.review_sample(w.sessions, w.reviewer_a, **args)
    assert first == analytics.review_sample(w.sessions, w.reviewer_a, **args)
    assert set(first) == {w.rep_a1, w.rep_a2} and all(len(v) == 3 for v in first.values())
    others = [analytics.review_sample(w.sessions, w.reviewer_a, **{**args, "seed": s}) for s in range(8, 14)]
    assert any(o != first for o in others)
    picked = first[w.rep_a1][0]
    reviews.save_review(w.sessions, w.reviewer_a, picked, {"greeting": "yes"}, expected_version=None)
    after = analytics.review_sample(w.sessions, w.reviewer_a, **{**args, "per_rep": 100})
    assert picked not in after[w.rep_a1] and len(after[w.rep_a1]) == 8
    narrow = analytics.review_sample(w.sessions, w.reviewer_a, per_rep=100, since=START + timedelta(weeks=3), until=NOW)
    assert {k: len(v) for k, v in narrow.items()} == {w.rep_a1: 2, w.rep_a2: 2}


def test_low_confidence_queue_is_least_sure_first_and_skips_reviewed(history):
    w, ids = history
    queue = analytics.low_confidence_queue(w.sessions, w.reviewer_a, threshold=1.01, limit=100)
    assert len(queue) == 17
    confidences = [c for _, c in queue]
    assert confidences == sorted(confidences)
    reviews.save_review(w.sessions, w.reviewer_a, queue[0][0], {"greeting": "yes"}, expected_version=None)
    assert queue[0][0] not in {i for i, _ in analytics.low_confidence_queue(w.sessions, w.reviewer_a, threshold=1.01)}
    strict = analytics.low_confidence_queue(w.sessions, w.reviewer_a, threshold=min(confidences))
    assert strict == []
