"""What a person sees right after a write, and words instead of internals.

Every write redraws what it changed in the same click (the header, the drop-downs, the lists,
the buttons) and empties the form that did it; metrics, evidence, answers and people are
named as people name them; messages carry no command-line hints or server paths; the import
progress says what failed; the app has no Deploy button.
"""

from __future__ import annotations

import tempfile
import tomllib

from qa_coach.domain.call_metrics import CallMetrics, readable
from qa_coach.services import calibration, coaching, disputes, ingest, reviews
from qa_coach.ui.components import md
from tests.db_fixtures import SIGNALS, chat_text
from tests.ui_fixtures import REPO, frame, page_app, seeded, texts  # noqa: F401  (fixture)

CALL_METRICS = CallMetrics(
    duration=185.0, agent_talk=90.0, customer_talk=60.0, agent_talk_share=0.6, customer_talk_share=0.4,
    talk_listen_ratio=1.5, silence_threshold=2.0, silence_count=3, longest_silence=12.5, total_silence=20.0,
    long_silence_threshold=10.0, long_silence_count=1, silences=((30.0, 42.5),), overtalk_count=2,
    longest_overtalk=1.2, total_overtalk=2.0, agent_words_per_minute=150.0,
    customer_sentiment_by_quarter=(-0.5, 0.0, None, 0.6),
)


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


# --- every write re-renders what it changed -------------------------------------------------

def test_the_header_shows_the_human_score_right_after_saving_an_override(seeded):
    at = page_app(seeded, "interaction", "reviewer", {"id": str(seeded.alice_rude)}).run()
    assert "Human score=not reviewed" in texts(at)
    at.selectbox(key="ov_greeting").set_value("yes")
    _button(at, "Save override").click().run()
    assert not at.exception
    page = texts(at)
    assert "Human score=30%" in page and "Human score=not reviewed" not in page
    assert "Override saved: human score 30% (automatic score kept)." in page
    # a second save in the same page works: the form now carries the stored review's version
    at.selectbox(key="ov_empathy").set_value("yes")
    _button(at, "Save override").click().run()
    assert not at.exception and "Human score=70%" in texts(at)


def test_a_new_representative_is_in_the_drop_downs_at_once_and_the_form_is_empty(seeded):
    at = page_app(seeded, "admin", "admin").run()
    assert "Nora" not in at.selectbox(key="nu_rep").options
    at.text_input(key="nr_name").input("Nora")
    at.text_input(key="nr_email").input("nora@example.com")
    _button(at, "Add representative").click().run()
    assert not at.exception
    assert "Representative Nora added." in texts(at)
    assert "Nora" in at.selectbox(key="nu_rep").options  # the add-a-user form offers her
    assert "Nora" in list(frame(at, "Hired")["Representative"])
    assert at.text_input(key="nr_name").value == "" and at.text_input(key="nr_email").value == ""


def test_a_new_team_and_a_new_user_show_at_once_and_their_forms_clear(seeded):
    at = page_app(seeded, "admin", "admin").run()
    at.text_input(key="nt_name").input("Team C")
    _button(at, "Add team").click().run()
    assert "Team C" in at.selectbox(key="nr_team").options and at.text_input(key="nt_name").value == ""
    at.text_input(key="nu_name").input("Nina")
    at.text_input(key="nu_email").input("nina@example.com")
    at.selectbox(key="nu_role").set_value("coach")
    at.text_input(key="nu_password").input("nina's password")
    _button(at, "Add user").click().run()
    assert not at.exception and f"User {md('nina@example.com')} added." in texts(at)
    assert "Nina" in list(frame(at, "Can sign in")["Name"])
    assert at.text_input(key="nu_name").value == "" and at.text_input(key="nu_password").value == ""


def test_a_new_calibration_session_is_in_the_list_and_chosen(seeded):
    w = seeded.world
    calibration.create_calibration(w.sessions, w.reviewer_a, seeded.alice_polite, title="Week 1")
    at = page_app(seeded, "calibration", "reviewer").run()
    at.number_input(key="cal_new_interaction").set_value(seeded.alice_rude)
    at.text_input(key="cal_new_title").input("Week 2")
    _button(at, "Start").click().run()
    assert not at.exception
    box = at.selectbox(key="cal_session")
    assert [o.split(": ", 1)[1].split(" (")[0] for o in box.options] == ["Week 2", "Week 1"]
    assert "Week 2" in box.options[box.index] and "Calibration session" in texts(at)
    assert at.text_input(key="cal_new_title").value == ""
    assert "Your blind score" in texts(at)  # the new session's form, not the old one's


def test_calibration_names_the_reviewers_criteria_and_answers(seeded):
    w = seeded.world
    session = calibration.create_calibration(w.sessions, w.reviewer_a, seeded.alice_rude, title="Week 1")
    calibration.submit_calibration(w.sessions, w.coach_a, session.id,
                                   {"greeting": "no", "empathy": None, "closing": "no"})
    at = page_app(seeded, "calibration", "reviewer").run()
    _button(at, "Submit my score").click().run()
    assert not at.exception and "Score submitted" in texts(at)
    assert not [b for b in at.button if b.label == "Submit my score"]  # the form is gone with the write
    at.button(key="cal_close").click().run()
    table = frame(at, "Reviewer")
    assert sorted(table["Reviewer"]) == ["Carl", "Rita"]
    assert {"Greeting", "Empathy", "Closing"} <= set(table.columns) and "greeting" not in table.columns
    carl = table[table["Reviewer"] == "Carl"].iloc[0]
    assert carl["Empathy"] == "N/A" and carl["Greeting"] == "No"
    assert "None" not in table.astype(str).to_string()
    assert set(frame(at, "Alignment")["Criterion"]) <= {"Greeting", "Empathy", "Closing"}


def test_a_saved_coaching_session_is_in_the_history_at_once(seeded):
    at = page_app(seeded, "coaching", "coach").run()
    assert "Open with a greeting" not in texts(at)
    at.text_area(key="coaching_notes").input("Open with a greeting")
    _button(at, "Save session").click().run()
    assert not at.exception
    assert "Coaching session saved" in texts(at)
    assert any("Open with a greeting" in m.value for m in at.markdown)  # the history above the form
    assert at.text_area(key="coaching_notes").value == ""


def test_the_acknowledge_button_goes_away_after_acknowledging(seeded):
    w = seeded.world
    coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, focus_criteria=("empathy",), notes="Say sorry")
    at = page_app(seeded, "mine", "alice").run()
    [ack] = [b for b in at.button if b.label == "Acknowledge"]
    ack.click().run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Acknowledge"]
    assert "Nothing waiting." in texts(at) and "Acknowledged" in texts(at)


def test_a_raised_dispute_shows_in_the_thread_and_the_form_clears(seeded):
    at = page_app(seeded, "interaction", "alice", {"id": str(seeded.alice_rude)}).run()
    at.selectbox(key="dispute_criterion").set_value("closing")
    at.text_area(key="dispute_reason").input("I did close politely on the phone")
    _button(at, "Raise dispute").click().run()
    assert not at.exception
    assert "I did close politely on the phone" in texts(at)  # in the thread above the form
    assert at.text_area(key="dispute_reason").value == ""


def test_a_stored_rubric_upload_is_offered_once_and_listed(seeded):
    from tests.db_fixtures import RUBRIC_V2

    at = page_app(seeded, "rubrics", "reviewer").run()
    at.file_uploader(key="rubric_upload").upload("v2.yaml", RUBRIC_V2.encode(), "text/yaml").run()
    at.button(key="rubric_save").click().run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "rubric_save"]  # no second save of the same file
    box = at.selectbox(key="rubric_version")
    assert box.options[box.index] == "Support basics · version 2"


# --- plain language -------------------------------------------------------------------------

def test_call_metrics_read_as_names_and_units():
    shown = dict(readable(CALL_METRICS))
    assert shown["Call length"] == "3 min 5 s"
    assert shown["Agent talk time"] == "60% (1 min 30 s)"
    assert shown["Customer talk time"] == "40% (1 min 0 s)"
    assert shown["Talk-to-listen ratio"] == "1.5 to 1"
    assert shown["Silences over 2 s"] == "3 times, longest 12.5 s, 20.0 s in all"
    assert shown["Dead air (silences over 10 s)"] == "1 time"
    assert shown["Talking over each other"] == "2 times, longest 1.2 s, 2.0 s in all"
    assert shown["Agent speaking rate"] == "150 words a minute"
    mono = readable(CallMetrics(**{**CALL_METRICS.__dict__, "overtalk_count": None, "longest_overtalk": None,
                                   "total_overtalk": None, "agent_talk_share": None, "silence_count": 0}))
    assert dict(mono)["Talking over each other"].startswith("not measurable")
    assert dict(mono)["Agent talk time"] == "1 min 30 s" and dict(mono)["Silences over 2 s"] == "none"
    assert not any("_" in name for name, _ in readable(CALL_METRICS))


def test_the_interaction_page_shows_call_metrics_in_words(seeded, tmp_path):
    from qa_coach.domain.interaction import Channel, Interaction, Role, SourceRef, Turn

    w = seeded.world
    wav = tmp_path / "call.wav"
    wav.write_bytes(b"RIFF stand-in audio")

    def fake_audio(path):
        turns = (Turn(0, Role.AGENT, "Hello, sorry for the trouble, how can I help?", 0.0, 3.0),
                 Turn(1, Role.CUSTOMER, "My line is down.", 3.5, 5.0))
        return [Interaction("call-1", turns, SourceRef(str(path), "audio"), channel=Channel.VOICE,
                            metrics=CALL_METRICS)]

    out = ingest.ingest_file(w.sessions, w.admin, wav, rubric_version_id=w.rubric_v1,
                             representative="alice@example.com", signals=SIGNALS, importers={".wav": fake_audio},
                             audio_dir=seeded.audio_dir)
    at = page_app(seeded, "interaction", "reviewer", {"id": str(out.interaction_ids[0])}).run()
    assert not at.exception
    table = frame(at, "Measure")
    shown = dict(zip(table["Measure"], table["Value"]))
    assert shown["Agent talk time"] == "60% (1 min 30 s)" and shown["Call length"] == "3 min 5 s"
    assert "agent_talk_share" not in table.to_string()


def test_evidence_quotes_the_words_never_the_pattern(seeded):
    at = page_app(seeded, "interaction", "reviewer", {"id": str(seeded.alice_polite)}).run()
    box = at.selectbox(key="evidence_criterion")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith("Greeting"))).run()
    captions = "\n".join(c.value for c in at.caption)
    assert md("says “Hello”") in captions
    assert "pattern" not in captions and md("\\b") not in captions and "hello|hi" not in captions


def test_a_dispute_is_decided_with_one_of_the_rubrics_answers(seeded):
    w = seeded.world
    d = disputes.raise_dispute(w.sessions, w.user_a1, seeded.alice_rude, "greeting", "I said hello on the phone")
    at = page_app(seeded, "interaction", "reviewer", {"id": str(seeded.alice_rude)}).run()
    answer = at.selectbox(key=f"decide_answer_{d.id}")
    assert answer.options == ["Leave the answer as it is", "Yes", "No", "N/A"]
    answer.set_value("yes")
    at.text_input(key=f"decide_reason_{d.id}").input("the recording has a greeting")
    _button(at, "Decide").click().run()
    assert not at.exception
    page = texts(at)
    assert "(new answer: Yes)" in page and "Human score=30%" in page
    assert not [b for b in at.button if b.label == "Decide"]  # decided: the form is gone
    assert reviews.get_review(w.sessions, w.reviewer_a, seeded.alice_rude).answers[0].answer == "yes"


def test_import_messages_have_no_command_line_hints_and_the_progress_says_what_failed(seeded):
    at = page_app(seeded, "import", "admin").run()
    uploader = at.file_uploader(key="import_files")
    uploader.upload("nobody.txt", chat_text("Sam", "x@c.example", polite=True).encode(), "text/plain")
    uploader.upload("notes.txt", b"just some words, no chat here\n", "text/plain").run()
    at.button(key="import_button").click().run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert md("nobody.txt") in errors and md("notes.txt") in errors
    assert "--" not in errors and "format=" not in errors and "pass " not in errors
    [bar] = at.get("progress")
    assert bar.proto.text.startswith(f"2 failed: {md('nobody.txt')}: ")
    assert "Done" not in bar.proto.text and tempfile.gettempdir() not in bar.proto.text


def test_the_import_progress_counts_what_was_stored(seeded):
    at = page_app(seeded, "import", "admin").run()
    rep = at.selectbox(key="import_rep")
    rep.select_index(rep.options.index("Arun"))
    at.file_uploader(key="import_files").upload(
        "arun.txt", chat_text("Sam", "y@c.example", polite=True, topic="fresh").encode(), "text/plain").run()
    at.button(key="import_button").click().run()
    [bar] = at.get("progress")
    assert bar.proto.text == "1 imported (1 interaction)"


def test_practice_mode_names_the_file_not_the_servers_folder(seeded):
    at = page_app(seeded, "mine", "alice").run()
    at.file_uploader(key="practice_file").upload("roleplay.json", b'{"no": "chat"}', "application/json").run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert errors.startswith(md("roleplay.json")), errors
    assert "qa-coach-practice" not in errors and md(tempfile.gettempdir()) not in errors


# --- no Deploy button -----------------------------------------------------------------------

def test_the_deploy_button_is_hidden_from_the_checkout_and_from_qa_coach_app(monkeypatch):
    from click.testing import CliRunner

    from qa_coach.cli import app as app_cli
    from qa_coach.cli import main

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"
    started = []
    monkeypatch.setattr(app_cli, "prepare_database", lambda **_: False)
    monkeypatch.setattr(app_cli.subprocess, "call", lambda cmd, **_: started.append(cmd) or 0)
    result = CliRunner().invoke(main, ["app", "--no-demo"])
    assert result.exit_code == 0, result.output
    [cmd] = started
    assert cmd[cmd.index("--client.toolbarMode") + 1] == "minimal"


def test_a_changed_password_clears_the_form(seeded):
    from qa_coach.services import auth

    w = seeded.world
    auth.set_password(w.sessions, w.admin, w.reviewer_a, "rita's old password")
    at = page_app(seeded, "account", "reviewer").run()
    at.text_input(key="pw_old").input("rita's old password")
    at.text_input(key="pw_new").input("rita's new password")
    _button(at, "Change password").click().run()
    assert not at.exception and "Password changed." in texts(at)
    assert at.text_input(key="pw_old").value == "" and at.text_input(key="pw_new").value == ""
