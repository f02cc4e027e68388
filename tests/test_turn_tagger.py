"""The turn tagger: tag vocabulary, the act mapping of its training data, the team's labels,
the shipped heads (manifest and checksum), the NumPy runtime, and probes on the real model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa_coach.domain.errors import InputError, ModelMissingError
from qa_coach.domain.interaction import Role
from qa_coach.domain.turn_tags import TAG_NAMES, TAGS, tag_named, tags_for
from qa_coach.ml import tagger_data as data
from qa_coach.ml.cache import sha256_of
from qa_coach.ml.turn_tagger import MANIFEST_FILE, METRICS_FILE, WEIGHTS_FILE, TurnTagger, load_turn_tagger

COL = {name: i for i, name in enumerate(TAG_NAMES)}


# --- the vocabulary ------------------------------------------------------------------------


def test_every_tag_belongs_to_one_party_and_names_are_unique():
    assert len(set(TAG_NAMES)) == len(TAGS)
    assert {t.speaker for t in TAGS} == {Role.AGENT, Role.CUSTOMER}
    assert len(tags_for(Role.AGENT)) == 9 and len(tags_for(Role.CUSTOMER)) == 5
    assert tags_for(Role.BOT) == ()
    assert tag_named("apologises").speaker is Role.AGENT
    with pytest.raises(ValueError, match="known tags: opens_or_offers_help"):
        tag_named("apology")


# --- weak labels from dialogue acts --------------------------------------------------------


def turn(n: int, role: str, acts: str, text: str, conversation: str = "9_00001") -> data.SourceTurn:
    return data.SourceTurn("sgd_acts", conversation, n, Role(role), text, frozenset(acts.split(",")))


def labels_of(turns: list[data.SourceTurn], hand: list[data.HandLabel] = ()) -> np.ndarray:
    return data.build_training_set(turns, list(hand)).labels


def test_agent_acts_map_to_tags_as_the_table_says():
    rows = labels_of(
        [
            turn(0, "agent", "REQUEST", "Which city should I look in?"),
            turn(1, "agent", "CONFIRM", "Please confirm: a table for 2 at 7 pm."),
            turn(2, "agent", "NOTIFY_FAILURE,REQ_MORE", "Sorry, the booking failed. Anything else?"),
            turn(3, "agent", "INFORM_COUNT,OFFER", "I found 3 places; Luna is one."),
            turn(4, "agent", "GOODBYE", "Have a nice day."),
            turn(5, "agent", "OFFER_INTENT", "Would you like to buy tickets?"),
            turn(6, "agent", "REQ_MORE", "Can I help you with anything else?"),
        ]
    )
    expected_on = [
        {"asks_clarifying_question"},
        {"restates_or_confirms"},
        {"reports_failure", "offers_further_help"},
        {"gives_answer"},
        {"closes"},
        set(),
        {"offers_further_help"},
    ]
    act_tags = [r.tag for r in data.ACT_RULES if tag_named(r.tag).speaker is Role.AGENT]
    for row, on in zip(rows, expected_on):
        assert {name for name in act_tags if row[COL[name]] == 1} == on
    assert rows[5, COL["offers_further_help"]] == data.UNKNOWN  # OFFER_INTENT cannot tell
    assert rows[0, COL["offers_further_help"]] == 0
    # Tags acts do not give: a weak negative only without any cue word.
    assert rows[0, COL["apologises"]] == 0
    assert rows[2, COL["apologises"]] == data.UNKNOWN  # "Sorry" is a cue, never a label
    assert rows[6, COL["opens_or_offers_help"]] == 0  # "anything else" is not an opening offer
    assert (rows[:, [COL[t.name] for t in tags_for(Role.CUSTOMER)]] == data.UNKNOWN).all()


def test_customer_acts_read_with_the_agent_turn_before():
    rows = labels_of(
        [
            turn(0, "agent", "CONFIRM", "To confirm: 2 tickets for Friday?"),
            turn(1, "customer", "INFORM,NEGATE", "No, make it 3 tickets."),
            turn(2, "agent", "CONFIRM", "So 3 tickets for Friday?"),
            turn(3, "customer", "AFFIRM", "Yes, correct."),
            turn(4, "agent", "REQ_MORE", "Anything else?"),
            turn(5, "customer", "NEGATE,THANK_YOU", "No, thank you."),
            turn(6, "agent", "NOTIFY_FAILURE,REQ_MORE", "Sorry, that failed. Anything else?"),
            turn(7, "customer", "NEGATE,THANK_YOU", "No, thanks."),
            turn(8, "agent", "NOTIFY_FAILURE,OFFER", "That failed. How about 8 pm?"),
            turn(9, "customer", "NEGATE", "No, that doesn't work."),
            turn(10, "agent", "OFFER", "How about Luna?"),
            turn(11, "customer", "REQUEST_ALTS", "Anything else?"),
            turn(12, "agent", "OFFER_INTENT", "Shall I buy them?"),
            turn(13, "customer", "NEGATE_INTENT", "Not now."),
            turn(14, "agent", "NOTIFY_FAILURE,REQ_MORE", "That failed. Anything else?"),
            turn(15, "customer", "INFORM_INTENT", "Try again at 7 then."),
        ]
    )
    corrects, rejects, thanks = COL["repeats_or_corrects_detail"], COL["rejects_or_unsolved"], COL["thanks_or_accepts"]
    assert rows[1, [corrects, rejects, thanks]].tolist() == [1, 0, 0]
    assert rows[3, [corrects, rejects, thanks]].tolist() == [0, 0, 1]
    assert rows[5, [rejects, thanks]].tolist() == [0, 1]  # "no thanks" to "anything else?" is no rejection
    assert rows[7, rejects] == data.UNKNOWN  # after a failure the need may be unmet
    assert rows[9, rejects] == 1  # turns down the alternative
    assert rows[11, rejects] == 1
    assert rows[13, rejects] == 0  # declining an optional next step
    assert rows[15, rejects] == data.UNKNOWN  # "try again" after a failure: the need is not met yet
    assert (rows[1::2][:, [COL[t.name] for t in tags_for(Role.AGENT)]] == data.UNKNOWN).all()


def test_the_previous_agent_turn_does_not_leak_across_conversations():
    rows = labels_of(
        [
            turn(0, "agent", "CONFIRM", "To confirm: 2 tickets?", conversation="1_00001"),
            turn(0, "customer", "INFORM,NEGATE", "No, 3 tickets.", conversation="1_00002"),
        ]
    )
    assert rows[1, COL["repeats_or_corrects_detail"]] == 0


# --- the team's labels ---------------------------------------------------------------------


def hand(turn_: data.SourceTurn, *tags: str, check: str | None = None) -> data.HandLabel:
    return data.HandLabel(*turn_.key, frozenset(tags), check or data.text_check(turn_.text), line=7)


def test_a_team_label_replaces_every_weak_label_of_its_speaker():
    t = turn(0, "agent", "NOTIFY_FAILURE", "I'm so sorry, there are none left.")
    ts = data.build_training_set([t], [hand(t, "apologises", "reports_failure")])
    row = ts.labels[0]
    assert ts.hand.tolist() == [True]
    for tag in tags_for(Role.AGENT):
        assert row[COL[tag.name]] == int(tag.name in ("apologises", "reports_failure"))


def test_a_team_label_is_refused_when_the_text_changed_or_the_speaker_is_wrong():
    t = turn(0, "agent", "INFORM", "They open at 9.")
    with pytest.raises(InputError, match="line 7: the text of .* changed"):
        data.build_training_set([t], [hand(t, "gives_answer", check="00000000")])
    with pytest.raises(InputError, match="line 7: complains cannot label a agent turn"):
        data.build_training_set([t], [hand(t, "complains")])
    with pytest.raises(InputError, match="no turn"):
        data.build_training_set([], [hand(t, "gives_answer")])


def test_reading_the_labels_file(tmp_path):
    path = tmp_path / "labels.tsv"
    path.write_text(
        "# note\nsource\tconversation\tturn\ttags\tcheck\n"
        "sgd_acts\t1_00001\t3\tcloses,gives_answer\tabcd1234\ndomain\t12\t0\t-\tffff0000\n",
        encoding="utf-8",
    )
    labels = data.read_hand_labels(path)
    assert [(x.key, set(x.tags)) for x in labels] == [(("sgd_acts", "1_00001", 3), {"closes", "gives_answer"}),
                                                     (("domain", "12", 0), set())]
    path.write_text("sgd_acts\t1_00001\t3\tsays_hello\tabcd1234\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: unknown turn tag 'says_hello'"):
        data.read_hand_labels(path)
    path.write_text("domain\t1\t0\t-\tab\ndomain\t1\t0\t-\tab\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: turn .* labelled twice"):
        data.read_hand_labels(path)


def test_reading_sgd_turns(tmp_path):
    path = tmp_path / "turns.tsv"
    path.write_text('dialogue_id\tturn\tspeaker\tacts\tutterance\n1_00001\t0\tcustomer\tINFORM_INTENT\tI want "sushi"\n'
                    "1_00001\t1\tagent\tREQUEST\tWhere?\n", encoding="utf-8")
    turns = list(data.read_sgd(path))
    assert [(t.role, t.acts, t.text) for t in turns] == [
        (Role.CUSTOMER, frozenset({"INFORM_INTENT"}), 'I want "sushi"'),
        (Role.AGENT, frozenset({"REQUEST"}), "Where?"),
    ]


def test_folds_keep_each_conversation_whole():
    from qa_coach.ml.train_tagger import assign_folds

    groups = tuple(f"c{i // 3}" for i in range(300))
    folds = assign_folds(groups, 5, seed=1)
    assert set(folds.tolist()) == set(range(5))
    for g in set(groups):
        assert len({folds[i] for i, x in enumerate(groups) if x == g}) == 1
    assert (assign_folds(groups, 5, seed=1) == folds).all()


@pytest.mark.slow  # reads the whole training set: about 10 s
def test_every_team_label_resolves_against_the_shared_text(extdata):
    extdata("chat", "sgd_acts", "turns.tsv")
    ts = data.load_training_set()
    assert ts.hand.sum() == len(data.read_hand_labels()) + len(data.read_phrases())
    assert set(ts.sources) == {"sgd_acts", "abcd", "taskmaster", "azure", "domain", "phrases"}  # never qa_dev


# --- the shipped heads ---------------------------------------------------------------------


def test_the_shipped_heads_are_small_and_in_step_with_the_labels():
    manifest = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))
    assert WEIGHTS_FILE.stat().st_size < 1_000_000
    assert manifest["sha256"] == sha256_of(WEIGHTS_FILE)
    assert manifest["tags"] == list(TAG_NAMES)
    retrain = "the labels changed since the heads were trained: rerun python -m qa_coach.ml.train_tagger"
    assert manifest["labels_sha256"] == sha256_of(data.LABELS_TSV), retrain
    assert manifest["phrases_sha256"] == sha256_of(data.PHRASES_TSV), retrain
    metrics = json.loads(METRICS_FILE.read_text(encoding="utf-8"))
    assert set(metrics["per_tag"]) == set(TAG_NAMES)


@pytest.fixture
def shipped_copy(tmp_path):
    weights, manifest = tmp_path / WEIGHTS_FILE.name, tmp_path / MANIFEST_FILE.name
    shutil.copy(WEIGHTS_FILE, weights)
    shutil.copy(MANIFEST_FILE, manifest)
    return weights, manifest


def test_loads_the_shipped_heads(shipped_copy):
    tagger = load_turn_tagger(*shipped_copy)
    assert tagger.dim == 384 and tagger.thresholds.shape == (len(TAG_NAMES),)


def test_corrupt_weights_are_refused_by_checksum(shipped_copy):
    weights, manifest = shipped_copy
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(ModelMissingError, match=r"tagger.safetensors does not match its checksum .*train_tagger"):
        load_turn_tagger(weights, manifest)


def test_missing_or_stale_files_are_refused(shipped_copy):
    weights, manifest = shipped_copy
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**meta, "tags": meta["tags"][:-1]}), encoding="utf-8")
    with pytest.raises(ModelMissingError, match="lists the tags"):
        load_turn_tagger(weights, manifest)
    manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelMissingError, match="tagger.json is missing or unreadable"):
        load_turn_tagger(weights, manifest)
    manifest.write_text(json.dumps(meta), encoding="utf-8")
    weights.unlink()
    with pytest.raises(ModelMissingError, match="tagger.safetensors is missing"):
        load_turn_tagger(weights, manifest)


# --- the runtime ---------------------------------------------------------------------------


def toy_tagger(dim: int = 4) -> TurnTagger:
    """Tag k fires on input feature k % dim: a tagger whose answers are known."""
    weight = np.zeros((len(TAG_NAMES), dim), dtype=np.float32)
    for k in range(len(TAG_NAMES)):
        weight[k, k % dim] = 20.0
    bias = np.full(len(TAG_NAMES), -10.0, dtype=np.float32)
    return TurnTagger(layers=((weight, bias),), thresholds=np.full(len(TAG_NAMES), 0.5, dtype=np.float32))


def test_probabilities_follow_the_speaker():
    tagger = toy_tagger()
    x = np.ones((4, 4), dtype=np.float32)
    probs = tagger.tag(x, [Role.AGENT, "customer", Role.BOT, "note"])
    assert probs.shape == (4, len(TAG_NAMES)) and probs.dtype == np.float32
    agent_cols = [COL[t.name] for t in tags_for(Role.AGENT)]
    customer_cols = [COL[t.name] for t in tags_for(Role.CUSTOMER)]
    assert (probs[0, agent_cols] > 0.99).all() and (probs[0, customer_cols] == 0).all()
    assert (probs[1, customer_cols] > 0.99).all() and (probs[1, agent_cols] == 0).all()
    assert (probs[2:] == 0).all()
    assert tagger.tag(np.zeros((0, 4)), []).shape == (0, len(TAG_NAMES))


def test_columns_are_named_by_tag():
    tagger = toy_tagger()
    assert tagger.column("closes") == TAG_NAMES.index("closes")
    with pytest.raises(ValueError, match="unknown turn tag 'greets'"):
        tagger.column("greets")


def test_decisions_use_each_tags_threshold():
    tagger = toy_tagger()
    x = np.zeros((1, 4), dtype=np.float32)
    x[0, 0] = 1.0  # tags 0, 4, 8, 12 fire
    on = tagger.tag_names(x, ["agent"])[0]
    assert on == {TAG_NAMES[0], TAG_NAMES[4], TAG_NAMES[8]}  # 12 is a customer tag


def test_bad_shapes_are_refused():
    tagger = toy_tagger()
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        tagger.tag(np.zeros((2, 3)), ["agent", "agent"])
    with pytest.raises(ValueError, match="2 embeddings but 1 roles"):
        tagger.tag(np.zeros((2, 4)), ["agent"])


# --- the real model on sentences it never saw ------------------------------------------------


def gap(reason: str):
    """A probe the shipped heads get wrong today: it must keep failing until the gap is closed."""
    return pytest.mark.xfail(strict=True, reason=reason)


FROZEN = "the frozen embedding is dominated by 'sorry': the real chats have almost no 'sorry, what?' turns"
PROBES = [
    ("agent", "I'm so sorry, we have nothing available that evening.", {"apologises", "reports_failure"}),
    ("agent", "Can I help you with anything more today?", {"offers_further_help"}),
    pytest.param(
        "agent", "Hello and welcome to the booking desk! What are you after today?", {"opens_or_offers_help"},
        marks=gap("agent-first greetings are rare in the real chats (the customer opens): reads as a question"),
    ),
    ("agent", "Of course, I'd be glad to sort that out for you.", {"opens_or_offers_help"}),
    ("agent", "My apologies for the mix-up with your delivery date.", {"apologises"}),
    pytest.param(
        "agent", "I understand how stressful a cancelled trip must be.", {"acknowledges_feeling"},
        marks=gap("50 acknowledgements in the training data; held-out F1 0.46"),
    ),
    ("agent", "Just to confirm, that's two adults checking in on the 4th of May?", {"restates_or_confirms"}),
    ("agent", "Which day would you like to travel?", {"asks_clarifying_question"}),
    pytest.param(
        "agent", "I couldn't find any hotels matching those dates.", {"reports_failure"},
        marks=gap("probability 0.68 against a threshold of 0.69: 'no results' is rare among SGD failures"),
    ),
    ("agent", "The museum opens at 9 am and entry costs 12 dollars.", {"gives_answer"}),
    ("agent", "Thanks for chatting with us, have a lovely evening!", {"closes"}),
    pytest.param(
        "customer", "I'm really worried because my flight leaves in two hours.", {"states_feeling_or_difficulty"},
        marks=gap("probability 0.67 against 0.74; held-out F1 0.39 for stated feelings"),
    ),
    ("customer", "This is the second time you've got my order wrong, it's unacceptable.", {"complains"}),
    ("customer", "No, I said three people, not two.", {"repeats_or_corrects_detail"}),
    ("customer", "Perfect, that works for me, thank you!", {"thanks_or_accepts"}),
    ("customer", "No, that one doesn't suit me, do you have anything else?", {"rejects_or_unsolved"}),
]
ABSENT = [
    pytest.param("agent", "Sorry, what time did you say?", {"apologises"}, marks=gap(FROZEN)),
    pytest.param(
        "agent", "I'm so sorry, we have nothing available that evening.", {"offers_further_help"},
        marks=gap("SGD failures nearly always end with 'anything else?', so a failure alone reads as an offer"),
    ),
    ("agent", "Which day would you like to travel?", {"apologises", "closes", "reports_failure"}),
    ("agent", "Can I help you with anything more today?", {"opens_or_offers_help", "apologises"}),
    ("customer", "Perfect, that works for me, thank you!", {"complains", "rejects_or_unsolved"}),
    ("agent", "The museum opens at 9 am and entry costs 12 dollars.", {"apologises", "reports_failure"}),
]


def _case(probe) -> tuple[str, str, set[str]]:
    return tuple(probe.values) if hasattr(probe, "values") else probe  # type: ignore[return-value]


@pytest.fixture(scope="module")
def tags_of():
    from qa_coach.ml.text_signals import load_text_signals
    from qa_coach.ml.turn_tagger import default_turn_tagger

    def run(role: str, text: str) -> frozenset[str]:
        embeddings = load_text_signals().analyze([text]).embeddings  # the scorer's own pass
        return default_turn_tagger().tag_names(embeddings, [role])[0]

    return run


@pytest.mark.slow  # reads the whole training set: about 10 s
def test_probe_sentences_are_not_training_turns(extdata):
    extdata("chat", "sgd_acts", "turns.tsv")
    seen = {" ".join(t.lower().split()) for t in data.load_training_set().texts}
    assert not [text for _, text, _ in map(_case, PROBES + ABSENT) if " ".join(text.lower().split()) in seen]


@pytest.mark.slow
@pytest.mark.parametrize("role, text, wanted", PROBES)
def test_probe_sentence_gets_its_tags(tags_of, role, text, wanted):
    assert wanted <= tags_of(role, text)


@pytest.mark.slow
@pytest.mark.parametrize("role, text, unwanted", ABSENT)
def test_probe_sentence_does_not_get_unrelated_tags(tags_of, role, text, unwanted):
    assert not unwanted & tags_of(role, text)
