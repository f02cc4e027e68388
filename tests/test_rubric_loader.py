"""Rubric files: the default loads, and every kind of mistake is reported with its place:
the file, the YAML path and the line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qa_coach.domain.errors import InputError
from qa_coach.rubric.loader import RubricError, load_rubric, parse_rubric

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """\
id: mini
name: Mini
version: 1
sections:
  - id: main
    name: Main
    criteria:
      - id: greeting
        name: Greeting
        weight: {w1}
        signals:
          hello: {{type: pattern, patterns: ['\\bhello\\b'], first: 1}}
        rules:
          - {{answer: yes, when: hello}}
        otherwise: no
      - id: thanks
        name: Thanks
        weight: {w2}
        signals:
          thanked: {{type: pattern, patterns: ['thank']}}
        rules:
          - {{answer: yes, when: thanked}}
        otherwise: no
"""


def minimal(w1: float = 50, w2: float = 50) -> str:
    return MINIMAL.format(w1=w1, w2=w2)


def test_default_rubric_loads_with_the_five_core_criteria() -> None:
    rubric = load_rubric()
    ids = [c.id for c in rubric.criteria]
    for core in ("greeting", "active_listening", "empathy", "apology", "resolution"):
        assert core in ids
    assert sum(c.weight for c in rubric.criteria if not c.bonus) == pytest.approx(100)
    assert len(rubric.sha256) == 64
    assert rubric.examples, "the default rubric carries example conversations"


def test_minimal_rubric_parses() -> None:
    rubric = parse_rubric(minimal(), "mini.yaml")
    assert [c.id for c in rubric.criteria] == ["greeting", "thanks"]
    assert rubric.criterion("greeting").option("yes").fraction == 1.0
    assert rubric.version == "1"


def test_same_text_same_hash_and_different_text_different_hash() -> None:
    assert parse_rubric(minimal()).sha256 == parse_rubric(minimal()).sha256
    assert parse_rubric(minimal(40, 60)).sha256 != parse_rubric(minimal()).sha256


def problems_of(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_rubric(text, "team.yaml")
    message = str(info.value)
    assert message.startswith("team.yaml: "), message
    return message


def test_weights_that_do_not_add_up() -> None:
    msg = problems_of(minimal(50, 40))
    assert msg.startswith("team.yaml: sections (line 4): criterion weights add up to 90, not 100"), msg
    assert "greeting 50" in msg


def test_unknown_detector_suggests_the_right_name() -> None:
    msg = problems_of(minimal().replace("type: pattern, patterns: ['thank']", "type: patern, patterns: ['thank']"))
    assert "sections[0].criteria[1].signals.thanked.type" in msg
    assert "unknown detector 'patern'" in msg and "did you mean 'pattern'" in msg


def test_misspelt_field_names_the_path_and_line() -> None:
    msg = problems_of(minimal().replace("weight: 50\n        signals:\n          thanked", "wieght: 50\n        signals:\n          thanked"))
    assert "sections[0].criteria[1].wieght (line 18)" in msg
    assert "did you mean 'weight'" in msg
    assert "sections[0].criteria[1].weight" in msg and "is required" in msg


def test_missing_required_field() -> None:
    msg = problems_of(minimal().replace("name: Mini\n", ""))
    assert "name" in msg and "is required" in msg


def test_invalid_yaml_names_line_and_column() -> None:
    msg = problems_of("id: x\nname: [unclosed\n")
    assert "line" in msg and "not valid YAML" in msg


def test_empty_file() -> None:
    assert "empty" in problems_of("")


def test_rule_with_unknown_signal() -> None:
    msg = problems_of(minimal().replace("when: thanked", "when: thankd"))
    assert "sections[0].criteria[1].rules[0].when (line 22): unknown signal 'thankd'" in msg
    assert "did you mean 'thanked'" in msg


def test_unknown_signal_deep_in_a_condition() -> None:
    msg = problems_of(minimal().replace("when: thanked", "when: {any: [thanked, {not: thankd}]}"))
    assert "sections[0].criteria[1].rules[0].when.any[1].not (line 22): unknown signal 'thankd'" in msg


def test_answer_not_among_options() -> None:
    msg = problems_of(minimal().replace("answer: yes, when: thanked", "answer: partial, when: thanked"))
    assert "'partial' is not one of the answers" in msg


def test_bad_regex() -> None:
    msg = problems_of(minimal().replace("['thank']", "['thank(']"))
    assert "not a valid regular expression" in msg


def test_threshold_out_of_range() -> None:
    text = minimal().replace(
        "thanked: {type: pattern, patterns: ['thank']}",
        "thanked: {type: phrases, exemplars: ['thanks'], threshold: 1.5}",
    )
    assert "threshold" in problems_of(text) and "from 0 to 1" in problems_of(text)


def test_duplicate_criterion_id() -> None:
    msg = problems_of(minimal().replace("id: thanks", "id: greeting"))
    assert "duplicate criterion id 'greeting'" in msg


def test_unused_signal_is_reported() -> None:
    text = minimal().replace(
        "thanked: {type: pattern, patterns: ['thank']}",
        "thanked: {type: pattern, patterns: ['thank']}\n          spare: {type: pattern, patterns: ['x']}",
    )
    assert "never used by a rule: spare" in problems_of(text)


def test_sentiment_detector_needs_a_bound() -> None:
    text = minimal().replace("thanked: {type: pattern, patterns: ['thank']}", "thanked: {type: sentiment}")
    assert "needs 'at_least' or 'at_most'" in problems_of(text)


def test_example_naming_unknown_criterion() -> None:
    text = minimal() + "examples:\n  - id: e1\n    transcript: 'Agent: hello'\n    expected: {greting: yes}\n"
    assert "examples[0].expected.greting" in problems_of(text)


def test_all_problems_are_listed_not_just_the_first() -> None:
    text = minimal().replace("type: pattern, patterns: ['thank']", "type: nope").replace("first: 1", "first: 0")
    with pytest.raises(RubricError) as info:
        parse_rubric(text.replace("name: Main", "name: ''"), "t.yaml")
    assert [where for where, _ in info.value.problems] == [
        "sections[0].name (line 6)",
        "sections[0].criteria[0].signals.hello.first (line 12)",
        "sections[0].criteria[1].signals.thanked.type (line 20)",
    ]


def test_missing_file_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such rubric"):
        load_rubric(tmp_path / "absent")
    with pytest.raises(InputError, match="rubric file not found"):
        load_rubric(tmp_path / "absent.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.yaml: byte 9: not UTF-8"):
        load_rubric(bad)


def test_critical_bonus_conflict_and_answer_presets() -> None:
    text = minimal().replace("weight: 50\n        signals:\n          thanked", "weight: 50\n        critical: true\n        bonus: true\n        signals:\n          thanked")
    assert "bonus criterion cannot be critical" in problems_of(text)
    text = minimal().replace("name: Thanks\n", "name: Thanks\n        answers: scale_2_7\n")
    assert "unknown answer type 'scale_2_7'" in problems_of(text)


def test_custom_answer_list_with_points() -> None:
    text = minimal().replace(
        "name: Thanks\n",
        textwrap.indent("name: Thanks\nanswers:\n  - {key: great, points: 4}\n  - {key: ok, points: 2}\n  - {key: poor, points: 0}\n", " " * 8).lstrip(),
    ).replace("answer: yes, when: thanked", "answer: great, when: thanked").replace(
        "otherwise: no\n      - id: thanks", "otherwise: no\n      - id: thanks"
    )
    text = text[: text.rindex("otherwise: no")] + "otherwise: poor\n"
    rubric = parse_rubric(text)
    assert [o.fraction for o in rubric.criterion("thanks").options] == [1.0, 0.5, 0.0]


# -- every problem names the file, the YAML path and the line ------------------------------------
def test_wrong_type_names_path_and_line() -> None:
    msg = problems_of(minimal().replace("weight: 50\n        signals:\n          thanked", "weight: '50'\n        signals:\n          thanked"))
    assert msg == "team.yaml: sections[0].criteria[1].weight (line 18): must be a number from 0.01 to 100"


def test_a_flag_is_not_a_number_and_a_number_is_not_text() -> None:
    assert "min_count (line 12): must be a whole number ≥ 1" in problems_of(minimal().replace("first: 1", "first: 1, min_count: true"))
    text = minimal().replace("thanked: {type: pattern, patterns: ['thank']}", "thanked: {type: phrases, exemplars: [thanks], threshold: '0.5'}")
    assert "signals.thanked.threshold (line 20): must be a number from 0 to 1" in problems_of(text)


def test_bad_nested_detector_setting_names_path_and_line() -> None:
    text = minimal().replace(
        "thanked: {type: pattern, patterns: ['thank']}",
        "thanked:\n            type: sentiment_change\n            to:\n              lats: 1",
    )
    msg = problems_of(text)
    assert "sections[0].criteria[1].signals.thanked.to.lats (line 23): unknown field; did you mean 'last'?" in msg


def test_duplicate_key_names_path_and_line() -> None:
    msg = problems_of(minimal().replace("name: Thanks\n", "name: Thanks\n        name: Thanks again\n"))
    assert msg == "team.yaml: sections[0].criteria[1].name (line 18): duplicate key 'name' (first at line 17)"


def test_first_and_last_together_are_refused() -> None:
    msg = problems_of(minimal().replace("first: 1", "first: 1, last: 1"))
    assert "sections[0].criteria[0].signals.hello (line 12): give either 'first' or 'last', not both" in msg


# -- the bugs of the hand-written validator ------------------------------------------------------
def with_signal(spec: str) -> str:
    return minimal().replace("thanked: {type: pattern, patterns: ['thank']}", f"thanked: {spec}")


def test_paraphrase_min_shared_words_defaults_to_three() -> None:
    rubric = parse_rubric(with_signal("{type: paraphrase}"))
    assert rubric.criterion("thanks").signals["thanked"].min_shared_words == 3


def test_misspelt_speaker_of_a_sentiment_change_is_an_error_with_a_hint() -> None:
    msg = problems_of(with_signal("{type: sentiment_change, speaker: custmer}"))
    assert "sections[0].criteria[1].signals.thanked.speaker (line 20): unknown speaker 'custmer'" in msg
    assert "did you mean 'customer'?" in msg


def test_sentiment_change_window_must_count_turns() -> None:
    msg = problems_of(with_signal("{type: sentiment_change, from: {first: two}}"))
    assert "sections[0].criteria[1].signals.thanked.from.first (line 20): must be a whole number ≥ 1" in msg


def test_sentiment_change_reads_the_speaker_it_names() -> None:
    spec = parse_rubric(with_signal("{type: sentiment_change, speaker: agent, to: {last: 1}}")).criterion("thanks").signals["thanked"]
    assert [(s.speaker.value, s.first, s.last) for s in spec.sentiment_scopes()] == [("agent", 2, None), ("agent", None, 1)]


# -- the built-in rubric ships inside the package ------------------------------------------------
def test_builtin_rubric_loads_from_the_package_when_run_elsewhere(tmp_path: Path) -> None:
    script = (
        "import qa_coach; r = qa_coach.load_rubric(); "
        "print(r.id, len(r.criteria), r.path.endswith('qa_coach/rubric/builtin/default.yaml'))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["default", str(len(load_rubric().criteria)), "True"]


def test_rubrics_folder_shows_the_builtin_rubric() -> None:
    link = REPO / "rubrics" / "default.yaml"
    assert link.resolve() == (REPO / "qa_coach" / "rubric" / "builtin" / "default.yaml").resolve()
    assert load_rubric(link).sha256 == load_rubric("default").sha256


def test_unknown_builtin_name_lists_the_builtin_ones() -> None:
    with pytest.raises(InputError, match=r"no such rubric file or name \(built-in: [^)]*\bdefault\b"):
        load_rubric("no_such_rubric")
