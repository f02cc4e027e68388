"""The rubric schema: the one definition of the rubric file format, its JSON Schema in
docs/, and the domain detectors it builds."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from qa_coach.domain.detectors import DetectorSpec
from qa_coach.domain.interaction import Role
from qa_coach.domain.scoring import sentiment_roles
from qa_coach.rubric import schema
from qa_coach.rubric.loader import load_rubric, parse_rubric
from tests.rubric_texts import rubric_with

REPO = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO / "docs" / "rubric.schema.json"
REGENERATE = "python -m qa_coach.rubric.schema > docs/rubric.schema.json"

# The fewest settings each detector type needs: a new type must be added here.
MINIMAL_SETTINGS = {
    "phrases": {"exemplars": ["thanks for waiting"]},
    "act": {"tags": ["apologises"]},
    "details": {"events": ["re-asked"]},
    "requests": {"outcomes": ["unanswered"]},
    "pattern": {"patterns": ["thank"]},
    "question": {},
    "paraphrase": {},
    "sentiment": {"at_most": -0.5},
    "sentiment_change": {},
    "metric": {"name": "silence_ratio", "at_most": 0.3},
}


def test_committed_json_schema_is_current() -> None:
    if SCHEMA_FILE.read_text(encoding="utf-8") != schema.json_schema_text():
        pytest.fail(f"docs/rubric.schema.json is out of date with qa_coach/rubric/schema.py: run `{REGENERATE}`")


def test_json_schema_accepts_the_default_rubric_and_refuses_mistakes() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    default = yaml.safe_load(Path(load_rubric().path).read_text(encoding="utf-8"))
    assert list(validator.iter_errors(default)) == []
    wrong = yaml.safe_load(rubric_with({"type": "sentiment_change", "speaker": "custmer", "from": {"first": "two"}}))
    assert len(list(validator.iter_errors(wrong))) >= 1
    wrong["sections"][0]["criteria"][0]["wieght"] = 100
    assert any("wieght" in e.message for e in validator.iter_errors(wrong))


def test_default_rubric_names_the_schema_for_editors() -> None:
    first_line = (REPO / "rubrics" / "default.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../docs/rubric.schema.json"
    assert (REPO / "rubrics" / "../docs/rubric.schema.json").resolve() == SCHEMA_FILE.resolve()


def test_every_detector_type_has_minimal_settings_here() -> None:
    assert set(MINIMAL_SETTINGS) == set(schema.DETECTOR_TYPES)


@pytest.mark.parametrize("kind", schema.DETECTOR_TYPES)
def test_every_detector_type_builds_a_complete_domain_detector(kind: str) -> None:
    rubric = parse_rubric(rubric_with({"type": kind, **MINIMAL_SETTINGS[kind]}), f"{kind}.yaml")
    spec = rubric.criterion("only").signals["found"]
    assert isinstance(spec, DetectorSpec)  # phrases(), sentiment_scopes(), turn_tags() and detect()
    assert isinstance(spec.phrases(), tuple) and isinstance(spec.sentiment_scopes(), tuple)
    assert isinstance(spec.turn_tags(), tuple)


def test_domain_detectors_hold_no_defaults_of_their_own() -> None:
    """The schema is the one place for defaults: a detector is built with every setting."""
    specs = [parse_rubric(rubric_with({"type": k, **v})).criterion("only").signals["found"] for k, v in MINIMAL_SETTINGS.items()]
    for cls in {type(s) for s in specs} | {type(s.sentiment_scopes()[0]) for s in specs if s.sentiment_scopes()}:
        defaulted = [
            f.name
            for f in dataclasses.fields(cls)
            if f.init and (f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
        ]
        assert defaulted == [], f"{cls.__name__} has defaults for {defaulted}"


def test_sentiment_is_computed_for_the_speakers_that_detectors_read() -> None:
    def roles(signal: dict) -> set[str]:
        return {r.value for r in sentiment_roles(parse_rubric(rubric_with(signal)))}

    assert roles({"type": "pattern", "patterns": ["x"]}) == set()
    assert roles({"type": "sentiment", "at_least": 0.2}) == {Role.CUSTOMER.value}
    assert roles({"type": "sentiment", "speaker": "any", "at_least": 0.2}) == {"agent", "customer"}
    assert roles({"type": "sentiment_change", "speaker": "agent"}) == {Role.AGENT.value}


def test_yaml_yes_and_no_are_answer_keys() -> None:
    text = rubric_with({"type": "pattern", "patterns": ["x"]}).replace("'yes'", "yes").replace("'no'", "no")
    assert "answer: yes" in text and "otherwise: no" in text  # booleans to YAML 1.1
    criterion = parse_rubric(text).criterion("only")
    assert (criterion.rules[0].answer, criterion.otherwise) == ("yes", "no")
