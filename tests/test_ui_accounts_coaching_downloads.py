"""Accounts (recovery on the command line, no admin default, checked e-mails), coaching (date
pickers, a representative's own action items and example calls, one criterion a chart) and
the app's downloads of what the command line exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pyarrow as pa
import pytest
from click.testing import CliRunner

from qa_coach.cli import main
from qa_coach.services import account_recovery, auth, coaching, directory
from qa_coach.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from qa_coach.storage.database import Database
from qa_coach.ui.components import md
from tests.db_fixtures import build_world, db, pg_shared, world  # noqa: F401  (fixtures)
from tests.ui_fixtures import frame, page_app, seeded, texts  # noqa: F401  (fixture)

PASSWORD = "ada's first password"
NEW_PASSWORD = "a brand new password"


def _lock(sessions, email: str) -> None:
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.SignInError):
            auth.sign_in(sessions, email, "not the password")
    with pytest.raises(auth.SignInError):  # locked: even the right password is refused
        auth.sign_in(sessions, email, PASSWORD)
    assert next(a for a in auth.list_accounts(sessions, _admin_id(sessions)) if a.email == email).locked


def _admin_id(sessions) -> int:
    return directory.acting_user(sessions, None).id


# Accounts: the command line's way back in -------------------------------------------------

@pytest.fixture
def cli_world(tmp_path, monkeypatch):
    """A SQLite database the commands open by its URL alone, with the only admin locked out."""
    database = Database(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    database.upgrade()
    w = build_world(database)
    auth.set_password(w.sessions, w.admin, w.admin, PASSWORD)
    _lock(w.sessions, "ada@example.com")
    monkeypatch.setenv("QA_COACH_DATABASE_URL", database.url)
    monkeypatch.delenv("QA_COACH_USER", raising=False)
    yield w
    database.dispose()


def test_set_password_on_the_command_line_lets_a_locked_out_admin_back_in(cli_world):
    w = cli_world
    result = CliRunner().invoke(main, ["user", "set-password", "Ada@Example.com"],
                                input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "ada@example.com: new password set; the account is unlocked." in result.stdout
    assert "New password for ada@example.com" in result.stderr and "Repeat for confirmation" in result.stderr
    assert NEW_PASSWORD not in result.output  # typed without being shown
    assert auth.sign_in(w.sessions, "ada@example.com", NEW_PASSWORD).id == w.admin
    with pytest.raises(auth.SignInError):
        auth.sign_in(w.sessions, "ada@example.com", PASSWORD)


def test_set_password_refuses_a_mismatch_a_weak_password_and_an_unknown_account(cli_world):
    w = cli_world
    mismatch = CliRunner().invoke(main, ["user", "set-password", "ada@example.com"],
                                  input=f"{NEW_PASSWORD}\nsomething else entirely\n")
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output
    weak = CliRunner().invoke(main, ["user", "set-password", "ada@example.com"], input="short\nshort\n")
    assert weak.exit_code == 2 and "a password needs at least 8 characters" in weak.stderr
    unknown = CliRunner().invoke(main, ["user", "set-password", "nobody@example.com"], input="")
    assert unknown.exit_code == 2
    assert "no account with the email 'nobody@example.com'" in unknown.stderr
    assert "New password" not in unknown.output and "Traceback" not in unknown.output  # refused before asking
    with pytest.raises(auth.SignInError):  # nothing changed: still locked
        auth.sign_in(w.sessions, "ada@example.com", PASSWORD)


def test_unlock_on_the_command_line_keeps_the_password(cli_world):
    w = cli_world
    result = CliRunner().invoke(main, ["user", "unlock", "ada@example.com"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ada@example.com: unlocked."
    assert auth.sign_in(w.sessions, "ada@example.com", PASSWORD).id == w.admin
    again = CliRunner().invoke(main, ["user", "unlock", "ada@example.com"])
    assert again.exit_code == 0 and "was not locked" in again.stdout


def test_a_user_who_is_not_an_admin_cannot_unlock_from_the_command_line(cli_world):
    result = CliRunner().invoke(main, ["user", "unlock", "ada@example.com", "--as", "rita@users.example"])
    assert result.exit_code == 2 and "may not unlock accounts" in result.stderr


def test_recovery_services_on_every_backend(world):
    w = world
    auth.set_password(w.sessions, w.admin, w.user_a1, PASSWORD)
    _lock(w.sessions, "aliceu@users.example")
    assert account_recovery.account_state(w.sessions, w.admin, " AliceU@users.example ").locked
    with pytest.raises(PermissionDeniedError):
        account_recovery.unlock_account(w.sessions, w.coach_a, "aliceu@users.example")
    with pytest.raises(NotFoundError, match="no account with the email 'ghost@example.com'"):
        account_recovery.unlock_account(w.sessions, w.admin, "ghost@example.com")
    with pytest.raises(NotFoundError):  # never sent to the database (PostgreSQL refuses a NUL)
        account_recovery.account_state(w.sessions, w.admin, "aliceu\x00@users.example")
    before = account_recovery.unlock_account(w.sessions, w.admin, "aliceu@users.example")
    assert before.locked and before.has_password and before.email == "aliceu@users.example"
    assert not account_recovery.account_state(w.sessions, w.admin, "aliceu@users.example").locked
    assert auth.sign_in(w.sessions, "aliceu@users.example", PASSWORD).id == w.user_a1


# Accounts: no admin default, checked e-mails ----------------------------------------------

def test_the_new_user_form_has_no_role_until_one_is_chosen(seeded):
    at = page_app(seeded, "admin", "admin").run()
    assert at.selectbox(key="nu_role").value is None  # no admin (nor any) default
    at.text_input(key="nu_name").input("Nina")
    at.text_input(key="nu_email").input("nina@example.com")
    at.text_input(key="nu_password").input("nina's password")
    [b for b in at.button if b.label == "Add user"][0].click().run()
    assert not at.exception
    assert "choose a role for the new user" in texts(at)
    assert "nina@example.com" not in {a.email for a in auth.list_accounts(seeded.world.sessions, seeded.world.admin)}


def test_an_invalid_email_is_refused_with_what_is_wrong(seeded):
    at = page_app(seeded, "admin", "admin").run()
    at.text_input(key="nu_name").input("Nina")
    at.text_input(key="nu_email").input("nina@example")
    at.selectbox(key="nu_role").set_value("coach")
    at.text_input(key="nu_password").input("nina's password")
    [b for b in at.button if b.label == "Add user"][0].click().run()
    assert not at.exception
    assert md("'nina@example' is not a valid email address: The part after the @-sign is not valid. "
              "It should have a period.") in texts(at)
    assert not [a for a in auth.list_accounts(seeded.world.sessions, seeded.world.admin) if a.name == "Nina"]


@pytest.mark.parametrize("address, problem", [
    ("nina at example.com", "must have an @-sign"),
    ("nina@@example.com", "invalid characters"),
    ("Nina <nina@example.com>", "display name"),
    ("nina@", "There must be something after the @-sign"),
])
def test_services_refuse_malformed_emails_where_accounts_are_made(world, address, problem):
    w = world
    with pytest.raises(ValidationError, match=f"is not a valid email address: .*{problem}"):
        directory.create_user(w.sessions, w.admin, name="Nina", email=address, role="coach")
    with pytest.raises(ValidationError, match=problem):
        directory.bootstrap_admin(w.sessions, "Nina", address)
    made = directory.create_user(w.sessions, w.admin, name="Nina", email=" Nina@Example.COM ", role="coach")
    assert made.email == "nina@example.com"


def test_the_first_admin_needs_a_valid_email(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'first.sqlite3'}")
    database.upgrade()
    try:
        sessions = database.session_factory()
        with pytest.raises(ValidationError, match="is not a valid email address"):
            auth.create_first_admin(sessions, "Ada", "ada@example", PASSWORD)
        assert auth.needs_first_admin(sessions)
        assert directory.local_admin(sessions).email == directory.LOCAL_ADMIN_EMAIL  # the CLI's placeholder
        assert auth.create_first_admin(sessions, "Ada", "ada@example.com", PASSWORD).email == "ada@example.com"
    finally:
        database.dispose()


# Coaching ---------------------------------------------------------------------------------

def _save_button(at):
    return next(b for b in at.button if b.label == "Save session")


def test_action_items_are_entered_with_date_pickers(seeded):
    w = seeded.world
    at = page_app(seeded, "coaching", "coach").run()
    assert not at.exception and "coaching_items" not in [t.key for t in at.text_area]  # no 'text | date' box
    at.text_area(key="coaching_notes").input("Open with a greeting")
    at.text_input(key="coaching_item_0").input("Greet every customer")
    at.date_input(key="coaching_due_0").set_value(date(2030, 1, 31))
    at.text_input(key="coaching_item_1").input("Use their name")
    _save_button(at).click().run()
    assert not at.exception
    assert "Coaching session saved with 2 action item(s)." in texts(at)
    saved = coaching.list_coaching_sessions(w.sessions, w.coach_a, w.rep_a1)[0]
    assert [(i.text, i.due_on) for i in saved.action_items] == [("Greet every customer", date(2030, 1, 31)),
                                                                ("Use their name", None)]
    assert at.text_input(key="coaching_item_0").value == "" and at.date_input(key="coaching_due_0").value is None


def test_a_due_date_without_words_is_refused_and_more_rows_can_be_added(seeded):
    w = seeded.world
    at = page_app(seeded, "coaching", "coach").run()
    assert [t.key for t in at.text_input if t.key.startswith("coaching_item_")] == [
        "coaching_item_0", "coaching_item_1", "coaching_item_2"]
    at.button(key="coaching_more_items").click().run()
    assert at.text_input(key="coaching_item_3").value == ""
    at.text_input(key="coaching_item_0").input("Greet every customer")
    at.date_input(key="coaching_due_3").set_value(date(2030, 2, 1))
    _save_button(at).click().run()
    assert not at.exception
    assert "action item 4 has a due date but no words" in texts(at)
    assert coaching.list_coaching_sessions(w.sessions, w.coach_a, w.rep_a1) == []


def _session_with_item_and_example(seeded, example: int | None = None):
    w = seeded.world
    return coaching.create_coaching_session(
        w.sessions, w.coach_a, w.rep_a1, focus_criteria=("greeting",), notes="Say hello first",
        interaction_ids=() if example is None else (example,),
        action_items=(coaching.NewActionItem("Greet every customer", date(2030, 1, 31)),))


def test_a_representative_ticks_their_own_action_items(seeded):
    w = seeded.world
    item = _session_with_item_and_example(seeded).action_items[0]
    at = page_app(seeded, "mine", "alice").run()
    assert not at.exception
    box = at.checkbox(key=f"my_item_{item.id}")
    assert "Greet every customer (due 2030-01-31)" in box.label and box.value is False
    assert "1 open, 0 done" in texts(at)
    box.check().run()
    assert not at.exception
    assert coaching.list_coaching_sessions(w.sessions, w.coach_a, w.rep_a1)[0].action_items[0].done
    assert "0 open, 1 done" in texts(at)
    at.checkbox(key=f"my_item_{item.id}").uncheck().run()
    assert not coaching.list_coaching_sessions(w.sessions, w.coach_a, w.rep_a1)[0].action_items[0].done


def test_nobody_else_ticks_a_representatives_action_item(seeded):
    w = seeded.world
    item = _session_with_item_and_example(seeded).action_items[0]
    with pytest.raises(PermissionDeniedError):
        coaching.complete_action_item(w.sessions, w.user_b1, item.id)  # another representative
    with pytest.raises(PermissionDeniedError):
        coaching.complete_action_item(w.sessions, w.user_a2, item.id)  # a team mate
    with pytest.raises(PermissionDeniedError):
        coaching.complete_action_item(w.sessions, w.reviewer_a, item.id)  # a reviewer
    assert not coaching.list_coaching_sessions(w.sessions, w.coach_a, w.rep_a1)[0].action_items[0].done
    at = page_app(seeded, "mine", "bea").run()
    assert "Greet every customer" not in texts(at) and not [c for c in at.checkbox if c.key.startswith("my_item_")]


def test_a_representative_reads_the_example_call_their_coach_linked(seeded):
    _session_with_item_and_example(seeded, example=seeded.alice_rude)
    at = page_app(seeded, "mine", "alice").run()
    assert "**Agent** Yes?" not in texts(at)  # nothing open yet
    at.selectbox(key="my_example").select_index(0).run()
    assert not at.exception
    page = texts(at)
    assert "Read only: a call your coach chose as an example." in page
    assert "**Agent** Yes?" in page and "Automatic score=0%" in page
    assert list(frame(at, "Section")["Criterion"]) == ["Greeting", "Empathy", "Closing"]
    assert "Raise dispute" not in [b.label for b in at.button]  # nothing to change from here
    assert "dispute_reason" not in [t.key for t in at.text_area]


def test_a_linked_example_opens_only_for_who_may_see_the_session_and_only_through_its_link(seeded):
    w = seeded.world
    cs = _session_with_item_and_example(seeded, example=seeded.alice_rude)
    assert coaching.coaching_example(w.sessions, w.user_a1, cs.id, seeded.alice_rude).id == seeded.alice_rude
    assert coaching.coaching_example(w.sessions, w.coach_a, cs.id, seeded.alice_rude).id == seeded.alice_rude
    for other in (w.user_b1, w.user_a2, w.reviewer_b):
        with pytest.raises(PermissionDeniedError):
            coaching.coaching_example(w.sessions, other, cs.id, seeded.alice_rude)
    with pytest.raises(NotFoundError, match="is not an example of coaching session"):
        coaching.coaching_example(w.sessions, w.user_a1, cs.id, seeded.alice_polite)
    with pytest.raises(ValidationError, match="belongs to another representative"):  # examples stay the rep's own
        coaching.create_coaching_session(w.sessions, w.admin, w.rep_a1, interaction_ids=(seeded.bea_polite,))


def _chart_rows(chart) -> list[dict]:
    """The rows a Vega-Lite chart on the page plots (Streamlit sends them as Arrow)."""
    return [row for d in chart.proto.datasets
            for row in pa.ipc.open_stream(d.data.data).read_all().to_pylist()]


def _criterion_chart(at):
    return next(c for c in at.get("vega_lite_chart") if json.loads(c.proto.spec).get("title"))


def test_the_per_criterion_chart_shows_one_criterion_chosen_by_name(seeded):
    at = page_app(seeded, "progress", "coach").run()
    assert not at.exception
    chart = _criterion_chart(at)
    assert json.loads(chart.proto.spec)["title"] == "Closing"  # the weakest first
    assert {r["criterion"] for r in _chart_rows(chart)} == {"Closing"}
    assert "color" not in json.loads(chart.proto.spec)["encoding"]
    at.selectbox(key="progress_criterion").set_value("greeting").run()
    chart = _criterion_chart(at)
    assert json.loads(chart.proto.spec)["title"] == "Greeting"
    assert {r["criterion"] for r in _chart_rows(chart)} == {"Greeting"}
    assert [r["share"] for r in _chart_rows(chart)] == [50]  # Alice: one greeting in two chats this week


# Downloads --------------------------------------------------------------------------------

@pytest.fixture
def downloaded(monkeypatch):
    """What a download button gives when clicked: its deferred file, made as the browser asks."""
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.media_file_manager import MediaFileManager

    managers = []

    class Recording(MediaFileManager):
        def __init__(self, storage) -> None:
            super().__init__(storage)
            self.storage = storage
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)

    def content(at, label: str) -> tuple[str, str]:
        button = next(b for b in at.get("download_button") if b.label == label)
        url = managers[-1].execute_deferred(button.proto.deferred_file_id)
        stored = managers[-1].storage.get_file(url.rsplit("/", 1)[-1])
        return stored.filename, stored.content.decode("utf-8")

    return content


def _labels(at) -> list[str]:
    return [b.label for b in at.get("download_button")]


def _csv_ids(text: str) -> set[int]:
    return {int(r["interaction_id"]) for r in csv.DictReader(io.StringIO(text))}


def test_a_coach_downloads_a_representatives_scores_report_and_the_team(seeded, downloaded):
    at = page_app(seeded, "progress", "coach").run()
    assert not at.exception
    assert _labels(at) == ["Scores (CSV)", "Scores (JSON)", "Coaching report (HTML)",
                           "Team A: scores (CSV)", "Team A: scores (JSON)"]
    alice = {seeded.alice_polite, seeded.alice_rude}
    name, text = downloaded(at, "Scores (CSV)")
    assert name == "scores-alice.csv" and _csv_ids(text) == alice and len(text.splitlines()) == 1 + 2 * 3
    name, text = downloaded(at, "Scores (JSON)")
    assert name == "scores-alice.json"
    assert {r["interaction_id"] for r in json.loads(text)["interactions"]} == alice
    name, text = downloaded(at, "Coaching report (HTML)")
    assert name == "coaching-report-alice.html" and "<h1>Coaching report: Alice</h1>" in text
    name, text = downloaded(at, "Team A: scores (CSV)")
    assert name == "scores-team-team-a.csv" and _csv_ids(text) == alice  # Arun has no interactions yet


def test_a_representative_downloads_only_their_own(seeded, downloaded):
    at = page_app(seeded, "progress", "bea").run()
    assert not at.exception
    assert _labels(at) == ["Scores (CSV)", "Scores (JSON)", "Coaching report (HTML)"]  # no team export
    assert _csv_ids(downloaded(at, "Scores (CSV)")[1]) == {seeded.bea_polite}
    assert "<h1>Coaching report: Bea</h1>" in downloaded(at, "Coaching report (HTML)")[1]
    assert "progress_rep" not in [s.key for s in at.selectbox]  # no way to choose another representative


def test_no_downloads_for_a_representative_the_user_may_not_see(seeded):
    at = page_app(seeded, "progress", "reviewer").run()  # Rita: team A only
    assert [r for r in at.selectbox(key="progress_rep").options] == ["Alice", "Arun"]
    assert "Team B: scores (CSV)" not in _labels(at)
    w = seeded.world
    at = page_app(seeded, "progress", "alice").run()
    assert "Bea" not in texts(at) and _labels(at) == ["Scores (CSV)", "Scores (JSON)", "Coaching report (HTML)"]
    with pytest.raises(PermissionDeniedError):  # what the button would run, for someone else's representative
        from qa_coach.services.coaching_report import coaching_report_html

        coaching_report_html(w.sessions, w.user_a1, w.rep_b1)
