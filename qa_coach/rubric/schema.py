"""The rubric file format, defined once.

These models are the only definition of what a rubric file may hold: the loader
validates a file through them (:mod:`qa_coach.rubric.loader`), and the JSON Schema that
editors use to check rubric files is generated from them::

    python -m qa_coach.rubric.schema > docs/rubric.schema.json

Every default a rubric file may leave out is written here and nowhere else. Problems
are reported in words a rubric author understands: each error is a pydantic error of
type ``rubric`` whose message is final, or one of pydantic's own types that the loader
puts into words.
"""

import difflib
import json
import math
from typing import Annotated, Any, Iterator, Literal, Union, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from qa_coach.domain.customer_requests import RequestOutcome
from qa_coach.domain.details import DetailEventKind
from qa_coach.domain.detectors.linear_regex import PatternError, compile_pattern
from qa_coach.domain.rubric import ANSWER_PRESETS, route_names
from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.domain.turn_tags import TAG_NAMES, tag_named

SCHEMA_ID = "qa-coach/rubric/1"
WEIGHT_TOTAL = 100.0  # the non-bonus weights of a rubric add up to this; no weight is more
MIN_WEIGHT = 0.01  # the smallest weight: with bonus points over it, a score stays finite
PROBLEM = "rubric"  # the pydantic error type of every problem worded here

Loc = tuple[Union[str, int], ...]


# -- reporting problems -------------------------------------------------------------------
def problem(loc: Loc, message: str, value: Any = None) -> InitErrorDetails:
    """A problem at ``loc`` (relative to the model that finds it), in final words."""
    return InitErrorDetails(type=PydanticCustomError(PROBLEM, message), loc=loc, input=value)


def raise_problems(title: str, problems: list[InitErrorDetails]) -> None:
    """Raise every problem at once (pydantic prefixes each location with the model's own)."""
    if problems:
        raise ValidationError.from_exception_data(title, problems)


def _again(error: ErrorDetails) -> InitErrorDetails:
    """An error pydantic reported, in the form that raises it again."""
    if error["type"] == PROBLEM:
        return problem(error["loc"], error["msg"], error["input"])
    details = InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"])
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


def did_you_mean(value: Any, choices: list[str], otherwise: str = "") -> str:
    """"; did you mean 'x'?" for the choice nearest to ``value``, else ``otherwise``."""
    hint = difflib.get_close_matches(str(value), choices, n=1)
    return f"; did you mean '{hint[0]}'?" if hint else otherwise


def _worded(message: str) -> WrapValidator:
    """Report any problem with a plain value (a number, a flag, a name) as ``message``."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            if isinstance(value, float) and not math.isfinite(value):  # YAML's .inf, -.inf, .nan
                spelled = ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
                raise PydanticCustomError(PROBLEM, f"{message}, not {spelled}") from None
            raise PydanticCustomError(PROBLEM, message) from None

    return WrapValidator(check)


def _one_of(what: str, choices: Any, also: str = "") -> Any:
    """The type of a value among the ``Literal`` ``choices``: another value is reported as
    an unknown ``what``, with the nearest choice as a hint."""
    names: tuple[str, ...] = get_args(choices)

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, str) and value in names:
            return handler(value)
        listed = f"{', '.join(names)}{also}"
        if not isinstance(value, str):
            raise PydanticCustomError(PROBLEM, f"must be one of: {listed}")
        hint = did_you_mean(value, list(names), f" (use {listed})")
        raise PydanticCustomError(PROBLEM, f"unknown {what} '{value}'{hint}")

    return Annotated[choices, WrapValidator(check)]


def _compiles(pattern: str) -> str:
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise PydanticCustomError(PROBLEM, exc.reason) from None
    return pattern


def _version_text(value: str | int | float) -> str:
    text = str(value)
    if not text.strip():
        raise PydanticCustomError(PROBLEM, "must not be blank")
    return text


def _yaml_answer_key(value: Any) -> Any:
    """YAML 1.1 reads yes/no as booleans and 1..5 as numbers: the answer keys people wrote."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, int):
        return str(value)
    return value


# -- plain values ---------------------------------------------------------------------------
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Identifier = Annotated[
    str,
    Field(pattern=_ID_PATTERN),
    _worded("must be an identifier: lowercase letters, digits and _ (e.g. active_listening)"),
]
SignalName = Annotated[
    str, Field(pattern=_ID_PATTERN), _worded("signal names must be lowercase letters, digits and _")
]
Text = Annotated[str, Field(min_length=1, pattern=r"\S"), _worded("must be non-empty text")]
Regex = Annotated[Text, AfterValidator(_compiles)]
Flag = Annotated[bool, _worded("must be true or false")]
Number = Annotated[float, _worded("must be a number")]
Points = Annotated[float, Field(ge=0), _worded("must be a number ≥ 0")]
Weight = Annotated[
    float, Field(ge=MIN_WEIGHT, le=WEIGHT_TOTAL), _worded(f"must be a number from {MIN_WEIGHT:g} to {WEIGHT_TOTAL:g}")
]
Count = Annotated[int, Field(ge=1), _worded("must be a whole number ≥ 1")]
Similarity = Annotated[float, Field(ge=0, le=1), _worded("must be a number from 0 to 1")]
SentimentScore = Annotated[float, Field(ge=-1, le=1), _worded("must be a number from -1 to 1")]
Probability = Annotated[float, Field(ge=0, le=1), _worded("must be a probability from 0 to 1")]
AnswerKey = Annotated[
    str,
    Field(min_length=1),
    BeforeValidator(_yaml_answer_key),
    _worded("must be an answer key such as yes, no or 3"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}, {"type": "boolean"}],
            "description": "An answer key; YAML's yes/no (true/false) read as 'yes'/'no', numbers as text.",
        }
    ),
]
Version = Annotated[
    Union[str, int, float],
    AfterValidator(_version_text),
    _worded("must be a version such as 1 or '2024-05'"),
]
Speaker = _one_of("speaker", Literal["agent", "customer", "any"])
Aggregate = _one_of("aggregate", Literal["mean", "min", "max", "last"])
ChangeSpeaker = _one_of("speaker", Literal["customer", "agent"])
CriticalScope = _one_of("critical scope", Literal["interaction", "section"])
AnswerPreset = _one_of("answer type", Literal[tuple(ANSWER_PRESETS)], " or a list")
TurnTag = _one_of("turn tag", Literal[TAG_NAMES])
DetailEvent = _one_of("detail event", Literal[tuple(k.value for k in DetailEventKind)])
RequestOutcomeName = _one_of("request outcome", Literal[tuple(o.value for o in RequestOutcome)])


class _Model(BaseModel):
    """Strict (no number as text, no flag as number), closed (unknown fields are errors),
    finite (no .inf or .nan anywhere)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    @model_validator(mode="wrap")
    @classmethod
    def _name_unknown_fields(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """An unknown field is reported with the nearest known one ("did you mean")."""
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            if not any(e["type"] == "extra_forbidden" and len(e["loc"]) == 1 for e in errors):
                raise
            known = sorted(f.alias or name for name, f in cls.model_fields.items())
            worded = [
                problem(e["loc"], "unknown field" + did_you_mean(e["loc"][0], known, f"; allowed: {', '.join(known)}"), e["input"])
                if e["type"] == "extra_forbidden" and len(e["loc"]) == 1
                else _again(e)
                for e in errors
            ]
            raise ValidationError.from_exception_data(cls.__name__, worded) from None


# -- conditions -----------------------------------------------------------------------------
class AllOf(_Model):
    """Holds when every condition in the list holds."""

    all: list["Condition"] = Field(min_length=1, description="The conditions that must all hold.")


class AnyOf(_Model):
    """Holds when at least one condition in the list holds."""

    any: list["Condition"] = Field(min_length=1, description="The conditions of which one must hold.")


class Negation(_Model):
    """Holds when the condition does not."""

    not_: "Condition" = Field(alias="not", description="The condition that must not hold.")


_CONDITION_TAGS = {"all": "all_of", "any": "any_of", "not": "negation"}


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "signal"
    if isinstance(value, dict) and len(value) == 1:
        return _CONDITION_TAGS.get(next(iter(value)))
    return None


Condition = Annotated[
    Union[
        Annotated[str, Tag("signal")],
        Annotated[AllOf, Tag("all_of")],
        Annotated[AnyOf, Tag("any_of")],
        Annotated[Negation, Tag("negation")],
    ],
    Discriminator(
        _condition_kind,
        custom_error_type=PROBLEM,
        custom_error_message="a condition is a signal name or {all: [...]}, {any: [...]}, {not: ...}",
    ),
    Field(description="A signal name, or {all: [...]}, {any: [...]}, {not: ...} of conditions."),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Negation.model_rebuild()


def signal_references(condition: Condition, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every signal name a condition uses, with its place in the file."""
    if isinstance(condition, str):
        yield loc, condition
    elif isinstance(condition, AllOf):
        for i, c in enumerate(condition.all):
            yield from signal_references(c, (*loc, "all", i))
    elif isinstance(condition, AnyOf):
        for i, c in enumerate(condition.any):
            yield from signal_references(c, (*loc, "any", i))
    else:
        yield from signal_references(condition.not_, (*loc, "not"))


# -- detectors ------------------------------------------------------------------------------
class Window(_Model):
    """A speaker's first or last N turns (neither: all of them)."""

    first: Count | None = Field(None, description="Only the speaker's first N turns.")
    last: Count | None = Field(None, description="Only the speaker's last N turns.")

    @model_validator(mode="after")
    def _first_or_last(self) -> "Window":
        if self.first is not None and self.last is not None:
            raise PydanticCustomError(PROBLEM, "give either 'first' or 'last', not both")
        return self


class Scoped(Window):
    """The turns a detector reads: a speaker, and optionally their first or last N turns."""

    speaker: Speaker = Field("agent", description="Whose turns: agent, customer or any (both).")
    substantive: Flag = Field(
        False,
        description="With last: skip turns that only answer 'anything else?' or say goodbye.",
    )


class PhrasesDetector(Scoped):
    """Hit when a sentence (or clause) in scope means something close to one of the
    exemplar phrases, and closer to them than to any negative exemplar."""

    type: Literal["phrases"]
    exemplars: list[Text] = Field(min_length=1, description="Phrases with the meaning to find.")
    negative_exemplars: list[Text] = Field(
        [], description="Phrases that look alike but do not count (e.g. 'sorry, could you repeat that?')."
    )
    threshold: Similarity = Field(0.55, description="Cosine similarity a sentence needs to an exemplar.")
    min_count: Count = Field(1, description="Sentences that must match.")
    label: Text = Field("exemplar", description="What an exemplar is called in the evidence.")


class ActDetector(Scoped):
    """Hit when at least ``min_count`` sentences in scope carry one of the turn tags:
    what the trained turn tagger says a sentence (or a clause of it) does (apologises,
    reports_failure, thanks_or_accepts, ...). The tags belong to one speaker, whose
    turns it reads."""

    type: Literal["act"]
    tags: list[TurnTag] = Field(
        min_length=1, description="Turn tags of one speaker (see docs/rubrics.md); a sentence with any of them counts."
    )
    speaker: ChangeSpeaker | None = Field(
        None, description="Whose turns: the tags' speaker (the default), customer or agent; no other is allowed."
    )
    threshold: Probability | None = Field(
        None, description="The probability a tag needs; default: each tag's own threshold, as trained."
    )
    min_count: Count = Field(1, description="Sentences that must carry one of the tags.")

    @property
    def reads(self) -> str:
        """The speaker whose turns it reads: its tags' speaker."""
        return tag_named(self.tags[0]).speaker.value

    @model_validator(mode="after")
    def _one_speaker(self) -> "ActDetector":
        problems: list[InitErrorDetails] = []
        first = tag_named(self.tags[0])
        for i, name in enumerate(self.tags):
            tag = tag_named(name)
            if name in self.tags[:i]:
                problems.append(problem(("tags", i), f"'{name}' is listed twice", name))
            elif tag.speaker is not first.speaker:
                problems.append(problem(
                    ("tags", i),
                    f"'{name}' is a tag of {tag.speaker.value} turns and '{first.name}' of {first.speaker.value} "
                    "turns: one act signal reads one speaker's tags (use a signal per speaker and {any: [...]})",
                    name,
                ))
        if self.speaker is not None and self.speaker != self.reads and not problems:
            problems.append(problem(
                ("speaker",),
                f"'{first.name}' is a tag of {self.reads} turns, which a {self.speaker} turn never carries: "
                f"leave speaker out or set it to {self.reads}",
                self.speaker,
            ))
        raise_problems("ActDetector", problems)
        return self


class PatternDetector(Scoped):
    """Hit when a sentence in scope matches one of the regular expressions
    (case-insensitive) and none of the ``exclude`` ones."""

    type: Literal["pattern"]
    patterns: list[Regex] = Field(min_length=1, description="Regular expressions (case-insensitive).")
    exclude: list[Regex] = Field([], description="A sentence matching one of these never counts.")
    min_count: Count = Field(1, description="Sentences that must match.")


class QuestionDetector(Scoped):
    """Hit when the speaker asks a question (also without a question mark) that is not
    close to one of the ``exclude`` phrases."""

    type: Literal["question"]
    exclude: list[Text] = Field([], description="Routine questions that do not count (verification, script).")
    exclude_threshold: Similarity = Field(0.6, description="Similarity to an excluded question that rules a question out.")
    relevant_to_customer: Flag = Field(False, description="Only questions about what the customer said.")
    relevance: Similarity = Field(
        0.3, description="With relevant_to_customer: similarity to a customer turn that makes a question relevant."
    )
    min_count: Count = Field(1, description="Questions that must be found.")


class ParaphraseDetector(_Model):
    """Hit when the agent restates a customer's earlier statement (similar meaning) or
    reuses several of its content words. It always compares agent with customer."""

    type: Literal["paraphrase"]
    threshold: Similarity = Field(0.5, description="Similarity of meaning that counts as a restatement.")
    min_shared_words: Count = Field(3, description="Shared content words that count as referring back.")
    lookback_turns: Count = Field(6, description="How many earlier customer turns an agent turn may refer to.")
    min_words: Count = Field(5, description="Shorter sentences (an order number, 'yes') are not compared.")
    min_count: Count = Field(1, description="Agent turns that must restate or refer back.")


class SentimentDetector(Scoped):
    """Hit when the sentiment score (positive − negative, −1..1) of the turns in scope
    reaches ``at_least`` or stays at or under ``at_most``."""

    type: Literal["sentiment"]
    speaker: Speaker = Field("customer", description="Whose turns: agent, customer or any (both).")
    at_least: SentimentScore | None = Field(None, description="Hit when the score is at least this.")
    at_most: SentimentScore | None = Field(None, description="Hit when the score is at most this.")
    aggregate: Aggregate = Field("mean", description="mean; min (any turn that low); max (any turn that high); last.")

    @model_validator(mode="after")
    def _needs_a_bound(self) -> "SentimentDetector":
        if self.at_least is None and self.at_most is None:
            raise PydanticCustomError(PROBLEM, "needs 'at_least' or 'at_most' (a sentiment score from -1 to 1)")
        return self


class SentimentChangeDetector(_Model):
    """Hit when a speaker's sentiment rises by at least ``min_rise`` from the ``from``
    window (its lowest turn) to the ``to`` window (its last turn)."""

    type: Literal["sentiment_change"]
    speaker: ChangeSpeaker = Field("customer", description="Whose sentiment: customer or agent.")
    from_: Window = Field(Window(first=2), alias="from", description="The turns it rises from.")
    to: Window = Field(Window(last=2), description="The turns it rises to.")
    min_rise: SentimentScore = Field(0.3, description="The rise in sentiment score that counts.")


class MetricDetector(_Model):
    """Hit when a call metric (recorded calls only) is within bounds; on a chat it is
    unknown, and a rule treats it as not hit."""

    type: Literal["metric"]
    name: Identifier = Field(description="The call metric, e.g. silence_ratio.")
    at_most: Number | None = Field(None, description="Hit when the metric is at most this.")
    at_least: Number | None = Field(None, description="Hit when the metric is at least this.")

    @model_validator(mode="after")
    def _needs_a_bound(self) -> "MetricDetector":
        if self.at_least is None and self.at_most is None:
            raise PydanticCustomError(PROBLEM, "needs 'at_least' or 'at_most'")
        return self


class DetailsDetector(_Model):
    """Hit when at least ``min_count`` of the customer's stated details (days, dates,
    times, counts, where from and to, areas, names, references) meet one of ``events``:
    used by the agent, re-asked by the agent, repeated by the customer unasked, or
    contradicted (the agent reads back or books another weekday or count)."""

    type: Literal["details"]
    events: list[DetailEvent] = Field(
        min_length=1, description="What happened to a detail: used, re-asked, repeated, contradicted (a detail counts once per event)."
    )
    min_count: Count = Field(1, description="Events that must be found.")


class RequestsDetector(_Model):
    """Hit when at least ``min_count`` items of information the customer asked for (a
    phone number, an address, a postcode, a price or fee, a reference number, a time, an
    e-mail address, a website) ended with one of ``outcomes``: answered by a later agent
    sentence, not given (the agent said it does not have it), or unanswered."""

    type: Literal["requests"]
    outcomes: list[RequestOutcomeName] = Field(
        min_length=1, description="What became of a requested item: answered, not-given, unanswered."
    )
    min_count: Count = Field(1, description="Requested items that must be found.")
    asked_again: bool = Field(
        False, description="Count only items the customer had already asked for in an earlier turn, in vain."
    )


DETECTORS = (
    PhrasesDetector,
    ActDetector,
    DetailsDetector,
    RequestsDetector,
    PatternDetector,
    QuestionDetector,
    ParaphraseDetector,
    SentimentDetector,
    SentimentChangeDetector,
    MetricDetector,
)
DETECTOR_TYPES = tuple(get_args(d.model_fields["type"].annotation)[0] for d in DETECTORS)


def _known_detector_type(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if not isinstance(value, dict) or "type" not in value:
        raise PydanticCustomError(PROBLEM, f"must be a mapping with a 'type' ({', '.join(DETECTOR_TYPES)})")
    kind = value["type"]
    if kind not in DETECTOR_TYPES:
        raise_problems(
            "Detector",
            [problem(("type",), f"unknown detector '{kind}'" + did_you_mean(kind, list(DETECTOR_TYPES), f" (known: {', '.join(DETECTOR_TYPES)})"), kind)],
        )
    return handler(value)


Detector = Annotated[
    Union[DETECTORS],  # type: ignore[valid-type]
    Field(discriminator="type"),
    WrapValidator(_known_detector_type),
]


# -- criteria, sections, the rubric -----------------------------------------------------------
class AnswerOption(_Model):
    """One answer of a criterion's own list."""

    key: AnswerKey = Field(description="What rules and examples call this answer.")
    label: Text | None = Field(None, description="Shown on the scorecard; default: the key.")
    points: Points = Field(description="Earns points / the highest points of the list, of the weight.")

    @property
    def shown_label(self) -> str:
        return self.label if self.label is not None else self.key


def _options_make_sense(options: list[AnswerOption]) -> list[AnswerOption]:
    if len({o.key for o in options}) != len(options):
        raise PydanticCustomError(PROBLEM, "answer keys must be unique")
    if max(o.points for o in options) <= 0:
        raise PydanticCustomError(PROBLEM, "at least one option must earn points")
    return options


_PRESETS_WORDS = f"{', '.join(ANSWER_PRESETS)} or a list of at least two options"
Answers = Annotated[
    Union[
        Annotated[AnswerPreset, Tag("preset")],
        Annotated[list[AnswerOption], Field(min_length=2), AfterValidator(_options_make_sense), Tag("options")],
    ],
    Discriminator(
        lambda v: "preset" if isinstance(v, str) else "options" if isinstance(v, list) else None,
        custom_error_type=PROBLEM,
        custom_error_message=f"must be an answer type ({_PRESETS_WORDS})",
    ),
]


class Rule(_Model):
    """When the condition holds, the criterion gets this answer (the first rule that holds wins)."""

    answer: AnswerKey = Field(description="The answer this rule gives.")
    when: Condition


class Criterion(_Model):
    """One scored question of the rubric: its signals (detectors) and the rules that turn
    them into an answer."""

    id: Identifier = Field(description="Unique in the rubric, e.g. active_listening.")
    name: Text = Field(description="Shown on scorecards.")
    description: Text = Field("", description="What the criterion asks, for reviewers.")
    weight: Weight = Field(description="Points at stake; the non-bonus weights of a rubric add up to 100.")
    bonus: Flag = Field(False, description="Bonus points add to the score but not to the denominator.")
    answers: Answers = Field(
        "yes_no", description=f"An answer type ({', '.join(ANSWER_PRESETS)}) or a list of options with points."
    )
    critical: Flag = Field(False, description="Failing it sets the score (or its section's) to zero.")
    fail_answers: list[AnswerKey] = Field(
        [], description="The answers that fail a critical criterion; default: those worth 0 points."
    )
    signals: dict[SignalName, Detector] = Field(
        min_length=1, description="Named detectors that look for evidence; rules refer to them by name."
    )
    rules: list[Rule] = Field([], description="The first rule whose condition holds gives the answer.")
    otherwise: AnswerKey = Field(description="The answer when no rule holds.")
    na_when: Condition | None = Field(None, description="When it holds, the criterion is N/A (leaves the denominator).")
    na_reason: Text = Field("", description="Shown on the scorecard when N/A.")
    coaching_tip: Text = Field("", description="Advice shown when the criterion is missed.")
    confidence: dict[Text, Probability] = Field(
        {},
        description="Calibrated confidence of each route to an answer ('na', 'rule 1', 'rule 2', ..., "
        "'otherwise'): how often it agreed with reviewers, fitted on reviewed conversations "
        "(qa-coach evaluate --fit-confidence); a route not listed keeps the detectors' confidence.",
    )

    @property
    def answer_keys(self) -> list[str]:
        if isinstance(self.answers, str):
            return [o.key for o in ANSWER_PRESETS[self.answers]]
        return [o.key for o in self.answers]

    @model_validator(mode="after")
    def _consistent(self) -> "Criterion":
        keys = self.answer_keys
        problems: list[InitErrorDetails] = []

        def answer_problem(loc: Loc, answer: str) -> None:
            if answer not in keys:
                problems.append(problem(loc, f"'{answer}' is not one of the answers ({', '.join(sorted(keys))})", answer))

        for i, rule in enumerate(self.rules):
            answer_problem(("rules", i, "answer"), rule.answer)
        answer_problem(("otherwise",), self.otherwise)
        unknown = [a for a in self.fail_answers if a not in keys]
        if unknown:
            problems.append(problem(("fail_answers",), f"unknown answer(s): {', '.join(unknown)}", self.fail_answers))
        if self.critical and self.bonus:
            problems.append(problem(("critical",), "a bonus criterion cannot be critical", True))
        routes = route_names(len(self.rules), self.na_when is not None)
        for route in self.confidence:
            if route not in routes:
                problems.append(problem(
                    ("confidence", route), f"'{route}' is not a route of this criterion ({', '.join(routes)})", route))

        conditions = [(("rules", i, "when"), r.when) for i, r in enumerate(self.rules)]
        if self.na_when is not None:
            conditions.append((("na_when",), self.na_when))
        used = set()
        for loc, condition in conditions:
            for where, name in signal_references(condition, loc):
                used.add(name)
                if name not in self.signals:
                    hint = did_you_mean(name, list(self.signals), f" (signals: {', '.join(self.signals)})")
                    problems.append(problem(where, f"unknown signal '{name}'{hint}", name))
        unused = sorted(set(self.signals) - used)
        if unused:
            problems.append(problem(("signals",), f"signal(s) never used by a rule: {', '.join(unused)}", unused))
        raise_problems("Criterion", problems)
        return self


class Section(_Model):
    """A group of criteria, with its own score on the scorecard."""

    id: Identifier = Field(description="Unique in the rubric.")
    name: Text | None = Field(None, description="Shown on scorecards; default: the id.")
    critical_scope: CriticalScope = Field(
        "interaction", description="What a failed critical criterion zeroes: the interaction or this section."
    )
    criteria: list[Criterion] = Field(min_length=1)

    @property
    def shown_name(self) -> str:
        return self.name if self.name is not None else self.id


class Example(_Model):
    """A conversation the rubric carries, with the answers it should get
    (``qa-coach rubric test`` scores it)."""

    id: Annotated[Union[str, int], AfterValidator(str), _worded("must be text")] = Field(description="Names the example in reports.")
    transcript: Text = Field(description="'Agent: ...' / 'Customer: ...' lines.")
    expected: dict[str, AnswerKey] = Field(
        min_length=1, description="Criterion id → the expected answer key, or na for N/A."
    )


class Rubric(_Model):
    """A rubric file: sections → criteria → answer options, signals and rules."""

    model_config = ConfigDict(title="qa-coach rubric")

    id: Identifier = Field(description="Identifies the rubric, e.g. my_team.")
    name: Text = Field(description="Shown in the app and on reports.")
    version: Version = Field(description="Stored with every score, with the file's SHA-256.")
    description: Text = Field("", description="What the rubric is for.")
    sections: list[Section] = Field(min_length=1)
    examples: list[Example] = Field([], description="Conversations with expected answers (qa-coach rubric test).")

    @model_validator(mode="after")
    def _consistent(self) -> "Rubric":
        problems: list[InitErrorDetails] = []
        seen: dict[str, str] = {}
        criteria = {}
        for i, section in enumerate(self.sections):
            for j, c in enumerate(section.criteria):
                where = f"sections[{i}].criteria[{j}]"
                if c.id in seen:
                    problems.append(problem(("sections", i, "criteria", j, "id"), f"duplicate criterion id '{c.id}' (also at {seen[c.id]})", c.id))
                else:
                    seen[c.id] = where
                    criteria[c.id] = c
        counted = [c for s in self.sections for c in s.criteria if not c.bonus]
        total = math.fsum(c.weight for c in counted)
        if abs(total - WEIGHT_TOTAL) > 0.01:
            parts = ", ".join(f"{c.id} {c.weight:g}" for c in counted)
            problems.append(problem(("sections",), f"criterion weights add up to {total:g}, not {WEIGHT_TOTAL:g} ({parts})", total))
        for i, example in enumerate(self.examples):
            for cid, answer in example.expected.items():
                loc = ("examples", i, "expected", cid)
                if cid not in criteria:
                    problems.append(problem(loc, "no criterion with this id in the rubric" + did_you_mean(cid, list(criteria)), cid))
                elif answer != BuiltInAnswer.NA and answer not in criteria[cid].answer_keys:
                    keys = ", ".join(criteria[cid].answer_keys)
                    problems.append(
                        problem(loc, f"'{answer}' is not one of the answers ({keys}) nor {BuiltInAnswer.NA}", answer)
                    )
        raise_problems("Rubric", problems)
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema of rubric files, as committed in docs/rubric.schema.json."""
    body = Rubric.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **body,
        "description": (
            "A qa-coach rubric file (YAML): sections → criteria → answer options, the signals "
            "(detectors) that look for evidence and the rules that turn them into answers. "
            "Generated from qa_coach/rubric/schema.py by `python -m qa_coach.rubric.schema`; see docs/rubrics.md."
        ),
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(json_schema_text())
