"""The services end to end on SQLite and PostgreSQL: ingest, rescore, review, dispute,
calibrate, coach, with their errors (nothing written when they fail)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from qa_coach.services import calibration, coaching, disputes, ingest, queries, reviews, rubrics, scorers, scoring
from qa_coach.services.errors import ConflictError, NotFoundError, ValidationError
from qa_coach.services.reviews import CriterionReview
from qa_coach.storage.models import AuditEntry, AutoScorecard, InteractionRow, Review, ReviewAnswer
from tests.db_fixtures import SIGNALS, db, pg_shared, rubric_v2, world, write_chat, write_tickets, zendesk_ticket  # noqa: F401


def _ingest(w, path, rep="alice@example.com", user=None, **kw):
    return ingest.ingest_file(w.sessions, user or w.admin, path, rubric_version_id=w.rubric_v1, representative=rep,
                              signals=SIGNALS, **kw)


def _count(w, model):
    with w.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_ingest_is_idempotent_by_file_and_by_conversation(world, tmp_path):
    w = world
    first = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True))
    assert first.status == "stored" and len(first.interaction_ids) == 1
    again = _ingest(w, tmp_path / "a.txt")
    assert again.status == "already stored"
    # The same bytes under another name are the same file.
    copy = tmp_path / "copy.txt"
    copy.write_bytes((tmp_path / "a.txt").read_bytes())
    assert _ingest(w, copy).status == "already stored"
    # A conversation already stored from another file is not stored twice.
    t1 = zendesk_ticket("T1", "2026-11-02T09:00:00Z", "alice@example.com", "x@example.com", polite=True)
    t2 = zendesk_ticket("T2", "2026-11-03T09:00:00Z", "alice@example.com", "y@example.com", polite=False)
    assert len(_ingest(w, write_tickets(tmp_path, "one.json", [t1]), rep=None).interaction_ids) == 1
    both = _ingest(w, write_tickets(tmp_path, "both.json", [t1, t2]), rep=None)
    assert both.status == "stored" and len(both.interaction_ids) == 1 and both.duplicates == 1
    assert _count(w, InteractionRow) == 3
    detail = queries.get_interaction(w.sessions, w.admin, first.interaction_ids[0])
    assert detail.interaction.turns[0].text.startswith("Hello, my name is Ann")
    assert detail.scorecards[0].scorecard.result("empathy").answer == "yes"


def test_a_bad_file_stores_nothing_and_says_where(world, tmp_path):
    w = world
    bad = tmp_path / "bad.json"
    bad.write_text('{"tickets": [{"id": "1", "comments": [{"comment": 5}]}]}')
    out = _ingest(w, bad)
    assert out.status == "failed" and "bad.json" in out.error
    assert _count(w, InteractionRow) == 0 and _count(w, AutoScorecard) == 0


def test_unknown_representative_is_a_clear_error(world, tmp_path):
    out = _ingest(world, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True), rep="nobody@example.com")
    assert out.status == "failed" and "unknown representative 'nobody@example.com'" in out.error
    assert _count(world, InteractionRow) == 0


def test_deleted_rubric_version_is_refused(world, tmp_path):
    rubrics.delete_rubric_version(world.sessions, world.admin, world.rubric_v1)
    with pytest.raises(ValidationError, match="was deleted"):
        _ingest(world, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True))
    assert _count(world, InteractionRow) == 0


def test_rescore_keeps_history(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    v2 = rubrics.register_rubric(w.sessions, w.admin, rubric_v2()).id
    assert rubrics.register_rubric(w.sessions, w.admin, rubric_v2()).id == v2  # idempotent
    scoring.rescore(w.sessions, w.reviewer_a, [iid], v2, signals=SIGNALS)
    detail = queries.get_interaction(w.sessions, w.admin, iid)
    assert [c.rubric_version_id for c in detail.scorecards] == [v2, w.rubric_v1]
    assert [c.is_current for c in detail.scorecards] == [True, False]
    assert detail.scorecards[0].scorecard.rubric_version == "2"
    assert "thanks" in {r.criterion_id for r in detail.scorecards[0].scorecard.results}
    assert "thanks" not in {r.criterion_id for r in detail.scorecards[1].scorecard.results}


def test_review_keeps_the_automatic_score_and_checks_versions(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    auto_before = queries.get_interaction(w.sessions, w.admin, iid).scorecards[0].scorecard
    r1 = reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": CriterionReview("no", "no name given")},
                             expected_version=None)
    assert r1.version == 1 and r1.score == 70.0  # greeting now no, the rest as the machine said
    auto_after = queries.get_interaction(w.sessions, w.admin, iid).scorecards[0].scorecard
    assert auto_after == auto_before and auto_after.score == 100.0
    r2 = reviews.save_review(w.sessions, w.reviewer_a, iid, {"empathy": "partial"}, expected_version=1)
    assert r2.version == 2 and r2.score == 50.0
    # A reviewer still holding version 1 is told someone saved in between; nothing written.
    with pytest.raises(ConflictError, match="someone saved in between"):
        reviews.save_review(w.sessions, w.admin, iid, {"closing": "no"}, expected_version=1)
    with pytest.raises(ConflictError):
        reviews.save_review(w.sessions, w.admin, iid, {"closing": "no"}, expected_version=None)
    final = reviews.get_review(w.sessions, w.reviewer_a, iid)
    assert final.version == 2 and {a.criterion_id for a in final.answers} == {"greeting", "empathy"}


def test_review_of_a_criterion_the_rubric_lacks_writes_nothing(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    audit_before = _count(w, AuditEntry)
    with pytest.raises(ValidationError, match="no criterion 'upsell'"):
        reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": "yes", "upsell": "yes"}, expected_version=None)
    with pytest.raises(ValidationError, match="'maybe' is not an answer of 'greeting'"):
        reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": "maybe"}, expected_version=None)
    assert _count(w, Review) == 0 and _count(w, ReviewAnswer) == 0 and _count(w, AuditEntry) == audit_before


def test_a_stale_save_fails_on_the_database_version_check(world, tmp_path):
    """A review loaded in one transaction and saved in a later one, after someone else saved:
    the UPDATE names the version it loaded, so the database refuses it (no lost update)."""
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": "yes"}, expected_version=None)
    from sqlalchemy.orm.exc import StaleDataError

    with w.sessions() as s1:
        with s1.begin():
            review = s1.scalar(select(Review).where(Review.interaction_id == iid))
        with w.sessions.begin() as s2:
            s2.scalar(select(Review).where(Review.interaction_id == iid)).comment = "second"
        with pytest.raises(StaleDataError):
            with s1.begin():
                review.comment = "first"
    assert reviews.get_review(w.sessions, w.admin, iid).comment == "second"


def test_interleaved_saves_on_postgresql_lose_no_update(world, tmp_path, monkeypatch):
    """Two open transactions on PostgreSQL both read version 1, then both write: the later
    UPDATE finds no row at version 1 and the service reports a conflict. (SQLite serialises
    writers with BEGIN IMMEDIATE, so the two cannot interleave there.)"""
    import threading
    import time

    w = world
    if w.db.is_sqlite:
        pytest.skip("SQLite writers are serialised; the stale-save test covers SQLite")
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": "yes"}, expected_version=None)

    original = reviews._save
    both_loaded = threading.Barrier(2, timeout=20)
    delay = {w.reviewer_a: 0.0, w.admin: 0.5}

    def interleaved(s, actor, row, given, expected_version, comment):
        held = reviews.repo.review_for(s, row.id)  # this transaction has read version 1 ...
        assert held.version == 1
        both_loaded.wait()  # ... and so has the other one
        time.sleep(delay[actor.user_id])
        return original(s, actor, row, given, expected_version, comment)

    monkeypatch.setattr(reviews, "_save", interleaved)
    results: dict[str, object] = {}

    def save(who: int, answer: str) -> None:
        try:
            results[answer] = reviews.save_review(w.sessions, who, iid, {"closing": answer}, expected_version=1)
        except Exception as exc:  # noqa: BLE001 - recorded for the assertions
            results[answer] = exc

    threads = [threading.Thread(target=save, args=(w.reviewer_a, "no")), threading.Thread(target=save, args=(w.admin, "yes"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not isinstance(results["no"], Exception), results["no"]
    assert isinstance(results["yes"], ConflictError) and "another reviewer saved" in str(results["yes"])
    final = reviews.get_review(w.sessions, w.admin, iid)
    assert final.version == 2 and {a.criterion_id: a.answer for a in final.answers}["closing"] == "no"


def test_dispute_flow_updates_the_review_not_the_automatic_score(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=False)).interaction_ids[0]
    d = disputes.raise_dispute(w.sessions, w.user_a1, iid, "greeting", "I did say good morning")
    with pytest.raises(ConflictError, match="already has an open dispute"):
        disputes.raise_dispute(w.sessions, w.user_a1, iid, "greeting", "again")
    with pytest.raises(ValidationError, match="no criterion 'tone'"):
        disputes.raise_dispute(w.sessions, w.user_a1, iid, "tone", "x")
    decided = disputes.decide_dispute(w.sessions, w.reviewer_a, d.id, accept=True, reason="heard it", new_answer="yes")
    assert decided.status == "accepted" and decided.decided_by == w.reviewer_a
    review = reviews.get_review(w.sessions, w.user_a1, iid)
    assert [(a.criterion_id, a.answer) for a in review.answers] == [("greeting", "yes")]
    assert queries.get_interaction(w.sessions, w.admin, iid).scorecards[0].scorecard.result("greeting").answer == "no"
    with pytest.raises(ConflictError, match="already accepted"):
        disputes.decide_dispute(w.sessions, w.reviewer_a, d.id, accept=False, reason="changed my mind")
    assert [x.status for x in disputes.list_disputes(w.sessions, w.user_a1)] == ["accepted"]


def test_calibration_is_blind_until_closed_and_measures_alignment(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    cs = calibration.create_calibration(w.sessions, w.reviewer_a, iid, title="week 1")
    calibration.submit_calibration(w.sessions, w.reviewer_a, cs.id, {"greeting": "yes", "empathy": "yes", "closing": "yes"})
    seen = calibration.submit_calibration(w.sessions, w.coach_a, cs.id, {"greeting": "no", "empathy": "partial", "closing": "yes"})
    assert [sc.reviewer_id for sc in seen.scores] == [w.coach_a]  # blind: only their own
    with pytest.raises(ValidationError, match="missing: closing"):
        calibration.submit_calibration(w.sessions, w.admin, cs.id, {"greeting": "no", "empathy": "yes"})
    with pytest.raises(ConflictError, match="already submitted"):
        calibration.submit_calibration(w.sessions, w.coach_a, cs.id, {"greeting": "no", "empathy": "no", "closing": "no"})
    with pytest.raises(ConflictError, match="still open"):
        calibration.calibration_results(w.sessions, w.reviewer_a, cs.id)
    closed = calibration.close_calibration(w.sessions, w.reviewer_a, cs.id)
    assert {sc.score for sc in closed.scores} == {100.0, 50.0}
    res = calibration.calibration_results(w.sessions, w.coach_a, cs.id)
    assert res.alignment_by_criterion == {"greeting": 0.0, "empathy": 0.5, "closing": 1.0}
    assert res.alignment == pytest.approx((0 * 30 + 0.5 * 40 + 1 * 30) / 100)
    assert res.variance == pytest.approx(625.0) and res.share_within_10 == 0.0


def test_coaching_session_with_action_items_and_acknowledgement(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=False)).interaction_ids[0]
    other = _ingest(w, write_chat(tmp_path, "b.txt", "Bo", "c2", polite=False), rep="arun@example.com").interaction_ids[0]
    with pytest.raises(ValidationError, match="another representative"):
        coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, interaction_ids=(other,))
    cs = coaching.create_coaching_session(
        w.sessions, w.coach_a, w.rep_a1, focus_criteria=("empathy",), notes="apologise first", interaction_ids=(iid,),
        action_items=(coaching.NewActionItem("Open with an apology", date(2026, 12, 1)),), follow_up_on=date(2026, 12, 8),
    )
    assert cs.interaction_ids == (iid,) and not cs.acknowledged
    with pytest.raises(Exception, match="only the coached representative"):
        coaching.acknowledge_coaching(w.sessions, w.coach_a, cs.id)
    assert coaching.acknowledge_coaching(w.sessions, w.user_a1, cs.id).acknowledged
    item = coaching.complete_action_item(w.sessions, w.user_a1, cs.action_items[0].id)
    assert item.done
    assert [c.id for c in coaching.list_coaching_sessions(w.sessions, w.user_a1)] == [cs.id]


def test_every_change_is_in_the_audit_log(world, tmp_path):
    w = world
    iid = _ingest(w, write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)).interaction_ids[0]
    reviews.save_review(w.sessions, w.reviewer_a, iid, {"greeting": "yes"}, expected_version=None)
    log = queries.audit_log(w.sessions, w.admin)
    actions = [(e["action"], e["entity"]) for e in log]
    assert ("review", "interaction") in actions and ("ingest", "file") in actions
    review_entry = next(e for e in log if e["action"] == "review")
    assert review_entry["user_id"] == w.reviewer_a and review_entry["details"]["after"] == {"greeting": "yes"}


def test_missing_things_are_not_found(world):
    with pytest.raises(NotFoundError):
        queries.get_interaction(world.sessions, world.admin, 999)
    with pytest.raises(NotFoundError):
        scoring.rescore(world.sessions, world.admin, [999], world.rubric_v1, signals=SIGNALS)


def test_store_scored_checks_the_rubric_and_skips_stored_conversations(world, tmp_path):
    from qa_coach.ingest import import_conversations
    from tests.db_fixtures import rubric_v1

    w = world
    its = import_conversations(write_chat(tmp_path, "a.txt", "Ann", "c1", polite=True)) + import_conversations(
        write_chat(tmp_path, "b.txt", "Bo", "c2", polite=False))
    cards = scorers.scorer_for(rubric_v1(), SIGNALS).score_many(its)
    wrong = scorers.scorer_for(rubric_v2(), SIGNALS).score_many(its[:1])
    with pytest.raises(ValidationError, match="not by rubric version"):
        ingest.store_scored(w.sessions, w.admin, [(its[1], cards[1]), (its[0], wrong[0])],
                            representative="alice@example.com", rubric_version_id=w.rubric_v1)
    assert _count(w, InteractionRow) == 0
    out = ingest.store_scored(w.sessions, w.admin, list(zip(its, cards)), representative="alice@example.com",
                              rubric_version_id=w.rubric_v1)
    assert len(out.interaction_ids) == 2
    again = ingest.store_scored(w.sessions, w.admin, list(zip(its, cards)), representative="alice@example.com",
                                rubric_version_id=w.rubric_v1)
    assert again.interaction_ids == () and again.duplicates == 2
    stored = queries.get_interaction(w.sessions, w.admin, out.interaction_ids[1])
    assert stored.scorecards[0].scorecard.results == cards[1].results
    assert stored.interaction.turns == its[1].turns


def test_a_recording_is_kept_in_the_content_addressed_folder_with_its_metrics(world, tmp_path):
    """Audio import is another module's job: here a stand-in importer returns the call."""
    import hashlib

    from qa_coach.domain.call_metrics import CallMetrics
    from qa_coach.domain.interaction import Channel, Interaction, Role, SourceRef, Turn

    w = world
    wav = tmp_path / "call.wav"
    wav.write_bytes(b"RIFF fake audio bytes")
    metrics = CallMetrics(
        duration=185.0, agent_talk=90.0, customer_talk=60.0, agent_talk_share=0.6, customer_talk_share=0.4,
        talk_listen_ratio=1.5, silence_threshold=2.0, silence_count=3, longest_silence=12.5, total_silence=20.0,
        long_silence_threshold=10.0, long_silence_count=1, silences=((30.0, 42.5),), overtalk_count=2,
        longest_overtalk=1.2, total_overtalk=2.0, agent_words_per_minute=150.0,
        customer_sentiment_by_quarter=(-0.5, 0.0, None, 0.6),
    )

    def fake_audio(path):
        turns = (Turn(0, Role.AGENT, "Hello, sorry for the trouble, how can I help?", 0.0, 3.0),
                 Turn(1, Role.CUSTOMER, "My line is down.", 3.5, 5.0))
        return [Interaction("call-1", turns, SourceRef(str(path), "audio"), channel=Channel.VOICE, metrics=metrics)]

    out = ingest.ingest_file(w.sessions, w.admin, wav, rubric_version_id=w.rubric_v1, representative="alice@example.com",
                             signals=SIGNALS, importers={".wav": fake_audio}, audio_dir=tmp_path / "store")
    sha = hashlib.sha256(wav.read_bytes()).hexdigest()
    detail = queries.get_interaction(w.sessions, w.admin, out.interaction_ids[0])
    assert detail.audio_path == f"{sha[:2]}/{sha}.wav"
    assert (tmp_path / "store" / detail.audio_path).read_bytes() == wav.read_bytes()
    assert detail.interaction.metrics == metrics and detail.interaction.channel is Channel.VOICE
    with w.sessions() as s:
        assert s.get(InteractionRow, detail.id).duration_seconds == 185.0
