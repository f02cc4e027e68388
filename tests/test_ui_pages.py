"""Every page, driven in-process with AppTest against a seeded SQLite database."""

from __future__ import annotations

from qa_coach.services import analytics, calibration, coaching, disputes, reviews
from qa_coach.ui.components import md
from tests.ui_fixtures import REPO, frame, page_app, seeded, texts  # noqa: F401  (fixture)


def test_team_overview_shows_scores_low_scores_and_agreement(seeded):
    w = seeded.world
    reviews.save_review(w.sessions, w.reviewer_a, seeded.alice_rude, {"greeting": "yes"}, expected_version=None)
    at = page_app(seeded, "overview", "reviewer").run()
    assert not at.exception
    page = texts(at)
    assert "QA score (automatic)=50%" in page  # Alice: 100% and 0%; Bea is in another team
    assert "Contacts=2" in page
    assert "Alice" in page and "**0%**" in page  # the rude chat is a recent low score
    reps = frame(at, "Low confidence")
    assert list(reps["Representative"]) == ["Alice", "Arun"]
    assert list(reps["Interactions"]) == [2, 0] and list(reps["Reviewed"]) == [1, 0]
    agreement = frame(at, "Kappa")
    assert list(agreement["Criterion"]) == ["Greeting"] and list(agreement["Same answer"]) == ["0%"]


def test_interaction_shows_transcript_scorecard_and_saves_an_override(seeded):
    at = page_app(seeded, "interaction", "reviewer", {"id": str(seeded.alice_rude)}).run()
    assert not at.exception
    page = texts(at)
    assert "Automatic score=0%" in page and "Human score=not reviewed" in page
    assert "**Agent** Yes?" in page and "**Customer**" in page
    table = frame(at, "Section")
    assert list(table["Criterion"]) == ["Greeting", "Empathy", "Closing"]
    assert list(table["Answer"]) == ["No", "No", "No"]
    at.selectbox(key="ov_greeting").set_value("yes")
    at.text_input(key="ovc_greeting").input("said hi in the first line")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert "Override saved: human score 30%" in texts(at)
    rec = reviews.get_review(seeded.world.sessions, seeded.world.reviewer_a, seeded.alice_rude)
    assert rec.score == 30 and rec.answers[0].comment == "said hi in the first line"


def test_evidence_is_highlighted_for_the_chosen_criterion(seeded):
    at = page_app(seeded, "interaction", "reviewer", {"id": str(seeded.alice_polite)}).run()
    assert ":orange-background[" not in texts(at)
    box = at.selectbox(key="evidence_criterion")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith("Greeting"))).run()
    assert ":orange-background[Hello, my name is Sam, how can I help?]" in texts(at)
    assert ":orange-background[Have a great day!]" not in texts(at)


def test_a_representative_is_refused_another_representatives_interaction(seeded):
    at = page_app(seeded, "interaction", "bea", {"id": str(seeded.alice_polite)}).run()
    assert not at.exception
    assert "Not allowed" in texts(at)
    assert "Hello, my name is Sam" not in texts(at)


def test_a_representative_disputes_and_a_reviewer_sees_the_thread(seeded):
    at = page_app(seeded, "interaction", "alice", {"id": str(seeded.alice_rude)}).run()
    assert "Reviewer override" not in texts(at)  # a rep gets no override form
    at.selectbox(key="dispute_criterion").set_value("closing")
    at.text_area(key="dispute_reason").input("I did close politely on the phone")
    at.button[0].click().run()
    assert "Dispute raised" in texts(at)
    at = page_app(seeded, "interaction", "reviewer", {"id": str(seeded.alice_rude)}).run()
    assert "I did close politely on the phone" in texts(at) and "open" in texts(at)


def test_review_queue_lists_unreviewed_interactions_with_filters(seeded):
    at = page_app(seeded, "queue", "reviewer").run()
    assert not at.exception
    assert "2 interactions to review" in texts(at)
    table = frame(at, "Failed")
    assert set(table["Id"]) == {seeded.alice_polite, seeded.alice_rude}  # Bea's team is not Rita's
    at.slider(key="queue_max_score").set_value(50).run()
    assert "1 interaction to review" in texts(at)
    assert list(frame(at, "Failed")["Failed"]) == ["Greeting, Empathy, Closing"]  # criteria by name


def test_import_scores_uploaded_files_and_reports_errors_in_plain_words(seeded, tmp_path):
    from tests.db_fixtures import chat_text

    at = page_app(seeded, "import", "admin").run()
    rep = at.selectbox(key="import_rep")
    rep.select_index(rep.options.index("Arun"))
    uploader = at.file_uploader(key="import_files")
    uploader.upload("arun_chat.txt", chat_text("Sam", "x@c.example", polite=True, topic="upload").encode(), "text/plain")
    uploader.upload("broken.json", b"{not json", "application/json").run()
    at.button(key="import_button").click().run()
    assert not at.exception
    page = texts(at)
    assert f"{md('arun_chat.txt')}: 1 interaction(s) scored and stored." in page  # names shown as typed
    assert f"{md('broken.json')}: not imported." in page and "Traceback" not in page


def test_progress_page_shows_trend_criteria_and_coaching_history(seeded):
    w = seeded.world
    coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, focus_criteria=("greeting",), notes="Say hello")
    at = page_app(seeded, "progress", "coach").run()
    assert not at.exception
    page = texts(at)
    assert "Latest week=50%" in page
    assert "Team, latest week=–" in page and analytics.TOO_FEW_PEOPLE in page  # Alice and Arun: too few
    assert "Say hello" in page and "focus: Greeting" in page


def test_a_representative_sees_only_their_own_progress(seeded):
    at = page_app(seeded, "progress", "bea").run()
    page = texts(at)
    assert "Bea" in page and "Latest week=100%" in page and "Alice" not in page


def test_coaching_page_creates_a_session_with_action_items(seeded):
    at = page_app(seeded, "coaching", "coach").run()
    at.text_area(key="coaching_notes").input("Open with a greeting")
    at.text_input(key="coaching_item_0").input("Greet every customer")
    at.date_input(key="coaching_due_0").set_value("2030-01-31")
    at.text_input(key="coaching_item_1").input("Use their name")
    at.button[0].click().run()
    assert not at.exception
    assert "Coaching session saved with 2 action item(s)." in texts(at)
    saved = coaching.list_coaching_sessions(seeded.world.sessions, seeded.world.coach_a, seeded.world.rep_a1)
    assert [(i.text, str(i.due_on)) for i in saved[0].action_items] == [("Greet every customer", "2030-01-31"),
                                                                        ("Use their name", "None")]
    headings = [e.label for e in at.expander]
    assert any("focus: " in h for h in headings) and not any("greeting" in h.split("focus: ")[1] for h in headings if "focus: " in h)


def test_my_interactions_acknowledge_and_practice_without_storing(seeded):
    from qa_coach.services import queries
    from tests.db_fixtures import chat_text

    w = seeded.world
    coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, focus_criteria=("empathy",), notes="Say sorry")
    at = page_app(seeded, "mine", "alice").run()
    assert not at.exception
    assert set(frame(at, "Reviewed score")["Id"]) == {seeded.alice_polite, seeded.alice_rude}
    assert "Say sorry" in texts(at) and "focus: Empathy" in texts(at)  # the criterion's name, not its id
    ack = next(b for b in at.button if b.key and b.key.startswith("ack_"))
    ack.click().run()
    assert "Acknowledged: your coach can see that you have read it." in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("ack_")]  # nothing left to acknowledge
    at.file_uploader(key="practice_file").upload(
        "roleplay.txt", chat_text("Sam", "p@c.example", polite=True, topic="practice").encode(), "text/plain").run()
    assert "Practice score (not stored)=100%" in texts(at)
    assert len(queries.list_interactions(w.sessions, w.user_a1)) == 2  # nothing stored


def test_calibration_blind_score_then_comparison(seeded):
    w = seeded.world
    session = calibration.create_calibration(w.sessions, w.reviewer_a, seeded.alice_rude, title="Week 1")
    calibration.submit_calibration(w.sessions, w.coach_a, session.id, {"greeting": "no", "empathy": "no", "closing": "no"})
    at = page_app(seeded, "calibration", "reviewer").run()
    assert not at.exception
    assert "The others' scores stay hidden" in texts(at)
    submit = [b for b in at.button if b.label == "Submit my score"][0]
    submit.click().run()
    assert not at.exception
    assert "Score submitted" in texts(at) and "Reviewers=2" not in texts(at)  # blind until closed
    at.button(key="cal_close").click().run()
    assert "Reviewers=2" in texts(at)
    assert set(frame(at, "Reviewer")["Score"]) == {"0%", "100%"}  # the coach answered no everywhere, Rita kept the first answers


def test_rubrics_page_validates_an_upload_and_names_the_problem(seeded):
    from tests.db_fixtures import RUBRIC_V2

    at = page_app(seeded, "rubrics", "reviewer").run()
    assert list(frame(at, "Critical")["Id"]) == ["greeting", "empathy", "closing"]
    at.file_uploader(key="rubric_upload").upload("bad.yaml", b"id: x\nsections: 3\n", "text/yaml").run()
    assert not at.exception and md("bad.yaml") in "\n".join(e.value for e in at.error)
    at.file_uploader(key="rubric_upload").upload("v2.yaml", RUBRIC_V2.encode(), "text/yaml").run()
    assert f"{md('v2.yaml')} is valid: Support basics version 2, 4 criteria." in texts(at)
    at.button(key="rubric_save").click().run()
    assert "Stored as a new rubric version: Support basics version 2." in texts(at)


def test_admin_adds_a_user_who_can_then_sign_in(seeded):
    from qa_coach.services import auth

    at = page_app(seeded, "admin", "admin").run()
    assert "Rita" in list(frame(at, "Can sign in")["Name"])
    at.text_input(key="nu_name").input("Nina")
    at.text_input(key="nu_email").input("nina@example.com")
    at.selectbox(key="nu_role").set_value("coach")
    at.text_input(key="nu_password").input("nina's password")
    [b for b in at.button if b.label == "Add user"][0].click().run()
    assert not at.exception and f"User {md('nina@example.com')} added." in texts(at)
    assert auth.sign_in(seeded.world.sessions, "nina@example.com", "nina's password").role == "coach"


def test_dispute_service_refuses_a_reviewer(seeded):
    import pytest

    from qa_coach.services.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        disputes.raise_dispute(seeded.world.sessions, seeded.world.reviewer_a, seeded.alice_rude, "greeting", "no")


def test_team_overview_kpis_follow_a_new_import(seeded, tmp_path):
    from qa_coach.services import ingest
    from tests.db_fixtures import SIGNALS, write_chat

    w = seeded.world
    at = page_app(seeded, "overview", "reviewer").run()
    assert "Contacts=2" in texts(at)
    f = write_chat(tmp_path, "more.txt", "Sam", "more@c.example", polite=True, topic="more")
    assert ingest.ingest_file(w.sessions, w.admin, f, rubric_version_id=w.rubric_v1, representative="arun@example.com",
                              signals=SIGNALS).status == "stored"
    at = page_app(seeded, "overview", "reviewer").run()
    assert "Contacts=3" in texts(at)
