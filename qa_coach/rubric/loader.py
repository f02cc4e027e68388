"""Reading rubric files: YAML (with the line of every key) → the schema models of
:mod:`qa_coach.rubric.schema` → the frozen domain objects of :mod:`qa_coach.domain.rubric`.

Every problem names the file, the YAML path and the line:
``rubrics/x.yaml: sections[0].criteria[1].weight (line 23): must be a number from 0.01 to 100``.
"""

from __future__ import annotations

import hashlib
import stat
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from qa_coach.domain.conditions import AllOf, AnyOf, Condition, Not, SignalRef
from qa_coach.domain.detectors import (
    ActSpec,
    DetailsSpec,
    RequestsSpec,
    DetectorSpec,
    MetricSpec,
    ParaphraseSpec,
    PatternSpec,
    PhrasesSpec,
    QuestionSpec,
    Scope,
    SentimentChangeSpec,
    SentimentSpec,
)
from qa_coach.domain.customer_requests import RequestOutcome
from qa_coach.domain.details import DetailEventKind
from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Role
from qa_coach.domain.rubric import ANSWER_PRESETS, AnswerOption, Criterion, Rubric, RubricExample, Rule, Section
from qa_coach.rubric import schema

BUILTIN_PACKAGE = "qa_coach.rubric.builtin"
DEFAULT_RUBRIC = "default"

# Bounds on the work a rubric file can ask for (the default rubric: 27 KB, about 1,000
# values, 12 levels deep).
MAX_RUBRIC_BYTES = 1024 * 1024
MAX_YAML_VALUES = 50_000  # keys, values and items; each use of an alias counts its anchor's
MAX_YAML_DEPTH = 50  # mappings and lists inside each other


class RubricError(InputError):
    """One or more problems in a rubric file; ``problems`` lists them all as (where, message)."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        where, message = problems[0]
        more = "".join(f"\n  {w}: {m}" for w, m in problems[1:])
        super().__init__(source, where, message + more)


# -- finding the file -------------------------------------------------------------------------
def builtin_rubrics() -> list[str]:
    """The names of the rubrics that ship inside the package."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def resolve_rubric_path(name_or_path: str | Path | None) -> Path | Traversable:
    """A file path, or the name of a built-in rubric (default: the default rubric)."""
    if name_or_path is None:
        name_or_path = DEFAULT_RUBRIC
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    candidate = resources.files(BUILTIN_PACKAGE) / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(builtin_rubrics())
    raise InputError(str(name_or_path), None, f"no such rubric file or name (built-in: {known})")


def load_rubric(name_or_path: str | Path | None = None) -> Rubric:
    """Load and validate a rubric file (or a built-in rubric by name, default 'default')."""
    path = resolve_rubric_path(name_or_path)
    try:
        raw = _read_bounded(path) if isinstance(path, Path) else path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), None, "rubric file not found") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read the rubric file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
    return parse_rubric(text, source=str(path))


def _read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_RUBRIC_BYTES (never waits on a pipe or
    reads a device without end)."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError(str(path), None, "not a regular file: a rubric is a YAML file")
    with path.open("rb") as f:
        raw = f.read(MAX_RUBRIC_BYTES + 1)
    if len(raw) > MAX_RUBRIC_BYTES:
        raise InputError(str(path), None, _too_large())
    return raw


def _too_large() -> str:
    return f"too large: a rubric file may hold at most {MAX_RUBRIC_BYTES // 1024:,} KB"


def parse_rubric(text: str, source: str = "<rubric>") -> Rubric:
    """Validate a rubric's YAML text; ``source`` names it in errors and becomes ``Rubric.path``.

    Validation costs tens of milliseconds and a Rubric is a frozen value, so the same text
    from the same source is validated once per process (a file is still read every time,
    so an edited file is seen at once).
    """
    if len(text) > MAX_RUBRIC_BYTES or len(text.encode("utf-8")) > MAX_RUBRIC_BYTES:
        raise InputError(source, None, _too_large())
    return _parse_rubric(text, source)


@lru_cache(maxsize=32)
def _parse_rubric(text: str, source: str) -> Rubric:
    data = _read_yaml(text, source)
    if data is None:
        raise RubricError(source, [("", "the rubric file is empty")])
    duplicates = _duplicate_keys(data, "")
    if duplicates:
        raise RubricError(source, duplicates)
    try:
        model = schema.Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(source, _problems(exc, data)) from None
    return _rubric(model, data, text, source)


# -- YAML that remembers lines ------------------------------------------------------------------
class _Mapping(dict):
    """A YAML mapping that remembers its line, the line of each key, and the keys it
    holds twice (the first value is kept; the file is refused)."""

    line: int = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class _Sequence(list):
    """A YAML list that remembers its line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _TooMuch(yaml.MarkedYAMLError):
    """The YAML asks for more work than a rubric may (see MAX_YAML_VALUES, MAX_YAML_DEPTH)."""


class _LineLoader(yaml.SafeLoader):
    """Reads a document within bounds: at most MAX_YAML_DEPTH levels deep, and at most
    MAX_YAML_VALUES values with every alias expanded, so a small file of anchors ("a billion
    laughs") is refused while it is read, long before its expansion would be built."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._total = 0  # values read so far, each use of an alias counting its anchor's
        self._values: dict[int, int] = {}  # id(node) -> the values it holds, itself included

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # Checked while scanning too: the scanner reads ahead of the composer.
        if self.flow_level >= MAX_YAML_DEPTH:
            raise _TooMuch(None, None, _TOO_DEEP, self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)  # an unknown alias is an error there
            if id(node) not in self._values:
                raise _TooMuch(None, None, f"the alias *{event.anchor} is inside its own anchor &{event.anchor}",
                               event.start_mark)
            self._count(self._values[id(node)], event.start_mark)
            return node
        if self._depth >= MAX_YAML_DEPTH:
            raise _TooMuch(None, None, _TOO_DEEP, event.start_mark)
        self._count(1, event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        self._values[id(node)] = 1 + sum(self._values[id(child)] for child in children)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value YAML resolves but Python cannot hold (a 13th month, an integer of 5,000
        digits) is an error at its place."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            why = "a number too long to read" if "integer string conversion" in str(exc) else str(exc)
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({why})", node.start_mark
            ) from None

    def _count(self, values: int, mark: yaml.Mark) -> None:
        self._total += values
        if self._total > MAX_YAML_VALUES:
            raise _TooMuch(None, None, _TOO_MANY, mark)


_TOO_DEEP = f"nested more than {MAX_YAML_DEPTH} levels deep (mappings and lists inside each other)"
_TOO_MANY = (
    f"more than {MAX_YAML_VALUES:,} values once aliases are expanded (each use of an alias counts all the "
    "values of its anchor)"
)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    out = _Mapping()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    out.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            out.duplicates.append((key, key_node.start_mark.line + 1))
            continue
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Sequence:
    out = _Sequence(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except _TooMuch as exc:
        mark = exc.problem_mark
        raise InputError(source, f"line {mark.line + 1}, column {mark.column + 1}", exc.problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(source, where, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(source, None, f"not valid YAML: {exc}") from None


# -- problems: where and what ---------------------------------------------------------------------
def _key_path(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _duplicate_keys(node: Any, path: str) -> list[tuple[str, str]]:
    """Every key written twice in one mapping, as (``path (line N)``, message)."""
    found = []
    if isinstance(node, _Mapping):
        for key, line in node.duplicates:
            where = f"{_key_path(path, key)} (line {line})"
            found.append((where, f"duplicate key '{key}' (first at line {node.key_lines[key]})"))
        for key, value in node.items():
            found += _duplicate_keys(value, _key_path(path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _duplicate_keys(value, f"{path}[{i}]")
    return found


def _problems(exc: ValidationError, data: Any) -> list[tuple[str, str]]:
    """Each validation error as (``path (line N)``, message), in the order of the file."""
    located = []
    for error in exc.errors(include_url=False):
        path, line = _locate(data, error["loc"], missing=error["type"] == "missing")
        where = f"{path} (line {line})" if line else path
        located.append((line or 0, where, _message(error)))
    located.sort(key=lambda p: p[0])
    return [(where, message) for _, where, message in located]


def _locate(data: Any, loc: tuple[str | int, ...], *, missing: bool) -> tuple[str, int | None]:
    """The YAML path (``sections[0].criteria[2].signals.greet.threshold``) and line of an
    error's location. Pydantic puts the tag of a union member (a detector type, a kind of
    condition) into the location: a part that is not in the data is such a tag, unless it
    is the missing field itself."""
    path = ""
    node, line = data, None
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            path = _key_path(path, part)
            line = node.key_lines.get(part) if isinstance(node, _Mapping) else line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path += f"[{part}]"
            line = node.item_lines[part] if isinstance(node, _Sequence) else line
            node = node[part]
        elif missing and i == len(loc) - 1:
            path = _key_path(path, part)
            line = getattr(node, "line", line)
    return path, line


def _kind(value: Any) -> str:
    kinds = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}
    return next((k for t, k in kinds.items() if isinstance(value, t)), type(value).__name__)


def _message(error: ErrorDetails) -> str:
    """The words for one error: the schema's own, or pydantic's kind of error put plainly."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == schema.PROBLEM:
        return error["msg"]
    if kind == "missing":
        return "is required"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping (key: value), got {_kind(error['input'])}"
    if kind == "list_type":
        return f"must be a list, got {_kind(error['input'])}"
    if kind == "too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"needs at least {ctx.get('min_length')} items"
    if kind == "string_type":
        return "must be text"
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected')}"
    msg = error["msg"]
    return msg[:1].lower() + msg[1:]


# -- domain objects ---------------------------------------------------------------------------------
def _rubric(model: schema.Rubric, data: Any, text: str, source: str) -> Rubric:
    example_lines = data.get("examples", [])
    return Rubric(
        id=model.id,
        name=model.name,
        version=model.version,
        description=model.description,
        sections=tuple(_section(s) for s in model.sections),
        examples=tuple(
            RubricExample(e.id, e.transcript, dict(e.expected), getattr(example_lines[i], "line", None))
            for i, e in enumerate(model.examples)
        ),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_text=text,
        path=source,
    )


def _section(model: schema.Section) -> Section:
    name = model.shown_name
    return Section(model.id, name, tuple(_criterion(c, name) for c in model.criteria), model.critical_scope)


def _criterion(model: schema.Criterion, section: str) -> Criterion:
    return Criterion(
        id=model.id,
        name=model.name,
        section=section,
        description=model.description,
        weight=model.weight,
        options=_options(model.answers),
        signals={name: _detector(d) for name, d in model.signals.items()},
        rules=tuple(Rule(r.answer, _condition(r.when)) for r in model.rules),
        otherwise=model.otherwise,
        na_when=_condition(model.na_when) if model.na_when is not None else None,
        na_reason=model.na_reason,
        critical=model.critical,
        fail_answers=tuple(model.fail_answers),
        bonus=model.bonus,
        coaching_tip=model.coaching_tip,
        route_confidence=tuple(model.confidence.items()),
    )


def _options(answers: str | list[schema.AnswerOption]) -> tuple[AnswerOption, ...]:
    if isinstance(answers, str):
        return ANSWER_PRESETS[answers]
    top = max(o.points for o in answers)
    return tuple(AnswerOption(o.key, o.shown_label, o.points / top) for o in answers)


def _condition(model: schema.Condition) -> Condition:
    if isinstance(model, str):
        return SignalRef(model)
    if isinstance(model, schema.AllOf):
        return AllOf(tuple(_condition(c) for c in model.all))
    if isinstance(model, schema.AnyOf):
        return AnyOf(tuple(_condition(c) for c in model.any))
    return Not(_condition(model.not_))


def _scope(model: schema.Scoped, speaker: str | None = None) -> Scope:
    """The turns ``model`` reads; ``speaker`` overrides the model's own (an act signal reads
    its tags' speaker)."""
    name = speaker or model.speaker
    return Scope(
        speaker=None if name == "any" else Role(name), first=model.first, last=model.last,
        substantive=model.substantive,
    )


def _window(speaker: str, window: schema.Window) -> Scope:
    return Scope(speaker=Role(speaker), first=window.first, last=window.last, substantive=False)


def _detector(model: Any) -> DetectorSpec:
    match model:
        case schema.PhrasesDetector():
            return PhrasesSpec(
                exemplars=tuple(model.exemplars),
                scope=_scope(model),
                threshold=model.threshold,
                negative_exemplars=tuple(model.negative_exemplars),
                min_count=model.min_count,
                label=model.label,
            )
        case schema.ActDetector():
            return ActSpec(
                tags=tuple(model.tags),
                scope=_scope(model, speaker=model.reads),
                threshold=model.threshold,
                min_count=model.min_count,
            )
        case schema.DetailsDetector():
            return DetailsSpec(events=tuple(DetailEventKind(e) for e in model.events), min_count=model.min_count)
        case schema.RequestsDetector():
            return RequestsSpec(
                outcomes=tuple(RequestOutcome(o) for o in model.outcomes),
                min_count=model.min_count,
                asked_again=model.asked_again,
            )
        case schema.PatternDetector():
            return PatternSpec(
                patterns=tuple(model.patterns),
                scope=_scope(model),
                min_count=model.min_count,
                exclude=tuple(model.exclude),
            )
        case schema.QuestionDetector():
            return QuestionSpec(
                scope=_scope(model),
                exclude=tuple(model.exclude),
                exclude_threshold=model.exclude_threshold,
                relevant_to_customer=model.relevant_to_customer,
                relevance=model.relevance,
                min_count=model.min_count,
            )
        case schema.ParaphraseDetector():
            return ParaphraseSpec(
                threshold=model.threshold,
                min_shared_words=model.min_shared_words,
                lookback_turns=model.lookback_turns,
                min_count=model.min_count,
                min_words=model.min_words,
            )
        case schema.SentimentDetector():
            return SentimentSpec(
                scope=_scope(model), at_least=model.at_least, at_most=model.at_most, aggregate=model.aggregate
            )
        case schema.SentimentChangeDetector():
            return SentimentChangeSpec(
                start=_window(model.speaker, model.from_),
                end=_window(model.speaker, model.to),
                min_rise=model.min_rise,
            )
        case schema.MetricDetector():
            return MetricSpec(name=model.name, at_most=model.at_most, at_least=model.at_least)
    raise TypeError(f"no domain detector for {type(model).__name__}")
