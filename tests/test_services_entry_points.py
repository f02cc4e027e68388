"""The services that pages and commands call instead of the adapters: the database bootstrap,
scoring files without a database, practice scoring, customer sentiment, rubric checks and
transcription."""

from __future__ import annotations

import pytest

from qa_coach.domain.errors import InputError, QACoachError
from qa_coach.domain.interaction import Role
from qa_coach.services import database, directory, file_scoring, practice, queries, rubric_examples, rubrics, sentiment
from qa_coach.services.errors import ValidationError
from tests.db_fixtures import RUBRIC_V1, SIGNALS, chat_text, db, pg_shared, rubric_v1, world, write_chat  # noqa: F401


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QA_COACH_DATABASE_URL", raising=False)
    return tmp_path


def test_database_is_created_upgraded_and_reported(data_dir):
    with pytest.raises(QACoachError, match="qa-coach db upgrade"):
        database.open_database()  # no tables yet: refused, naming the command that makes them
    db = database.open_database(check_schema=False)
    try:
        empty = database.schema_state(db)
        assert empty.revisions == () and not empty.up_to_date and str(data_dir) in empty.location
        before, after = database.upgrade_database(db)
        assert before == empty and after.up_to_date and after.revisions == after.head
        again_before, again_after = database.upgrade_database(db)
        assert again_before == again_after == after
    finally:
        db.dispose()


def test_first_start_is_an_empty_database_and_the_app_gets_its_audio_store(data_dir):
    assert database.prepare_app_database()
    assert database.prepare_app_database()  # still empty: nothing was added
    app_db = database.open_app_database()
    assert app_db.audio_dir == data_dir / "audio" and database.demo_folder() == data_dir / "demo"
    admin = directory.local_admin(app_db.sessions).id
    directory.create_team(app_db.sessions, admin, "Team A")
    assert not database.prepare_app_database()


def test_score_files_scores_each_file_and_reports_a_bad_one_beside_the_others(tmp_path, monkeypatch):
    from qa_coach.ingest import import_conversations
    from qa_coach.services import text_models
    from qa_coach.services.scorers import scorer_for

    monkeypatch.setattr(text_models, "default_signals", lambda: SIGNALS)
    rubric = tmp_path / "support.yaml"
    rubric.write_text(RUBRIC_V1, encoding="utf-8")
    good = write_chat(tmp_path, "good.txt", "Ann", "c1", polite=True)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    rude = write_chat(tmp_path, "rude.txt", "Ann", "c2", polite=False)
    results = list(file_scoring.score_files([good, bad, rude], rubric=rubric))
    assert [r.path for r in results] == [good, bad, rude]
    assert results[1].error and "bad.json" in results[1].error and not results[1].scorecards
    direct = scorer_for(rubric_v1(), SIGNALS)
    for r in (results[0], results[2]):
        assert r.error is None and len(r.interactions) == len(r.scorecards) == 1
        expected = direct.score_many(import_conversations(r.path))[0]
        assert [(x.criterion_id, x.answer) for x in r.scorecards[0].results] == [
            (x.criterion_id, x.answer) for x in expected.results]
    assert results[0].scorecards[0].score > results[2].scorecards[0].score


class _CountingSignals:
    """The bag-of-words signals, counting the model calls and the texts in each."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def analyze(self, texts, *args, **kwargs):
        self.batches.append(len(texts))
        return SIGNALS.analyze(texts, *args, **kwargs)

    def embed(self, texts):
        self.batches.append(len(texts))
        return SIGNALS.embed(texts)


def test_score_files_batches_the_chats_of_many_files_into_one_model_call(tmp_path, monkeypatch):
    from qa_coach.services import text_models

    counting = _CountingSignals()
    monkeypatch.setattr(text_models, "default_signals", lambda: counting)
    rubric = tmp_path / "support.yaml"
    rubric.write_text(RUBRIC_V1, encoding="utf-8")
    files = [write_chat(tmp_path, f"c{i}.txt", "Ann", f"c{i}", polite=i % 2 == 0) for i in range(6)]
    no_agent = tmp_path / "no_agent.txt"
    no_agent.write_text("Customer: hello?\nCustomer: anyone there?\n", encoding="utf-8")
    files.insert(3, no_agent)
    list(file_scoring.score_files([files[0]], rubric=rubric))  # the scorer is built (its phrases embedded) once
    counting.batches.clear()
    one_at_a_time = []
    for path in files:
        one_at_a_time += list(file_scoring.score_files([path], rubric=rubric))
    calls_alone = len(counting.batches)
    counting.batches.clear()
    together = list(file_scoring.score_files(files, rubric=rubric))
    # One model call for the six good chats (the scorer's texts of a batch go in at once),
    # where one call per file was needed before; the results do not change.
    assert len(counting.batches) == 1 and calls_alone == 6
    assert [r.path for r in together] == files
    assert together[3].error and "no agent turn" in together[3].error
    for alone, batched in zip(one_at_a_time, together):
        assert alone.error == batched.error
        assert [[(x.criterion_id, x.answer, x.points) for x in c.results] for c in alone.scorecards] == [
            [(x.criterion_id, x.answer, x.points) for x in c.results] for c in batched.scorecards]


def test_score_files_reports_an_unexpected_parser_fault_for_that_file_and_goes_on(tmp_path, monkeypatch):
    from qa_coach.services import text_models

    monkeypatch.setattr(text_models, "default_signals", lambda: SIGNALS)
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path / "data"))
    real_read = file_scoring.read_interactions

    def read(path, *args, **kwargs):
        if path.name == "broken.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(file_scoring, "read_interactions", read)
    rubric = tmp_path / "support.yaml"
    rubric.write_text(RUBRIC_V1, encoding="utf-8")
    good = write_chat(tmp_path, "good.txt", "Ann", "c1", polite=True)
    broken = write_chat(tmp_path, "broken.txt", "Ann", "c2", polite=True)
    results = list(file_scoring.score_files([broken, good], rubric=rubric))
    assert "broken.txt" in results[0].error and "unexpected error: RecursionError" in results[0].error
    assert "details written to" in results[0].error and "Traceback" not in results[0].error
    assert results[1].error is None and len(results[1].scorecards) == 1


def test_score_files_refuses_a_bad_rubric_before_reading_any_file(tmp_path):
    with pytest.raises(InputError, match="missing.yaml"):
        file_scoring.score_files([tmp_path / "never-read.txt"], rubric=tmp_path / "missing.yaml")


def test_practice_scores_with_the_stored_version_and_stores_nothing(world, tmp_path):
    from qa_coach.ingest import import_conversations
    from qa_coach.services.scorers import scorer_for

    w = world
    path = write_chat(tmp_path, "roleplay.txt", "Alice", "c1", polite=True)
    before = queries.list_interactions(w.sessions, w.admin)
    cards = practice.score_practice_file(w.sessions, w.user_a1, path, w.rubric_v1, signals=SIGNALS)
    expected = scorer_for(rubric_v1(), SIGNALS).score_many(import_conversations(path))
    assert [(c.rubric_sha256, c.score) for c in cards] == [(e.rubric_sha256, e.score) for e in expected]
    assert queries.list_interactions(w.sessions, w.admin) == before
    rubrics.delete_rubric_version(w.sessions, w.admin, w.rubric_v1)
    with pytest.raises(ValidationError, match="was deleted"):
        practice.score_practice_file(w.sessions, w.user_a1, path, w.rubric_v1, signals=SIGNALS)


def test_customer_sentiment_follows_every_customer_turn_with_words(world, tmp_path):
    from qa_coach.services import ingest

    w = world
    path = write_chat(tmp_path, "a1.txt", "Alice", "c1", polite=True)
    (iid,) = ingest.ingest_file(w.sessions, w.admin, path, rubric_version_id=w.rubric_v1,
                                representative="alice@example.com", signals=SIGNALS).interaction_ids
    turns = sentiment.customer_sentiment(w.sessions, w.coach_a, iid, signals=SIGNALS)
    customer = [t for t in queries.get_interaction(w.sessions, w.admin, iid).interaction.turns
                if t.role is Role.CUSTOMER and t.text.strip()]
    assert [t.turn_index for t in turns] == [t.index for t in customer] and len(turns) == 3
    assert [t.score for t in turns] == [SIGNALS.sentiment_of(t.text).score for t in customer]
    assert turns[0].score < 0 < turns[1].score  # "broken ... frustrated", then "Thanks."


EXAMPLES = """\
examples:
  - id: polite
    transcript: |
{polite}
    expected: {{greeting: yes, closing: yes}}
  - id: said-to-fail
    transcript: |
{polite}
    expected: {{greeting: "no"}}
"""


def test_rubric_text_is_checked_and_its_examples_run(tmp_path):
    polite = "\n".join(f"      {line}" for line in chat_text("Sam", "c1", polite=True).splitlines())
    text = RUBRIC_V1 + EXAMPLES.format(polite=polite)
    rubric = rubrics.check_rubric_text(text, "uploaded.yaml")
    assert (rubric.id, len(rubric.examples)) == ("support", 2)
    report = rubric_examples.run_examples(rubric, SIGNALS)
    assert [(o.example_id, o.passed) for o in report.outcomes] == [("polite", True), ("said-to-fail", False)]
    (mismatch,) = report.outcomes[1].mismatches
    assert (mismatch.criterion_id, mismatch.expected, mismatch.actual) == ("greeting", "no", "yes")
    with pytest.raises(InputError, match=r"uploaded\.yaml.*line \d"):
        rubrics.check_rubric_text("id: x\nname: [unclosed\n", "uploaded.yaml")
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    assert rubrics.load_rubric_file(path).sha256 == rubric.sha256
    assert rubrics.load_rubric_file(None).criteria  # the default rubric


def test_a_bad_recording_fails_before_any_model_loads(tmp_path, monkeypatch):
    from qa_coach.services import text_models, transcription

    def no_models():
        raise AssertionError("the models must not load for a bad recording")

    monkeypatch.setattr(text_models, "default_signals", no_models)
    fake = tmp_path / "call.wav"
    fake.write_text("not audio at all", encoding="utf-8")
    notes: list[str] = []
    with pytest.raises(InputError, match="call.wav"):
        transcription.transcribe_recording(fake, transcription.TranscribeOptions(), note=notes.append)
    assert notes == []
