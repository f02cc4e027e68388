"""Rubric files: the default loads, and every kind of mistake is reported with its place."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from qa_coach.domain.errors import InputError
from qa_coach.rubric_loader import RubricError, load_rubric, parse_rubric

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
    assert "add up to 90, not 100" in msg and "greeting 50" in msg


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
    assert "unknown signal 'thankd'" in msg and "did you mean 'thanked'" in msg


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
    with pytest.raises(RubricError) as info:
        parse_rubric(minimal(50, 40).replace("type: pattern, patterns: ['thank']", "type: nope"), "t.yaml")
    assert len(info.value.problems) >= 2


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
