"""The scorer's arithmetic and rules, with a bag-of-words stand-in for the models."""

from __future__ import annotations

import pytest

from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn
from qa_coach.domain.scoring import NothingToScoreError, Scorer
from qa_coach.rubric.loader import parse_rubric
from tests.fakes import BagOfWordsSignals

RUBRIC = """
id: t
name: Test
version: 2
sections:
  - id: open
    name: Opening
    criteria:
      - id: greeting
        name: Greeting
        weight: 20
        signals:
          hello: {type: pattern, speaker: agent, first: 1, patterns: ['\\bhello\\b']}
        rules: [{answer: yes, when: hello}]
        otherwise: no
  - id: care
    name: Care
    criteria:
      - id: apology
        name: Apology
        weight: 30
        na_reason: nothing went wrong
        signals:
          upset: {type: sentiment, speaker: customer, aggregate: min, at_most: -0.5}
          sorry: {type: phrases, speaker: agent, exemplars: ['sorry for the trouble'], threshold: 0.6}
        na_when: {not: upset}
        rules: [{answer: yes, when: sorry}]
        otherwise: no
      - id: help
        name: Help
        weight: 50
        answers: yes_partial_no
        signals:
          fixed: {type: phrases, speaker: customer, last: 1, exemplars: ['thanks that fixed it'], threshold: 0.6}
          ticket: {type: pattern, speaker: agent, patterns: ['ticket']}
        rules:
          - {answer: yes, when: fixed}
          - {answer: partial, when: ticket}
        otherwise: no
  - id: conduct
    name: Conduct
    critical_scope: {scope}
    criteria:
      - id: courtesy
        name: Courtesy
        weight: 0.01
        critical: true
        signals:
          rude: {type: pattern, patterns: ['shut up']}
        rules: [{answer: no, when: rude}]
        otherwise: yes
"""


def rubric(scope: str = "interaction"):
    text = RUBRIC.replace("{scope}", scope).replace("weight: 50", "weight: 49.99")
    return parse_rubric(text, "t.yaml")


def chat(*lines: str) -> Interaction:
    turns = []
    for i, line in enumerate(lines):
        who, text = line.split(": ", 1)
        turns.append(Turn(i, Role.AGENT if who == "A" else Role.CUSTOMER, text, start=10.0 * i))
    return Interaction("c1", tuple(turns), SourceRef("chat.txt", "text"))


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(rubric(), BagOfWordsSignals())


def test_na_leaves_the_denominator(scorer: Scorer) -> None:
    card = scorer.score(chat("A: hello there", "C: where is my parcel", "A: it arrives today", "C: thanks that fixed it"))
    apology = card.result("apology")
    assert apology.na and apology.answer is None and apology.na_reason == "nothing went wrong"
    # greeting 20 + help 49.99 + courtesy 0.01 earned out of 70 possible
    assert card.score == pytest.approx(100.0)


def test_partial_and_no_answers_and_weighted_total(scorer: Scorer) -> None:
    card = scorer.score(chat("A: hi", "C: this is terrible and broken", "A: I opened a ticket", "C: ok"))
    assert card.result("greeting").answer == "no"
    assert card.result("apology").answer == "no"
    assert card.result("help").answer == "partial"
    assert card.score == pytest.approx(100 * (0 + 0 + 49.99 * 0.5 + 0.01) / 100, abs=0.01)


def test_evidence_quotes_the_turn_and_its_time(scorer: Scorer) -> None:
    card = scorer.score(chat("A: hello", "C: this is terrible and broken", "A: sorry for the trouble", "C: thanks that fixed it"))
    apology = card.result("apology")
    assert apology.answer == "yes"
    (ev,) = [e for e in apology.evidence if e.role is Role.AGENT]
    assert ev.quote == "sorry for the trouble" and ev.time == "00:20" and ev.start == 20.0
    assert "similar (1.00)" in ev.signal
    assert "upset" not in apology.rationale or "sorry: yes" in apology.rationale


def test_failed_critical_zeroes_the_score() -> None:
    card = Scorer(rubric(), BagOfWordsSignals()).score(chat("A: hello", "C: hi", "A: shut up", "C: thanks that fixed it"))
    assert card.result("courtesy").failed_critical
    assert card.auto_failed and card.score == 0.0


def test_section_scoped_critical_zeroes_only_its_section() -> None:
    card = Scorer(rubric("section"), BagOfWordsSignals()).score(chat("A: hello", "C: hi", "A: shut up", "C: thanks that fixed it"))
    assert not card.auto_failed
    conduct = [s for s in card.sections if s.name == "Conduct"][0]
    assert conduct.auto_failed and conduct.score == 0.0
    assert card.score == pytest.approx(100 * 69.99 / 70, abs=0.01)


def test_same_input_same_scorecard(scorer: Scorer) -> None:
    c = chat("A: hello", "C: this is terrible", "A: sorry for the trouble, I opened a ticket", "C: ok")
    assert scorer.score(c) == scorer.score(c)
    assert scorer.score_many([c, c]) == [scorer.score(c)] * 2


def test_bot_and_note_turns_are_not_scored(scorer: Scorer) -> None:
    c = Interaction(
        "c2",
        (
            Turn(0, Role.BOT, "hello, I am a bot"),
            Turn(1, Role.AGENT, "hi"),
            Turn(2, Role.NOTE, "hello internal note"),
            Turn(3, Role.CUSTOMER, "thanks that fixed it"),
        ),
        SourceRef(None, "text"),
    )
    assert scorer.score(c).result("greeting").answer == "no"


def test_no_agent_turn_is_a_clear_error(scorer: Scorer) -> None:
    c = Interaction("c3", (Turn(0, Role.CUSTOMER, "hello?"),), SourceRef("x.json", "azure", "conversation 2"))
    with pytest.raises(NothingToScoreError, match=r"x.json: conversation 2: no agent turn"):
        scorer.score(c)


def test_scorecard_names_the_rubric_version(scorer: Scorer) -> None:
    card = scorer.score(chat("A: hello", "C: ok"))
    assert (card.rubric_id, card.rubric_version) == ("t", "2") and len(card.rubric_sha256) == 64
