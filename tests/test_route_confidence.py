"""A criterion's calibrated confidence: each route to an answer (na, rule N, otherwise)
carries the agreement rate fitted on reviewed conversations, and the scorer reports it."""

from __future__ import annotations

import pytest
import yaml

from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn
from qa_coach.domain.scoring import Scorer
from qa_coach.rubric.loader import RubricError, load_rubric, parse_rubric
from tests.fakes import BagOfWordsSignals
from tests.rubric_texts import rubric_with


def _rubric(confidence: dict | None) -> str:
    data = yaml.safe_load(rubric_with({"type": "pattern", "patterns": ["sorry"]}))
    criterion = data["sections"][0]["criteria"][0]
    criterion["na_when"] = {"not": "asked"}
    criterion["signals"]["asked"] = {"type": "pattern", "speaker": "customer", "patterns": ["\\?"]}
    if confidence is not None:
        criterion["confidence"] = confidence
    return yaml.safe_dump(data)


def _chat(*lines: str) -> Interaction:
    roles = {"A": Role.AGENT, "C": Role.CUSTOMER}
    return Interaction("c", tuple(Turn(i, roles[x[0]], x[3:]) for i, x in enumerate(lines)), SourceRef("c.txt", "text"))


@pytest.mark.parametrize(
    ("lines", "route", "calibrated"),
    [
        (("C: why?", "A: sorry about that"), "rule 1", 0.9),
        (("C: why?", "A: here you go"), "otherwise", 0.3),
        (("C: hello", "A: hi"), "na", None),  # not in the table: the detectors' own confidence
    ],
)
def test_the_scorer_reports_the_route_and_its_calibrated_confidence(lines, route, calibrated) -> None:
    scorer = Scorer(parse_rubric(_rubric({"rule 1": 0.9, "otherwise": 0.3})), BagOfWordsSignals())
    result = scorer.score(_chat(*lines)).result("only")
    plain = Scorer(parse_rubric(_rubric(None)), BagOfWordsSignals()).score(_chat(*lines)).result("only")
    assert result.route == plain.route == route
    assert result.answer == plain.answer
    assert result.confidence == (calibrated if calibrated is not None else plain.confidence)


def test_a_route_the_criterion_does_not_have_is_refused_with_its_place() -> None:
    with pytest.raises(RubricError, match=r"confidence\.rule 2.*not a route of this criterion \(na, rule 1, otherwise\)"):
        parse_rubric(_rubric({"rule 2": 0.9}), "r.yaml")
    with pytest.raises(RubricError, match=r"confidence\.otherwise.*probability"):
        parse_rubric(_rubric({"otherwise": 1.5}), "r.yaml")


def test_the_default_rubric_sends_its_least_reliable_routes_to_review() -> None:
    listening = load_rubric().criterion("active_listening")
    confidence = dict(listening.route_confidence)
    routes = {f"rule {n}" for n in range(1, len(listening.rules) + 1)} | {"otherwise"}
    assert confidence and set(confidence) <= routes
    assert all(0 <= v <= 1 for v in confidence.values())
