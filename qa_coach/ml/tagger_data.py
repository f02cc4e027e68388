"""Training turns for the turn tagger: weak labels from dialogue acts, and the team's own labels.

The rows, each one turn:

- ``sgd_acts`` (../shared/extdata/chat/sgd_acts/turns.tsv): every turn, labelled weakly from
  its dialogue acts by :data:`ACT_RULES` (the one table of the mapping). Acts say nothing
  about apologies, feelings, openings or complaints, so for those tags a turn is a weak
  *negative* only when it contains none of the words that could express the tag
  (:data:`CUES`); a turn with such a word stays unlabelled for the tag unless the team
  labelled it. A cue word is never a positive label.
- the team's labels (``data/labelled_turns.tsv``): turns of sgd_acts, ABCD, Taskmaster and
  Azure chats in ../shared, and the project's contact-centre utterances, each labelled by
  reading it, with every tag of its speaker decided. They override the weak labels. The
  file references turns by source, conversation and turn, with a short hash of the text
  so that a changed source is noticed; the shared text is never copied into the project.
- team-written phrases (``data/tagger_phrases.tsv``): the exemplar lists of the default
  rubric, labelled the same way; they cover agent openings, acknowledgements and a "sorry"
  that is no apology, which the real chats barely contain.
- nothing from qa_dev: it is the evaluation set.

A label is 1 (the turn does it), 0 (it does not) or :data:`UNKNOWN` (not used for that tag).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Role
from qa_coach.domain.turn_tags import TAG_NAMES, TAGS, tag_named

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_CHAT = REPO_ROOT.parent / "shared" / "extdata" / "chat"
DATA_DIR = Path(__file__).with_name("data")
LABELS_TSV = DATA_DIR / "labelled_turns.tsv"
PHRASES_TSV = DATA_DIR / "tagger_phrases.tsv"
DOMAIN_CSV = DATA_DIR / "contact_centre_utterances.csv"
UNKNOWN = -1
NO_TAGS = "-"  # the tags column of a labelled turn that does none of its speaker's tags


@dataclass(frozen=True)
class SourceTurn:
    """One turn of a source conversation, with its dialogue acts when the source has them."""

    source: str
    conversation: str
    turn: int
    role: Role
    text: str
    acts: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.source, self.conversation, self.turn)


# --- the act mapping --------------------------------------------------------------------


@dataclass(frozen=True)
class ActRule:
    """How one tag is read from a turn's dialogue acts and those of the agent turn before it.

    The tag is 1 when the turn has any act in ``yes``, or has all the acts of a ``yes_after``
    condition while the previous agent turn has any of its acts; it is UNKNOWN (the acts
    cannot tell) under an ``unknown_after`` condition; otherwise 0. An empty set of
    previous acts means "after anything".
    """

    tag: str
    yes: frozenset[str]
    why: str
    yes_after: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    unknown_after: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()


def _acts(*names: str) -> frozenset[str]:
    return frozenset(names)


# The one table of the mapping from SGD dialogue acts to tags. The tags it does not name
# (apologises, acknowledges_feeling, opens_or_offers_help, states_feeling_or_difficulty,
# complains) are not given by acts: see CUES and the team's labels.
ACT_RULES: tuple[ActRule, ...] = (
    ActRule("asks_clarifying_question", _acts("REQUEST"), "agent REQUEST asks for a slot value"),
    ActRule("restates_or_confirms", _acts("CONFIRM"), "agent CONFIRM reads the details back"),
    ActRule("reports_failure", _acts("NOTIFY_FAILURE"), "agent NOTIFY_FAILURE: could not do it"),
    ActRule(
        "gives_answer",
        _acts("INFORM", "OFFER", "NOTIFY_SUCCESS", "INFORM_COUNT"),
        "agent gives information, offers what it found, or reports the action done",
    ),
    ActRule(
        "offers_further_help",
        _acts("REQ_MORE"),
        "agent REQ_MORE ('anything else?'); an OFFER_INTENT ('shall I buy the tickets?') cannot tell",
        unknown_after=((_acts("OFFER_INTENT"), _acts()),),
    ),
    ActRule("closes", _acts("GOODBYE"), "agent GOODBYE"),
    ActRule(
        "thanks_or_accepts",
        _acts("THANK_YOU", "AFFIRM", "AFFIRM_INTENT", "SELECT"),
        "customer thanks, says yes to a read-back or an offer, or picks an offered option",
    ),
    ActRule(
        "rejects_or_unsolved",
        _acts("REQUEST_ALTS"),
        "customer asks for other options, or says no to the alternative offered after a failure. "
        "'No thanks' to 'anything else?', a correction of a read-back and declining an optional "
        "next step (NEGATE_INTENT) are not rejections. Right after a failure the acts cannot "
        "tell: 'no thanks' may leave the need unmet, and 'try again at 7' asks for something else",
        yes_after=((_acts("NEGATE"), _acts("OFFER")),),
        unknown_after=(
            (_acts("NEGATE"), _acts("NOTIFY_FAILURE")),
            (_acts("INFORM"), _acts("NOTIFY_FAILURE")),
            (_acts("INFORM_INTENT"), _acts("NOTIFY_FAILURE")),
        ),
    ),
    ActRule(
        "repeats_or_corrects_detail",
        _acts(),
        "customer says no to a read-back and gives the right detail (INFORM + NEGATE after "
        "CONFIRM); a bare 'no' to a read-back cannot tell",
        yes_after=((_acts("INFORM", "NEGATE"), _acts("CONFIRM")),),
        unknown_after=((_acts("NEGATE"), _acts("CONFIRM")),),
    ),
)


def act_rule(tag: str) -> ActRule | None:
    for rule in ACT_RULES:
        if rule.tag == tag:
            return rule
    return None


def _holds(condition: tuple[frozenset[str], frozenset[str]], acts: frozenset[str], previous: frozenset[str]) -> bool:
    needed, before = condition
    return needed <= acts and (not before or bool(previous & before))


def act_label(rule: ActRule, acts: frozenset[str], previous_agent_acts: frozenset[str]) -> int:
    """1, 0 or UNKNOWN for ``rule.tag`` on a turn with ``acts``."""
    if acts & rule.yes or any(_holds(c, acts, previous_agent_acts) for c in rule.yes_after):
        return 1
    if any(_holds(c, acts, previous_agent_acts) for c in rule.unknown_after):
        return UNKNOWN
    return 0


# --- cue words: where a weak negative is not safe ---------------------------------------

# A turn of the tag's speaker that contains none of these is a weak negative for the tag;
# one that does is left unlabelled unless the team labelled it. Deliberately broad.
CUES: dict[str, re.Pattern[str]] = {
    "apologises": re.compile(
        r"sorry|apolog|regret|pardon|forgive|excuse|my bad|oops|unfortunate|afraid|inconvenien", re.I
    ),
    "acknowledges_feeling": re.compile(
        r"understand|sorry|glad|happy|hear|sound|must be|imagine|frustrat|worr|stress|annoy|upset|"
        r"inconvenien|congrat|excit|fun\b|hope|pity|shame|oh no|wow|lovely|wonderful|awesome|"
        r"fantastic|amazing|enjoy|great|no problem|don't|unfortunate|afraid",
        re.I,
    ),
    "opens_or_offers_help": re.compile(
        r"\b(hi|hii+|hello|hey|welcome|greetings|good (morning|afternoon|evening|day)|sure|certainly|"
        r"of course|absolutely|no problem|happy|glad|pleasure|help|assist|definitely|gladly|my name|"
        r"ok|okay|alright|will do|let me|can do|i can|i will|i'll|yes)\b",
        re.I,
    ),
    "states_feeling_or_difficulty": re.compile(
        r"feel|hungry|starv|thirst|tired|exhaust|sleepy|worr|stress|excit|can't wait|looking forward|"
        r"happy|glad|\bsad\b|upset|frustrat|annoy|angry|\bmad\b|difficult|\bhard\b|struggl|trouble|"
        r"wheelchair|disab|handicap|\bsick|\bill\b|pain|hurt|injur|bored|nervous|anxious|scared|afraid|"
        r"urgent|asap|hurry|emergency|lonely|\blove|hate|celebrat|birthday|anniversar|wedding|honeymoon|"
        r"broke\b|afford|disappoint|confus|relie|mood|\bfun\b|\bbad\b|terrible|awful|depress|sorry|"
        r"unfortunate|pregnan|allerg|elderly|\bold\b|can't|cannot|unable|\bneed\b.*\b(now|today|tonight|soon)|"
        r"late|quick|fast|stuck|lost|miss|help|please|wow|\bugh|damn|!",
        re.I,
    ),
    "complains": re.compile(
        r"bad|terrible|awful|horrible|ridiculous|disappoint|unacceptable|angry|annoy|frustrat|worst|"
        r"poor|useless|happy|wrong|mistake|not what|that's not|that is not|n't|\bnot\b|waste|again|"
        r"still|already|said|told|upset|ugh|seriously|come on|why|expensive|pricey|\btoo\b|slow|long|"
        r"wait|hate|suck|shame|pity|unfortunate|\bsad|bother|never|rude|mess|no good|really|what\?|"
        r"sorry|hmm|wow|!|\?\?",
        re.I,
    ),
}


def cue_label(tag: str, text: str) -> int:
    """0 when ``text`` has none of the tag's cue words, else UNKNOWN."""
    return UNKNOWN if CUES[tag].search(text) else 0


def weak_labels(turn: SourceTurn, previous_agent_acts: frozenset[str]) -> dict[str, int]:
    """The weak label of every tag of ``turn``'s speaker, from its acts and cue words."""
    labels: dict[str, int] = {}
    for tag in TAGS:
        if tag.speaker is not turn.role:
            continue
        rule = act_rule(tag.name)
        if rule is not None:
            labels[tag.name] = act_label(rule, turn.acts, previous_agent_acts)
        else:
            labels[tag.name] = cue_label(tag.name, turn.text)
    # "Anything else I can help with?" and a goodbye are not an opening offer of help.
    if turn.role is Role.AGENT and turn.acts and turn.acts <= _acts("REQ_MORE", "GOODBYE"):
        labels["opens_or_offers_help"] = 0
    return labels


# --- the sources --------------------------------------------------------------------------


def _role(value: str, where: str, path: Path) -> Role:
    v = value.strip().lower()
    if v in ("agent", "system", "assistant"):
        return Role.AGENT
    if v in ("customer", "user"):
        return Role.CUSTOMER
    raise InputError(path, where, f"unknown speaker {value!r}")


def read_sgd(path: Path) -> Iterator[SourceTurn]:
    """sgd_acts/turns.tsv: dialogue_id, turn, speaker, acts, utterance."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for n, row in enumerate(reader, start=2):
            yield SourceTurn(
                "sgd_acts",
                row["dialogue_id"],
                int(row["turn"]),
                _role(row["speaker"], f"line {n}", path),
                row["utterance"],
                frozenset(a for a in row["acts"].split(",") if a),
            )


def read_abcd(path: Path) -> Iterator[SourceTurn]:
    """ABCD dialogues: ``original`` is a list of [speaker, text]; 'action' rows are skipped."""
    for dialogue in json.loads(path.read_text(encoding="utf-8")):
        for i, (speaker, text) in enumerate(dialogue["original"]):
            if speaker in ("agent", "customer"):
                yield SourceTurn("abcd", str(dialogue["convo_id"]), i, Role(speaker), text)


def read_taskmaster(path: Path) -> Iterator[SourceTurn]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for dialogue in data if isinstance(data, list) else [data]:
        for u in dialogue["utterances"]:
            role = _role(u["speaker"], f"{dialogue['conversation_id']}[{u['index']}]", path)
            yield SourceTurn("taskmaster", dialogue["conversation_id"], int(u["index"]), role, u["text"])


def read_azure(path: Path) -> Iterator[SourceTurn]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for conversation in data["analysisInput"]["conversations"]:
        for i, item in enumerate(conversation["conversationItems"]):
            role = _role(item["participantId"], f"{conversation['id']}[{i}]", path)
            yield SourceTurn("azure", conversation["id"], i, role, item["text"])


def read_domain(path: Path = DOMAIN_CSV) -> Iterator[SourceTurn]:
    """The project's contact-centre utterances; each row is its own 'conversation' (its row number)."""
    with open(path, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=1):
            yield SourceTurn("domain", str(n), 0, _role(row["speaker"], f"row {n}", path), row["text"])


def source_files(root: Path = SHARED_CHAT) -> dict[str, Path]:
    return {
        "sgd_acts": root / "sgd_acts" / "turns.tsv",
        "abcd": root / "abcd" / "abcd_sample.json",
        "taskmaster": root / "taskmaster1_sample" / "sample.json",
        "azure": root / "azure_customer_support_chat" / "Json_input_customer_support.json",
    }


READERS = {"sgd_acts": read_sgd, "abcd": read_abcd, "taskmaster": read_taskmaster, "azure": read_azure}


def read_sources(root: Path = SHARED_CHAT, sources: Iterable[str] = tuple(READERS)) -> list[SourceTurn]:
    files = source_files(root)
    turns: list[SourceTurn] = []
    for name in sources:
        if not files[name].is_file():
            raise FileNotFoundError(f"{files[name]} is missing: the tagger trains on ../shared/extdata/chat")
        turns.extend(READERS[name](files[name]))
    return turns + list(read_domain()) + [t for t, _ in read_phrases()]


def read_phrases(path: Path = PHRASES_TSV) -> list[tuple[SourceTurn, "HandLabel"]]:
    """Team-written phrases with their labels inline: ``speaker, tags, text``."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#") or line.startswith("speaker\t"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                raise InputError(path, f"line {n}", f"expected 3 tab-separated fields, found {len(parts)}")
            turn = SourceTurn("phrases", str(n), 0, _role(parts[0], f"line {n}", path), parts[2])
            out.append((turn, HandLabel("phrases", str(n), 0, _tag_set(parts[1], path, n), text_check(parts[2]), n)))
    return out


# --- the team's labels --------------------------------------------------------------------


def text_check(text: str) -> str:
    """The short hash written beside a label: it notices a changed source text."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class HandLabel:
    source: str
    conversation: str
    turn: int
    tags: frozenset[str]
    check: str
    line: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.source, self.conversation, self.turn)


def _tag_set(tags: str, path: Path, line: int) -> frozenset[str]:
    names = frozenset() if tags == NO_TAGS else frozenset(t.strip() for t in tags.split(","))
    for name in names:
        try:
            tag_named(name)
        except ValueError as exc:
            raise InputError(path, f"line {line}", str(exc)) from None
    return names


def read_hand_labels(path: Path = LABELS_TSV) -> list[HandLabel]:
    """``source, conversation, turn, tags, check``: tags comma-separated, ``-`` for none."""
    out: list[HandLabel] = []
    seen: set[tuple[str, str, int]] = set()
    with open(path, newline="", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "source":
                continue
            if len(parts) != 5:
                raise InputError(path, f"line {n}", f"expected 5 tab-separated fields, found {len(parts)}")
            source, conversation, turn, tags, check = parts
            label = HandLabel(source, conversation, int(turn), _tag_set(tags, path, n), check, n)
            if label.key in seen:
                raise InputError(path, f"line {n}", f"turn {label.key} is labelled twice")
            seen.add(label.key)
            out.append(label)
    return out


def apply_hand_label(label: HandLabel, turn: SourceTurn, path: Path = LABELS_TSV) -> dict[str, int]:
    """Every tag of the turn's speaker: 1 if labelled, else 0. Checks speaker and text."""
    if text_check(turn.text) != label.check:
        raise InputError(path, f"line {label.line}", f"the text of {label.key} changed since it was labelled")
    wrong = [t for t in label.tags if tag_named(t).speaker is not turn.role]
    if wrong:
        raise InputError(path, f"line {label.line}", f"{', '.join(wrong)} cannot label a {turn.role.value} turn")
    return {t.name: int(t.name in label.tags) for t in TAGS if t.speaker is turn.role}


# --- the training set ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSet:
    """Rows of turns: text, speaker, the conversation it belongs to, and its labels."""

    texts: tuple[str, ...]
    roles: tuple[Role, ...]
    groups: tuple[str, ...]  # source:conversation, the unit of cross-validation folds
    sources: tuple[str, ...]
    hand: np.ndarray  # (n,) bool: labelled by the team (else weak)
    labels: np.ndarray  # (n, len(TAGS)) int8: 1, 0 or UNKNOWN; UNKNOWN for the other speaker's tags

    def __len__(self) -> int:
        return len(self.texts)


def build_training_set(
    turns: list[SourceTurn], hand_labels: list[HandLabel], *, weak_sources: Iterable[str] = ("sgd_acts",)
) -> TrainingSet:
    """Weak rows for every turn of ``weak_sources``; hand labels replace or add rows."""
    weak_sources = set(weak_sources)
    by_key = {t.key: t for t in turns}
    hand_by_key = {}
    for label in hand_labels:
        turn = by_key.get(label.key)
        if turn is None:
            raise InputError(LABELS_TSV, f"line {label.line}", f"no turn {label.key} in the sources")
        hand_by_key[label.key] = apply_hand_label(label, turn, PHRASES_TSV if label.source == "phrases" else LABELS_TSV)
    column = {name: i for i, name in enumerate(TAG_NAMES)}
    texts, roles, groups, sources, hand, rows = [], [], [], [], [], []
    previous_agent_acts: frozenset[str] = frozenset()
    previous_conversation = None
    for turn in turns:
        if (turn.source, turn.conversation) != previous_conversation:
            previous_agent_acts, previous_conversation = frozenset(), (turn.source, turn.conversation)
        labels = hand_by_key.get(turn.key)
        is_hand = labels is not None
        if labels is None and turn.source in weak_sources:
            labels = weak_labels(turn, previous_agent_acts)
        if turn.role is Role.AGENT:
            previous_agent_acts = turn.acts
        if labels is None or not turn.text.strip():
            continue
        row = np.full(len(TAG_NAMES), UNKNOWN, dtype=np.int8)
        for name, value in labels.items():
            row[column[name]] = value
        texts.append(turn.text)
        roles.append(turn.role)
        groups.append(f"{turn.source}:{turn.conversation}")
        sources.append(turn.source)
        hand.append(is_hand)
        rows.append(row)
    return TrainingSet(
        texts=tuple(texts),
        roles=tuple(roles),
        groups=tuple(groups),
        sources=tuple(sources),
        hand=np.array(hand, dtype=bool),
        labels=np.stack(rows) if rows else np.zeros((0, len(TAG_NAMES)), dtype=np.int8),
    )


def load_training_set(root: Path = SHARED_CHAT, labels_path: Path = LABELS_TSV) -> TrainingSet:
    phrase_labels = [label for _, label in read_phrases()]
    return build_training_set(read_sources(root), read_hand_labels(labels_path) + phrase_labels)
