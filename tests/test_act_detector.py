"""The act detector: criteria that rubric authors build on the turn tags, from the rubric
file to the quoted evidence, with the tagger asked only when a rubric reads tags."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from qa_coach.domain.detectors import ActSpec, Scope
from qa_coach.domain.detectors.base import ScoringContext, build_units
from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn
from qa_coach.domain.scoring import Scorer, tags_read
from qa_coach.domain.turn_tags import TAG_NAMES, TAGS
from qa_coach.rubric.loader import RubricError, parse_rubric
from tests.fakes import TAG_OFF, TAG_ON, BagOfWordsSignals
from tests.rubric_texts import rubric_with

REPO = Path(__file__).resolve().parents[1]
COL = {name: i for i, name in enumerate(TAG_NAMES)}

RUBRIC = """
id: acts
name: Acts
version: 1
sections:
  - id: care
    criteria:
      - id: apology
        name: Apology
        weight: 60
        na_when: {not: {any: [failure, complaint]}}
        na_reason: nothing went wrong
        signals:
          failure: {type: act, tags: [reports_failure]}
          complaint: {type: act, tags: [complains, rejects_or_unsolved]}
          apologises: {type: act, tags: [apologises]}
        rules: [{answer: yes, when: apologises}]
        otherwise: no
      - id: closing
        name: Closing
        weight: 40
        signals:
          closes: {type: act, tags: [closes, offers_further_help], last: 1}
        rules: [{answer: yes, when: closes}]
        otherwise: no
"""

FAILED_BOOKING = (
    "C: Hi, I'd like to book a table for four at Luna tonight at 8.",
    "A: I'm sorry, I was unable to book it: Luna has no tables left at 8 pm.",
    "A: Would 9 pm work instead?",
    "C: Yes, 9 is fine, thanks.",
    "A: Great, you're booked for 9 pm. Have a nice day!",
)


def chat(*lines: str) -> Interaction:
    roles = {"A": Role.AGENT, "C": Role.CUSTOMER, "B": Role.BOT}
    turns = tuple(
        Turn(i, roles[line[0]], line.split(": ", 1)[1], start=10.0 * i) for i, line in enumerate(lines)
    )
    return Interaction("c1", turns, SourceRef("chat.txt", "text"))


# --- the rubric file ---------------------------------------------------------------------------


def test_an_act_signal_reads_the_turns_of_its_tags_speaker() -> None:
    signals = parse_rubric(RUBRIC, "acts.yaml").criterion("apology").signals
    assert signals["apologises"] == ActSpec(
        tags=("apologises",),
        scope=Scope(speaker=Role.AGENT, first=None, last=None, substantive=False),
        threshold=None,
        min_count=1,
    )
    assert signals["complaint"].scope.speaker is Role.CUSTOMER
    assert signals["complaint"].turn_tags() == ("complains", "rejects_or_unsolved")
    spec = parse_rubric(rubric_with({"type": "act", "tags": ["thanks_or_accepts"], "speaker": "customer",
                                    "last": 2, "substantive": True, "threshold": 0.3, "min_count": 2})).criterion("only").signals["found"]
    assert (spec.scope, spec.threshold, spec.min_count) == (
        Scope(speaker=Role.CUSTOMER, first=None, last=2, substantive=True), 0.3, 2
    )


@pytest.mark.parametrize(
    ("settings", "where", "message"),
    [
        ({"tags": ["apologizes"]}, "tags[0]", "unknown turn tag 'apologizes'; did you mean 'apologises'?"),
        ({"tags": ["says_hi"]}, "tags[0]", "unknown turn tag 'says_hi' (use opens_or_offers_help, apologises"),
        ({"tags": []}, "tags", "must not be empty"),
        ({"tags": ["apologises", "complains"]}, "tags[1]", "'complains' is a tag of customer turns and 'apologises' of agent turns"),
        ({"tags": ["closes", "closes"]}, "tags[1]", "'closes' is listed twice"),
        ({"tags": ["apologises"], "speaker": "customer"}, "speaker", "'apologises' is a tag of agent turns, which a customer turn never carries"),
        ({"tags": ["complains"], "speaker": "any"}, "speaker", "unknown speaker 'any' (use customer, agent)"),
        ({"tags": ["apologises"], "threshold": 1.5}, "threshold", "must be a probability from 0 to 1"),
        ({"tags": ["apologises"], "min_count": 0}, "min_count", "must be a whole number ≥ 1"),
        ({"tags": ["apologises"], "first": 1, "last": 1}, "", "give either 'first' or 'last', not both"),
    ],
)
def test_mistakes_in_an_act_signal_name_the_place_and_the_fix(settings: dict, where: str, message: str) -> None:
    with pytest.raises(RubricError) as info:
        parse_rubric(rubric_with({"type": "act", **settings}), "team.yaml")
    path = "sections[0].criteria[0].signals.found" + (f".{where}" if where else "")
    assert str(info.value).startswith(f"team.yaml: {path} (line ")
    assert message in str(info.value)


def test_the_domain_detector_refuses_a_tag_of_the_other_speaker() -> None:
    scope = Scope(speaker=Role.CUSTOMER, first=None, last=None, substantive=False)
    with pytest.raises(ValueError, match="'apologises' is a tag of agent turns"):
        ActSpec(tags=("apologises",), scope=scope, threshold=None, min_count=1)
    with pytest.raises(ValueError, match="unknown turn tag 'sorry'"):
        ActSpec(tags=("sorry",), scope=scope, threshold=None, min_count=1)


# --- the detector on known probabilities ----------------------------------------------------------


def context(interaction: Interaction, probs: dict[str, dict[str, float]], thresholds: dict[str, float] | None = None) -> ScoringContext:
    """Units of ``interaction`` with the tag probabilities given per unit text (0 elsewhere)."""
    units = build_units(interaction)
    tags = np.zeros((len(units), len(TAG_NAMES)), dtype=np.float32)
    for i, unit in enumerate(units):
        for name, p in probs.get(unit.text, {}).items():
            tags[i, COL[name]] = p
    own = np.full(len(TAG_NAMES), 0.5, dtype=np.float32)
    for name, t in (thresholds or {}).items():
        own[COL[name]] = t
    return ScoringContext(
        interaction=interaction,
        units=units,
        unit_vectors=np.zeros((len(units), 1), dtype=np.float32),
        unit_sentiments=[None] * len(units),
        phrase_vectors=lambda phrases: np.zeros((len(phrases), 1), dtype=np.float32),
        unit_tags=tags,
        tag_thresholds=own,
    )


def act(*tags: str, threshold: float | None = None, min_count: int = 1, speaker: Role = Role.AGENT,
        last: int | None = None) -> ActSpec:
    scope = Scope(speaker=speaker, first=None, last=last, substantive=False)
    return ActSpec(tags=tags, scope=scope, threshold=threshold, min_count=min_count)


SORRY = "I'm sorry about the wait."
NONE_LEFT = "There are no tables left."


def test_each_tag_is_held_to_its_own_trained_threshold_unless_the_rubric_sets_one() -> None:
    ctx = context(chat("C: Table for 4?", f"A: {SORRY} {NONE_LEFT}"),
                  {SORRY: {"apologises": 0.70}, NONE_LEFT: {"reports_failure": 0.45}},
                  {"apologises": 0.76, "reports_failure": 0.40})
    assert not act("apologises").detect(ctx).hit  # 0.70 < its own 0.76
    assert act("apologises", threshold=0.6).detect(ctx).hit
    found = act("apologises", "reports_failure").detect(ctx)  # reports_failure 0.45 ≥ its own 0.40
    assert found.hit
    assert [(e.quote, e.signal) for e in found.evidence] == [(NONE_LEFT, "reports_failure 0.45 (threshold 0.40)")]
    assert not act("apologises", "reports_failure", threshold=0.8).detect(ctx).hit


def test_evidence_quotes_the_tagged_sentence_and_confidence_grows_with_the_margin() -> None:
    interaction = chat("C: My order never came.", f"A: {SORRY}")
    clear = act("apologises").detect(context(interaction, {SORRY: {"apologises": 0.97}}, {"apologises": 0.76}))
    close = act("apologises").detect(context(interaction, {SORRY: {"apologises": 0.78}}, {"apologises": 0.76}))
    assert clear.hit and close.hit
    ev = clear.evidence[0]
    assert (ev.quote, ev.role, ev.turn_index, ev.signal) == (SORRY, Role.AGENT, 1, "apologises 0.97 (threshold 0.76)")
    assert "1 sentence(s) in agent's turns tagged apologises" == clear.summary
    assert 0.5 < close.confidence < 0.6 < 0.85 < clear.confidence < 1.0


def test_a_miss_quotes_the_closest_sentence() -> None:
    interaction = chat("C: My order never came.", "A: Let me look.", f"A: {SORRY}")
    missed = act("apologises").detect(context(interaction, {SORRY: {"apologises": 0.30}, "Let me look.": {"apologises": 0.1}},
                                              {"apologises": 0.76}))
    assert not missed.hit and missed.known
    assert missed.summary == "no sentence in agent's turns tagged apologises"
    assert [(e.quote, e.signal) for e in missed.evidence] == [(SORRY, "apologises 0.30 (closest; below the threshold 0.76)")]
    near = act("apologises").detect(context(interaction, {SORRY: {"apologises": 0.72}}, {"apologises": 0.76}))
    assert not near.hit and 0.5 < near.confidence < 0.6 < 0.85 < missed.confidence


def test_min_count_counts_sentences_once_not_their_clauses() -> None:
    long = "I am very sorry about this, the order was lost by our courier and I will refund it today."
    clause = "I am very sorry about this"
    interaction = chat("C: Where is it?", f"A: {long}", "C: Again?", f"A: {SORRY}")
    one_turn = context(interaction, {long: {"apologises": 0.9}, clause: {"apologises": 0.95}})
    assert clause in [u.text for u in one_turn.units if not u.primary]  # the sentence is also read clause by clause
    assert act("apologises").detect(one_turn).hit
    twice = act("apologises", min_count=2).detect(one_turn)
    assert not twice.hit and twice.summary.startswith("only 1 of the 2 sentences needed")
    refund = "and I will refund it today."
    clauses_only = context(interaction, {clause: {"apologises": 0.95}, refund: {"apologises": 0.9}})
    assert refund in [u.text for u in clauses_only.units]
    once = act("apologises", min_count=2).detect(clauses_only)  # two clauses of one sentence: one sentence
    assert not once.hit and [e.quote for e in act("apologises").detect(clauses_only).evidence] == [clause]
    both = context(interaction, {long: {"apologises": 0.9}, clause: {"apologises": 0.95}, SORRY: {"apologises": 0.8}})
    found = act("apologises", min_count=2).detect(both)
    assert found.hit and [e.quote for e in found.evidence] == [long, SORRY]  # the sentence quoted, not its clause


def test_with_one_threshold_the_value_tells_what_any_threshold_would_find() -> None:
    interaction = chat("C: Late again.", f"A: {SORRY}", "C: Hm.", f"A: {NONE_LEFT}", "A: Bye.")
    ctx = context(interaction, {SORRY: {"apologises": 0.8}, NONE_LEFT: {"reports_failure": 0.6}, "Bye.": {"apologises": 0.1}})
    for min_count, value in ((1, 0.8), (2, 0.6), (3, 0.1)):
        for threshold in (0.05, 0.1, 0.3, 0.6, 0.7, 0.8, 0.9):
            found = act("apologises", "reports_failure", threshold=threshold, min_count=min_count).detect(ctx)
            assert found.value == pytest.approx(value)
            assert found.hit == (value >= threshold), (min_count, threshold)
    assert act("apologises", threshold=0.5, min_count=4).detect(ctx).value is None  # 3 sentences: never 4
    assert act("apologises").detect(ctx).value is None  # each tag's own threshold: no one number decides


def test_the_scope_limits_the_turns_read() -> None:
    interaction = chat("C: Hi.", "A: Goodbye!", "C: Wait, one more thing.", "A: Sure, what is it?")
    ctx = context(interaction, {"Goodbye!": {"closes": 0.9}})
    assert act("closes").detect(ctx).hit
    last = act("closes", last=1).detect(ctx)
    assert not last.hit and last.evidence[0].quote == "Sure, what is it?"
    nobody = act("complains", speaker=Role.CUSTOMER).detect(context(chat("A: Hello?"), {}))
    assert (nobody.hit, nobody.summary) == (False, "no customer's turns to look at")


def test_a_turn_does_what_any_of_its_sentences_does() -> None:
    ctx = context(chat("C: Hi.", f"A: {SORRY} {NONE_LEFT}", "B: Rate us!"),
                  {SORRY: {"apologises": 0.9}, NONE_LEFT: {"reports_failure": 0.8, "apologises": 0.2}})
    turn = ctx.tags_of_turn(1)
    assert turn[COL["apologises"]] == pytest.approx(0.9) and turn[COL["reports_failure"]] == pytest.approx(0.8)
    assert not ctx.tags_of_turn(2).any()  # a bot turn has no units


# --- the scorer asks for tags only when a rubric reads them ------------------------------------------


class RecordingSignals(BagOfWordsSignals):
    """The stand-in that records what the scorer asks for."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], tuple | None, bool]] = []  # (texts, roles, sentiment)
        self.threshold_asks = 0

    def analyze(self, texts, roles=None, *, sentiment=True):
        self.calls.append((tuple(texts), tuple(roles) if roles is not None else None, sentiment))
        fresh = BagOfWordsSignals()  # its own embed() calls are not the scorer's
        return fresh.analyze(texts, roles, sentiment=sentiment)

    def embed(self, texts):
        self.calls.append((tuple(texts), None, False))
        return super().embed(texts)

    def tag_thresholds(self):
        self.threshold_asks += 1
        return super().tag_thresholds()


def test_a_rubric_without_act_signals_never_asks_for_tags() -> None:
    signals = RecordingSignals()
    rubric = parse_rubric(rubric_with({"type": "sentiment", "at_most": -0.5}))
    assert tags_read(rubric) == frozenset()
    Scorer(rubric, signals).score(chat(*FAILED_BOOKING))
    assert signals.threshold_asks == 0
    assert signals.calls and all(roles is None for _, roles, _ in signals.calls)


def test_tags_come_with_the_embeddings_and_sentiment_only_where_read() -> None:
    signals = RecordingSignals()
    rubric = parse_rubric(RUBRIC.replace("weight: 40", "weight: 20") + """
      - id: mood
        name: Mood
        weight: 20
        signals:
          happy: {type: sentiment, speaker: customer, at_least: 0.3}
        rules: [{answer: yes, when: happy}]
        otherwise: no
""")
    assert tags_read(rubric) == {"reports_failure", "complains", "rejects_or_unsolved", "apologises", "closes", "offers_further_help"}
    scorer = Scorer(rubric, signals)
    assert signals.threshold_asks == 1  # once, when the scorer is built
    scorer.score(chat(*FAILED_BOOKING))
    assert all(roles is not None for _, roles, _ in signals.calls)  # every unit's tags, with its embedding
    sent = [(text, role, sentiment) for texts, roles, sentiment in signals.calls for text, role in zip(texts, roles)]
    agent_sentences = {"I'm sorry, I was unable to book it: Luna has no tables left at 8 pm.", "Would 9 pm work instead?",
                       "Great, you're booked for 9 pm.", "Have a nice day!"}
    assert agent_sentences < {t for t, r, _ in sent if r is Role.AGENT}  # with the clauses of the long one
    assert not [t for t, r, s in sent if r is Role.AGENT and s]  # no agent sentiment is read: none computed
    assert {t for t, r, s in sent if r is Role.CUSTOMER and s} == {line[3:] for line in FAILED_BOOKING if line[0] == "C"}


def test_act_rubric_scores_with_the_stand_in_tags() -> None:
    scorer = Scorer(parse_rubric(RUBRIC, "acts.yaml"), BagOfWordsSignals())
    card = scorer.score(chat(*FAILED_BOOKING))
    apology, closing = card.results
    assert (apology.answer, closing.answer) == ("yes", "yes")
    assert [(e.quote, e.signal) for e in apology.evidence] == [
        (FAILED_BOOKING[1][3:], f"apologises {TAG_ON:.2f} (threshold 0.50)"),  # the sentence, not also its clause
    ]
    calm = scorer.score(chat("C: What time do you open?", "A: We open at 9. Have a nice day!"))
    assert calm.results[0].na and calm.results[0].answer_label == "N/A"
    unapologetic = scorer.score(chat("C: Table for 4 at 8?", "A: There are none left at 8."))
    assert unapologetic.results[0].answer == "no"
    assert f"apologises {TAG_OFF:.2f} (closest" in unapologetic.results[0].evidence[-1].signal


# --- the adapter: tags from the embeddings it has, the heads loaded only when asked --------------------


class CountingBackend:
    dim = 4

    def __init__(self) -> None:
        self.runs: list[tuple[int, bool]] = []

    def run(self, input_ids, mask, with_sentiment):
        self.runs.append((len(input_ids), with_sentiment))
        emb = np.stack([np.array([row.sum() % 7, len(row), row[0] % 3, 1.0], dtype=np.float32) for row in input_ids])
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        probs = np.tile(np.array([0.1, 0.2, 0.7], dtype=np.float32), (len(input_ids), 1)) if with_sentiment else None
        return emb, probs


class WordTokenizer:
    def encode_batch(self, texts):
        return [SimpleNamespace(ids=[1 + len(w) for w in t.split()] or [1]) for t in texts]


def toy_tagger():
    from qa_coach.ml.turn_tagger import TurnTagger

    rng = np.random.default_rng(3)
    weight = rng.normal(size=(len(TAG_NAMES), 4)).astype(np.float32)
    return TurnTagger(layers=((weight, np.zeros(len(TAG_NAMES), np.float32)),),
                      thresholds=np.linspace(0.3, 0.7, len(TAG_NAMES)).astype(np.float32))


def test_the_adapter_tags_the_embeddings_it_has_without_another_encoder_pass() -> None:
    from qa_coach.ml.text_signals import LocalTextSignals

    backend, tagger = CountingBackend(), toy_tagger()
    signals = LocalTextSignals(WordTokenizer(), backend, tagger=tagger)
    texts = ["so sorry about that", "no tables left", "thanks"]
    roles = [Role.AGENT, Role.AGENT, Role.CUSTOMER]
    first = signals.analyze(texts)
    assert first.tags is None and len(backend.runs) == 1
    tagged = signals.analyze(texts, roles)
    assert len(backend.runs) == 1  # served from the cache: the heads read the cached embeddings
    np.testing.assert_array_equal(tagged.tags, tagger.tag(first.embeddings, roles))
    assert tagged.sentiments == first.sentiments
    np.testing.assert_array_equal(signals.tag_thresholds(), tagger.thresholds)
    plain = signals.analyze(["a new text"], [Role.AGENT], sentiment=False)
    assert plain.sentiments == () and plain.tags.shape == (1, len(TAG_NAMES))
    assert backend.runs[-1] == (1, False)  # no sentiment branch for it
    with pytest.raises(ValueError, match="2 texts but 1 roles"):
        signals.analyze(texts[:2], roles[:1])


def test_the_adapter_loads_the_heads_only_when_tags_are_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa_coach.ml import turn_tagger
    from qa_coach.ml.text_signals import LocalTextSignals

    loads = []
    monkeypatch.setattr(turn_tagger, "default_turn_tagger", lambda: loads.append(1) or toy_tagger())
    signals = LocalTextSignals(WordTokenizer(), CountingBackend())
    signals.analyze(["hello there"])
    signals.embed(["hello there"])
    assert loads == []
    signals.analyze(["hello there"], [Role.AGENT])
    signals.tag_thresholds()
    assert loads == [1]


# --- the documentation ----------------------------------------------------------------------------------


def test_the_documented_tag_table_is_the_vocabulary() -> None:
    text = (REPO / "docs" / "rubrics.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| (agent|customer) \| (.+) \|$", text, flags=re.MULTILINE)
    expected = [(t.name, t.speaker.value, t.description) for t in TAGS]
    table = "\n".join(f"| `{n}` | {s} | {d} |" for n, s, d in expected)
    assert rows == expected, f"docs/rubrics.md's turn tag table is out of date with turn_tags.TAGS; it should read:\n{table}"


# --- the real model ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_hears_the_apology_for_a_failed_booking() -> None:
    from qa_coach.ml.text_signals import load_text_signals

    scorer = Scorer(parse_rubric(RUBRIC, "acts.yaml"), load_text_signals())
    calm = scorer.score(chat("C: What time does the museum open?", "A: It opens at 9 am and entry is 12 dollars.",
                             "C: Great, thanks!", "A: You're welcome, have a nice day!"))
    assert calm.results[0].na, calm.results[0].rationale  # nothing went wrong: no apology owed
    card = scorer.score(chat(*FAILED_BOOKING))
    apology = card.results[0]
    assert apology.answer == "yes", apology.rationale  # not N/A: the failure (or a complaint) was heard too
    quoted = {e.quote: e.signal for e in apology.evidence}
    assert re.fullmatch(r"apologises 0\.\d\d \(threshold 0\.\d\d\)", quoted[FAILED_BOOKING[1][3:]]), quoted
