"""The qa_dev evaluation: loading the real labelled chats, the reviewers' agreement, the
cross-validation harness, and ``qa-coach evaluate`` with the real chats reported first."""

from __future__ import annotations

from dataclasses import replace

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa_coach.evaluation.sentiment as sentiment_evaluation
from qa_coach.services import scorers, text_models
from qa_coach.cli import main
from qa_coach.domain.errors import InputError
from qa_coach.evaluation.cross_validation import cross_validate, repeated_k_fold
from qa_coach.evaluation.qa_dev import CRITERIA, QaDevMissing, ReviewedChat, load_qa_dev
from qa_coach.evaluation.qa_dev_accuracy import (
    CriterionAnswer,
    evaluate_qa_dev,
    fits_nothing,
    fits_route_confidence,
    route_confidence,
)
from qa_coach.ingest import import_text
from tests.fakes import BagOfWordsSignals

HEADER = "id\tsource\tindex\t" + "\t".join(f"{c}_a\t{c}_b\t{c}" for c in CRITERIA)


@pytest.fixture
def qa_dev_dir(extdata) -> Path:
    return extdata("chat", "qa_dev", "labels.tsv").parent


# --- loading -------------------------------------------------------------------------------


def test_loads_the_73_real_chats_with_their_labels(qa_dev_dir: Path) -> None:
    chats = load_qa_dev(qa_dev_dir)
    assert len(chats) == 73
    assert [c.id for c in chats] == sorted(p.stem for p in (qa_dev_dir / "transcripts").glob("*.txt"))
    rows = [line.split("\t") for line in (qa_dev_dir / "labels.tsv").read_text().splitlines()]
    header, by_id = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert len(by_id) == 73 and "note" not in header
    for chat in chats:
        row = by_id[chat.id]
        assert chat.source == row["source"] in ("MWOZ", "SGD")
        assert chat.label == {c: row[c] for c in CRITERIA}
        assert chat.reviewer_a == {c: row[f"{c}_a"] for c in CRITERIA}
        assert chat.reviewer_b == {c: row[f"{c}_b"] for c in CRITERIA}
        lines = (qa_dev_dir / "transcripts" / f"{chat.id}.txt").read_text().splitlines()
        assert len(chat.interaction.turns) == len([ln for ln in lines if ln.strip()])
        assert chat.interaction.turns[0].text == lines[0].split(": ", 1)[1].strip()
    assert Counter(c.source for c in chats) == {"MWOZ": 48, "SGD": 25}  # as the set's README says


def test_reviewers_agree_as_the_set_documents(qa_dev_dir: Path) -> None:
    from qa_coach.domain.agreement import cohen_kappa

    chats = load_qa_dev(qa_dev_dir)
    kappa = {c: round(cohen_kappa([x.reviewer_a[c] for x in chats], [x.reviewer_b[c] for x in chats]), 2) for c in CRITERIA}
    assert kappa == {"greeting": 0.89, "active_listening": 0.72, "empathy": 0.93, "apology": 0.85, "resolution": 0.90}
    disagreements = sum(x.reviewer_a[c] != x.reviewer_b[c] for x in chats for c in CRITERIA)
    assert disagreements == 26  # "their 26 disagreements were adjudicated"


def _write_set(folder: Path, rows: list[str], transcripts: dict[str, str]) -> Path:
    (folder / "transcripts").mkdir(parents=True)
    (folder / "labels.tsv").write_text("\n".join([HEADER, *rows]) + "\n")
    for name, text in transcripts.items():
        (folder / "transcripts" / f"{name}.txt").write_text(text)
    return folder


_GOOD = "\t".join(["yes", "yes", "yes"] * 2 + ["na"] * 6 + ["partial"] * 3)
_CHAT = "Customer: I need a table for two.\nAgent: Sure, for what time?\n"


def test_a_bad_label_is_refused_naming_the_file_line_and_column(tmp_path: Path) -> None:
    bad = _GOOD.split("\t")
    bad[4] = "maybe"  # active_listening_b
    folder = _write_set(tmp_path / "qa", [f"X1\tMWOZ\t1\t{_GOOD}", f"X2\tSGD\t2\t" + "\t".join(bad)],
                        {"X1": _CHAT, "X2": _CHAT})
    with pytest.raises(InputError) as err:
        load_qa_dev(folder)
    assert str(err.value) == (
        f"{folder / 'labels.tsv'}: line 3, column 'active_listening_b': 'maybe' is not one of yes, partial, no"
    )


def test_a_label_the_guide_does_not_allow_for_that_criterion_is_refused(tmp_path: Path) -> None:
    row = _GOOD.split("\t")
    row[2] = "na"  # greeting: yes or no only
    folder = _write_set(tmp_path / "qa", ["X1\tMWOZ\t1\t" + "\t".join(row)], {"X1": _CHAT})
    with pytest.raises(InputError, match=r"line 2, column 'greeting': 'na' is not one of yes, no"):
        load_qa_dev(folder)


def test_missing_transcripts_columns_and_duplicates_are_refused(tmp_path: Path) -> None:
    no_transcript = _write_set(tmp_path / "a", [f"X1\tMWOZ\t1\t{_GOOD}"], {})
    with pytest.raises(InputError, match=r"labels.tsv: line 2, column 'id': no transcript .*X1.txt"):
        load_qa_dev(no_transcript)
    unlabelled = _write_set(tmp_path / "b", [f"X1\tMWOZ\t1\t{_GOOD}"], {"X1": _CHAT, "X9": _CHAT})
    with pytest.raises(InputError, match=r"labels.tsv: no row for the transcripts X9"):
        load_qa_dev(unlabelled)
    duplicate = _write_set(tmp_path / "c", [f"X1\tMWOZ\t1\t{_GOOD}"] * 2, {"X1": _CHAT})
    with pytest.raises(InputError, match=r"line 3, column 'id': duplicate id 'X1'"):
        load_qa_dev(duplicate)
    short = _write_set(tmp_path / "d", ["X1\tMWOZ\t1\tyes"], {"X1": _CHAT})
    with pytest.raises(InputError, match=r"line 2: expected 18 tab-separated values"):
        load_qa_dev(short)
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "labels.tsv").write_text("id\tgreeting\n")
    with pytest.raises(InputError, match=r"header: missing column\(s\) source, greeting_a"):
        load_qa_dev(tmp_path / "e")


def test_an_absent_folder_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(QaDevMissing, match=str(tmp_path / "nowhere" / "labels.tsv")):
        load_qa_dev(tmp_path / "nowhere")


# --- cross-validation harness --------------------------------------------------------------


@pytest.mark.parametrize("n,k", [(73, 5), (10, 5), (7, 3), (5, 5)])
def test_each_repeat_partitions_the_items_into_near_equal_folds(n: int, k: int) -> None:
    folds = repeated_k_fold(n, k=k, repeats=4, seed=11)
    assert len(folds) == 4 * k
    for repeat in range(4):
        tests = [f.test for f in folds if f.repeat == repeat]
        assert sorted(i for t in tests for i in t) == list(range(n))
        assert max(map(len, tests)) - min(map(len, tests)) <= 1
    for f in folds:
        assert set(f.train).isdisjoint(f.test) and set(f.train) | set(f.test) == set(range(n))


def test_folds_are_reproducible_from_the_seed_and_differ_between_repeats_and_seeds() -> None:
    assert repeated_k_fold(73, seed=3) == repeated_k_fold(73, seed=3)
    assert repeated_k_fold(73, seed=3) != repeated_k_fold(73, seed=4)
    first, second = (tuple(f.test for f in repeated_k_fold(73, seed=3) if f.repeat == r) for r in (0, 1))
    assert first != second


def test_strata_are_dealt_evenly_across_the_folds() -> None:
    strata = ["no"] * 12 + ["yes"] * 50 + ["na"] * 11
    for fold in repeated_k_fold(len(strata), k=5, repeats=3, seed=0, strata=strata):
        per = Counter(strata[i] for i in fold.test)
        assert all(abs(per[s] - Counter(strata)[s] / 5) < 1 for s in ("no", "yes", "na")), per


def test_bad_fold_settings_are_refused() -> None:
    for kwargs in ({"k": 1}, {"k": 8}, {"repeats": 0}, {"strata": ["a"]}):
        with pytest.raises(ValueError):
            repeated_k_fold(7, **kwargs)


def test_no_item_is_ever_predicted_by_a_fit_that_saw_it() -> None:
    items = [f"c{i}" for i in range(23)]
    trained_on: list[set[str]] = []
    predicted: list[tuple[int, list[str]]] = []

    def fitter(training):
        seen = set(training)
        fit = len(trained_on)
        trained_on.append(seen)

        def predict(unseen):
            predicted.append((fit, list(unseen)))
            return [f"{x} by fit {fit}" for x in unseen]

        return predict

    out = cross_validate(items, fitter, k=5, repeats=3, seed=1)
    assert len(trained_on) == 15 and len(predicted) == 15
    for fit, unseen in predicted:
        assert trained_on[fit].isdisjoint(unseen)
        assert trained_on[fit] | set(unseen) == set(items)
    assert [len(repeat) for repeat in out] == [23] * 3
    for repeat in out:  # one prediction per item, in item order
        assert [p.split(" by ")[0] for p in repeat] == items


def test_a_predictor_that_skips_items_is_an_error() -> None:
    with pytest.raises(ValueError, match="answered 0 of"):
        cross_validate(list(range(10)), lambda training: (lambda unseen: []), k=2, repeats=1)


# --- the report on synthetic chats ---------------------------------------------------------


def _chats(labels: list[str]) -> list[ReviewedChat]:
    out = []
    for i, label in enumerate(labels):
        (interaction,) = import_text(f"Customer: question {i}\nAgent: answer {i}", name=f"c{i}", format="text")
        every = {c: label if label in CRITERIA[c] else CRITERIA[c][0] for c in CRITERIA}
        out.append(ReviewedChat(f"c{i}", "test", interaction, every, every, every))
    return out


def _answers(values: list[tuple[str, float]]) -> list[dict[str, CriterionAnswer]]:
    return [{c: CriterionAnswer(a, conf, "why") for c in CRITERIA} for a, conf in values]


def test_a_fitter_that_fits_nothing_gives_the_plain_figures_out_of_fold() -> None:
    labels = ["yes", "no"] * 10
    chats = _chats(labels)
    answers = _answers([("yes" if i % 3 else "no", 0.3 + 0.05 * i) for i in range(20)])
    report = evaluate_qa_dev(chats, answers, fits_nothing({c.id: a for c, a in zip(chats, answers)}), threshold=0.5)
    greeting = report.criteria[0]
    assert greeting.criterion == "greeting" and report.missing_criteria == ()
    assert greeting.scorer.n == 20 and greeting.reviewers.kappa == 1.0
    cv = greeting.cross_validated
    assert cv.kappa.mean == pytest.approx(greeting.scorer.kappa) and cv.kappa.low == cv.kappa.high
    assert cv.agreement.mean == pytest.approx(greeting.scorer.agreement)
    # confidence 0.3 + 0.05 i: answers 0..3 are below 0.5, 4..19 at or above it
    assert (greeting.unsure.n.mean, greeting.confident.n.mean) == (4, 16)
    assert sum(map(sum, greeting.confusion.counts)) == 20
    assert greeting.confusion.count("yes", "no") == sum(1 for i in range(20) if labels[i] == "yes" and i % 3 == 0)
    wrong = [d for d in report.disagreements if d.criterion == "greeting"]
    assert len(wrong) == round((1 - greeting.scorer.agreement) * 20)


def test_a_fitter_that_memorises_its_training_chats_scores_nothing_out_of_fold() -> None:
    chats = _chats(["yes", "no"] * 10)
    flipped = {"yes": "no", "no": "yes"}

    def memorise(training):
        known = {c.id: c.label for c in training}
        return lambda unseen: [
            {crit: CriterionAnswer(known.get(c.id, {}).get(crit, flipped[c.label["greeting"]]), 0.9, "") for crit in CRITERIA}
            for c in unseen
        ]

    in_sample = memorise(chats)(chats)  # would agree perfectly on chats it saw
    report = evaluate_qa_dev(chats, in_sample, memorise, threshold=0.5)
    greeting = report.criteria[0]
    assert greeting.scorer.agreement == 1.0
    assert greeting.cross_validated.agreement.mean == 0.0  # every chat answered by a fit that never saw it


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def no_sentiment_data(monkeypatch, tmp_path):
    monkeypatch.setattr(sentiment_evaluation, "EXTDATA", tmp_path / "no-extdata")


@pytest.fixture
def stand_in_models(monkeypatch):
    scorers.clear_scorers()
    monkeypatch.setattr(text_models, "default_signals", BagOfWordsSignals)
    yield
    scorers.clear_scorers()


@pytest.fixture
def fresh_scorer():
    scorers.clear_scorers()
    yield
    scorers.clear_scorers()


def _evaluate(*args: str):
    return CliRunner().invoke(main, ["evaluate", *args], catch_exceptions=False)


def test_evaluate_json_reports_qa_dev_first(qa_dev_dir, stand_in_models, no_sentiment_data) -> None:
    result = _evaluate("--json", "--qa-dev", str(qa_dev_dir))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["qa_dev", "eval_labelled", "sentiment"]
    qa_dev = report["qa_dev"]
    assert qa_dev["n_chats"] == 73 and (qa_dev["folds"], qa_dev["repeats"]) == (5, 5)
    assert [c["criterion"] for c in qa_dev["criteria"]] == list(CRITERIA)
    for c in qa_dev["criteria"]:
        assert c["scorer"]["n"] == 73 and c["reviewers"]["n"] == 73
        assert c["confident"]["n"]["mean"] + c["unsure"]["n"]["mean"] == 73
        assert sum(map(sum, c["confusion"]["counts"])) == 73
        assert set(c["confusion"]["labels"]) <= {"yes", "partial", "no", "na"}
    assert [round(c["reviewers"]["kappa"], 2) for c in qa_dev["criteria"]] == [0.89, 0.72, 0.93, 0.85, 0.90]
    assert "disagreements" not in qa_dev
    assert report["eval_labelled"]["note"] == "written by the project team: a regression set, not evidence of accuracy"
    assert "TweetEval not found" in report["sentiment"]["skipped"]


def test_evaluate_without_qa_dev_says_so_and_goes_on(tmp_path, stand_in_models, no_sentiment_data) -> None:
    result = _evaluate("--qa-dev", str(tmp_path / "absent"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Scorer vs reviewers on real chats (qa_dev): skipped. qa_dev not found: no {tmp_path / 'absent' / 'labels.tsv'} "
        "(the real labelled chats live in ../shared beside the repository)"
    )
    assert any(ln.startswith("Scorer vs eval/labelled, written by the project team") for ln in lines)
    assert any(ln.startswith("Sentiment:") for ln in lines)
    as_json = json.loads(_evaluate("--json", "--qa-dev", str(tmp_path / "absent")).stdout)
    assert "qa_dev not found" in as_json["qa_dev"]["skipped"]


def test_evaluate_refuses_a_bad_labels_file_without_a_traceback(tmp_path, stand_in_models) -> None:
    bad = _GOOD.replace("partial", "Partial", 1)
    folder = _write_set(tmp_path / "qa", [f"X1\tMWOZ\t1\t{bad}"], {"X1": _CHAT})
    result = _evaluate("--qa-dev", str(folder))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {folder / 'labels.tsv'}: line 2, column 'resolution_a': 'Partial' is not one of yes, partial, no"
    )
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_evaluate_with_the_real_models_tables_qa_dev_first(qa_dev_dir, fresh_scorer, no_sentiment_data) -> None:
    text = _evaluate("--qa-dev", str(qa_dev_dir))
    assert text.exit_code == 0, text.output
    out = text.stdout
    assert out.startswith(f"Scorer vs reviewers on real chats: qa_dev, 73 chats ({qa_dev_dir})")
    assert out.index("Confusion matrices") < out.index("Scorer vs eval/labelled, written by the project team")
    for criterion in CRITERIA:
        assert f"\n    {criterion:<18}  73" in out
    report = json.loads(_evaluate("--json", "--show-errors", "--qa-dev", str(qa_dev_dir)).stdout)["qa_dev"]
    for c in report["criteria"]:
        wrong = [d for d in report["disagreements"] if d["criterion"] == c["criterion"]]
        assert c["scorer"]["agreement"] == round(1 - len(wrong) / 73, 3)
        # nothing in the shipped scorer is fitted: its cross-validated kappa is its plain kappa
        assert c["cross_validated"]["kappa"]["mean"] == c["scorer"]["kappa"]
        labels = c["confusion"]["labels"]
        off_diagonal = sum(n for i, row in enumerate(c["confusion"]["counts"]) for j, n in enumerate(row) if i != j)
        assert off_diagonal == len(wrong)
        assert all(d["human"] in labels and d["scorer"] in labels and d["rationale"] for d in wrong)


# --- calibrated confidence -----------------------------------------------------------------


def test_route_confidence_is_each_routes_smoothed_agreement() -> None:
    chats = _chats(["yes"] * 10)
    # route "rule 1" answers yes (always right), "otherwise" answers no (right never)
    answers = [{c: CriterionAnswer("yes" if i < 8 else "no", 0.9, "why", "rule 1" if i < 8 else "otherwise")
                for c in CRITERIA} for i in range(10)]
    table = route_confidence(chats, answers)
    assert table["greeting"] == {"otherwise": round(1 / 4, 2), "rule 1": round(9 / 10, 2)}


def test_calibrated_confidence_is_fitted_on_the_training_folds_only_and_splits_right_from_wrong() -> None:
    labels = ["yes", "no"] * 15
    chats = _chats(labels)
    # "rule 1" is right on every chat, "otherwise" wrong on every chat; the scorer's own
    # confidence says the opposite (0.9 for the wrong route), and a route only one chat
    # takes was never seen in training: it goes to review, whatever the scorer's confidence
    answers = []
    for i, label in enumerate(labels):
        route = "rule 1" if i % 3 else "otherwise"
        wrong = "no" if label == "yes" else "yes"
        answers.append({c: CriterionAnswer(label if route == "rule 1" else wrong, 0.2 if route == "rule 1" else 0.9,
                                           "why", route) for c in CRITERIA})
    answers[0] = {c: replace(a, route="rule 9", confidence=0.99) for c, a in answers[0].items()}
    by_id = {c.id: a for c, a in zip(chats, answers)}
    report = evaluate_qa_dev(chats, answers, fits_route_confidence(by_id), threshold=0.5)
    greeting = report.criteria[0]
    assert greeting.confident.agreement.mean == 1.0 and greeting.confident.n.mean == 20
    assert greeting.unsure.agreement.mean == 0.0 and greeting.unsure.n.mean == 10  # 9 "otherwise" + "rule 9"
    plain = evaluate_qa_dev(chats, answers, fits_nothing(by_id), threshold=0.5).criteria[0]
    assert plain.confident.agreement.mean < 0.5  # the uncalibrated confidence sent the wrong answers on
