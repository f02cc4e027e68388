"""Reading rubric YAML files into :class:`qa_coach.domain.rubric.Rubric`, with
validation errors that name the file, the field path and the line."""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Any, Callable

import yaml

from qa_coach.domain.conditions import AllOf, AnyOf, Condition, Not, SignalRef
from qa_coach.domain.detectors import DETECTOR_TYPES
from qa_coach.domain.detectors.base import Scope
from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Role
from qa_coach.domain.rubric import (
    ANSWER_PRESETS,
    AnswerOption,
    Criterion,
    Rule,
    Rubric,
    RubricExample,
    Section,
)
from qa_coach.domain.scoring import used_signals

RUBRICS_DIR = Path(__file__).resolve().parents[1] / "rubrics"
DEFAULT_RUBRIC = "default"
WEIGHT_TOTAL = 100.0
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class RubricError(InputError):
    """One or more problems in a rubric file; ``problems`` lists them all."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        where, message = problems[0]
        more = "".join(f"\n  {w}: {m}" for w, m in problems[1:])
        super().__init__(source, where, message + more)


class _Node(dict):
    """A YAML mapping that remembers the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Node:
    out = _Node()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def resolve_rubric_path(name_or_path: str | Path | None) -> Path:
    """A file path, or the name of a rubric in the repo's rubrics/ folder."""
    if name_or_path is None:
        name_or_path = DEFAULT_RUBRIC
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    candidate = RUBRICS_DIR / f"{name_or_path}.yaml"
    if candidate.exists():
        return candidate
    known = sorted(p.stem for p in RUBRICS_DIR.glob("*.yaml"))
    raise InputError(str(name_or_path), None, f"no such rubric file or name (built-in: {', '.join(known)})")


def load_rubric(name_or_path: str | Path | None = None) -> Rubric:
    """Load and validate a rubric file (or a built-in rubric by name, default 'default')."""
    path = resolve_rubric_path(name_or_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, None, "rubric file not found") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read the rubric file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"byte {exc.start}", "not UTF-8 text") from None
    return parse_rubric(text, source=str(path))


def parse_rubric(text: str, source: str = "<rubric>") -> Rubric:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(source, where, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(source, None, f"not valid YAML: {exc}") from None
    v = _Validator(source)
    rubric = v.rubric(data, text)
    if v.problems:
        raise RubricError(source, v.problems)
    assert rubric is not None
    return rubric


_TOP_FIELDS = {"id", "name", "version", "description", "sections", "examples"}
_SECTION_FIELDS = {"id", "name", "criteria", "critical_scope"}
_CRITERION_FIELDS = {
    "id", "name", "description", "weight", "bonus", "answers", "critical", "fail_answers",
    "signals", "rules", "otherwise", "na_when", "na_reason", "coaching_tip",
}
_SCOPE_FIELDS = {"speaker", "first", "last", "substantive"}
_DETECTOR_FIELDS: dict[str, set[str]] = {
    "phrases": _SCOPE_FIELDS | {"exemplars", "negative_exemplars", "threshold", "min_count", "label"},
    "pattern": _SCOPE_FIELDS | {"patterns", "exclude", "min_count"},
    "question": _SCOPE_FIELDS | {"exclude", "exclude_threshold", "relevant_to_customer", "relevance", "min_count"},
    "paraphrase": {"threshold", "min_shared_words", "lookback_turns", "min_count"},
    "sentiment": _SCOPE_FIELDS | {"at_least", "at_most", "aggregate"},
    "sentiment_change": {"speaker", "from", "to", "min_rise"},
    "metric": {"name", "at_most", "at_least"},
}
assert set(_DETECTOR_FIELDS) == set(DETECTOR_TYPES)


class _Validator:
    """Walks the parsed YAML, collecting every problem with its field path and line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[str, str]] = []

    # -- helpers -----------------------------------------------------------------
    def err(self, path: str, node: Any, message: str, key: str | None = None) -> None:
        line = None
        if isinstance(node, _Node):
            line = node.key_lines.get(key, node.line) if key else node.line
        self.problems.append((f"{path} (line {line})" if line else path, message))

    def mapping(self, node: Any, path: str, allowed: set[str], parent: Any = None, key: str | None = None) -> bool:
        if not isinstance(node, dict):
            self.err(path, parent, f"must be a mapping (key: value), got {_kind(node)}", key)
            return False
        for k in node:
            if k not in allowed:
                hint = difflib.get_close_matches(str(k), sorted(allowed), n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(sorted(allowed))}"
                self.err(f"{path}.{k}" if path else str(k), node, f"unknown field{extra}", str(k))
        return True

    def field(self, node: dict, path: str, key: str, check: Callable[[Any], str | None], required: bool = True, default: Any = None) -> Any:
        full = f"{path}.{key}" if path else key
        if key not in node:
            if required:
                self.err(full, node, "is required")
            return default
        problem = check(node[key])
        if problem:
            self.err(full, node, problem, key)
            return default
        return node[key]

    # -- structure -----------------------------------------------------------------
    def rubric(self, data: Any, text: str) -> Rubric | None:
        if data is None:
            self.problems.append(("", "the rubric file is empty"))
            return None
        if not self.mapping(data, "", _TOP_FIELDS):
            return None
        rid = self.field(data, "", "id", _slug)
        name = self.field(data, "", "name", _text)
        version = self.field(data, "", "version", lambda v: None if isinstance(v, (str, int, float)) and str(v).strip() else "must be a version such as 1 or '2024-05'")
        description = self.field(data, "", "description", _text, required=False, default="")
        raw_sections = self.field(data, "", "sections", _nonempty_list)
        sections: list[Section] = []
        ids: dict[str, str] = {}
        for i, s in enumerate(raw_sections or []):
            sec = self.section(s, f"sections[{i}]", ids, raw_sections)
            if sec:
                sections.append(sec)
        criteria = [c for s in sections for c in s.criteria]
        total = sum(c.weight for c in criteria if not c.bonus)
        if criteria and abs(total - WEIGHT_TOTAL) > 0.01 and len(criteria) == len(ids):
            parts = ", ".join(f"{c.id} {c.weight:g}" for c in criteria if not c.bonus)
            self.err("sections", data, f"criterion weights add up to {total:g}, not {WEIGHT_TOTAL:g} ({parts})", "sections")
        examples = []
        raw_examples = self.field(data, "", "examples", _list, required=False, default=[])
        for i, e in enumerate(raw_examples or []):
            ex = self.example(e, f"examples[{i}]", ids, raw_examples)
            if ex:
                examples.append(ex)
        if self.problems:
            return None
        return Rubric(
            id=rid,
            name=name,
            version=str(version),
            description=description,
            sections=tuple(sections),
            examples=tuple(examples),
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            source_text=text,
            path=self.source,
        )

    def section(self, node: Any, path: str, ids: dict[str, str], parent: Any) -> Section | None:
        if not self.mapping(node, path, _SECTION_FIELDS, parent):
            return None
        sid = self.field(node, path, "id", _slug)
        name = self.field(node, path, "name", _text, required=False, default=sid)
        scope = self.field(node, path, "critical_scope", _one_of("interaction", "section"), required=False, default="interaction")
        crits = []
        raw = self.field(node, path, "criteria", _nonempty_list)
        for i, c in enumerate(raw or []):
            crit = self.criterion(c, f"{path}.criteria[{i}]", name or sid or "", ids, node)
            if crit:
                crits.append(crit)
        return Section(sid or "", name or "", tuple(crits), scope) if sid else None

    def criterion(self, node: Any, path: str, section: str, ids: dict[str, str], parent: Any) -> Criterion | None:
        if not self.mapping(node, path, _CRITERION_FIELDS, parent):
            return None
        cid = self.field(node, path, "id", _slug)
        if cid in ids:
            self.err(f"{path}.id", node, f"duplicate criterion id '{cid}' (also at {ids[cid]})", "id")
        elif cid:
            ids[cid] = path
        name = self.field(node, path, "name", _text)
        weight = self.field(node, path, "weight", _positive)
        options = self.answers(node, path)
        keys = {o.key for o in options} if options else set()
        signals = {}
        raw_signals = self.field(node, path, "signals", lambda v: None if isinstance(v, dict) and v else "must map signal names to detectors")
        for sname, spec in (raw_signals or {}).items():
            det = self.detector(spec, f"{path}.signals.{sname}", raw_signals, str(sname))
            if det is not None:
                signals[str(sname)] = det
        rules = []
        for i, r in enumerate(self.field(node, path, "rules", _list, required=False, default=[]) or []):
            rp = f"{path}.rules[{i}]"
            if not self.mapping(r, rp, {"answer", "when"}, node, "rules"):
                continue
            ans = self.field(r, rp, "answer", lambda v: _answer_key(v, keys))
            cond = self.condition(r.get("when"), f"{rp}.when", raw_signals or {}, r) if "when" in r else self.err(f"{rp}.when", r, "is required")
            if ans is not None and cond is not None:
                rules.append(Rule(_key(ans), cond))
        otherwise = self.field(node, path, "otherwise", lambda v: _answer_key(v, keys))
        na_when = self.condition(node["na_when"], f"{path}.na_when", raw_signals or {}, node) if "na_when" in node else None
        critical = self.field(node, path, "critical", _bool, required=False, default=False)
        fail = self.field(node, path, "fail_answers", lambda v: _answer_list(v, keys), required=False, default=())
        bonus = self.field(node, path, "bonus", _bool, required=False, default=False)
        if critical and bonus:
            self.err(f"{path}.critical", node, "a bonus criterion cannot be critical", "critical")
        crit = None
        if cid and name and weight and options and otherwise is not None and (raw_signals is not None):
            crit = Criterion(
                id=cid,
                name=name,
                section=section,
                description=self.field(node, path, "description", _text, required=False, default=""),
                weight=float(weight),
                options=options,
                signals=signals,
                rules=tuple(rules),
                otherwise=_key(otherwise),
                na_when=na_when,
                na_reason=self.field(node, path, "na_reason", _text, required=False, default=""),
                critical=bool(critical),
                fail_answers=tuple(_key(a) for a in fail),
                bonus=bool(bonus),
                coaching_tip=self.field(node, path, "coaching_tip", _text, required=False, default=""),
            )
            unused = set(signals) - used_signals(crit)
            if unused:
                self.err(f"{path}.signals", node, f"signal(s) never used by a rule: {', '.join(sorted(unused))}", "signals")
        return crit

    def answers(self, node: dict, path: str) -> tuple[AnswerOption, ...] | None:
        raw = node.get("answers", "yes_no")
        if isinstance(raw, str):
            if raw not in ANSWER_PRESETS:
                self.err(f"{path}.answers", node, f"unknown answer type '{raw}' (use {', '.join(ANSWER_PRESETS)} or a list)", "answers")
                return None
            return ANSWER_PRESETS[raw]
        if not isinstance(raw, list) or len(raw) < 2:
            self.err(f"{path}.answers", node, "must be an answer type or a list of at least two options", "answers")
            return None
        opts = []
        for i, o in enumerate(raw):
            op = f"{path}.answers[{i}]"
            if not self.mapping(o, op, {"key", "label", "points"}, node, "answers"):
                return None
            key = self.field(o, op, "key", lambda v: None if isinstance(v, (str, int, bool)) else "must be text")
            pts = self.field(o, op, "points", lambda v: None if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else "must be a number ≥ 0")
            if key is None or pts is None:
                return None
            opts.append((_key(key), str(o.get("label", _key(key)).__str__()), float(pts)))
        top = max(p for _, _, p in opts)
        if top <= 0:
            self.err(f"{path}.answers", node, "at least one option must earn points", "answers")
            return None
        if len({k for k, _, _ in opts}) != len(opts):
            self.err(f"{path}.answers", node, "answer keys must be unique", "answers")
            return None
        return tuple(AnswerOption(k, label, p / top) for k, label, p in opts)

    def scope(self, node: dict, path: str, default_speaker: Role | None) -> Scope | None:
        speaker = default_speaker
        if "speaker" in node:
            s = node["speaker"]
            if s not in ("agent", "customer", "any"):
                self.err(f"{path}.speaker", node, "must be agent, customer or any", "speaker")
                return None
            speaker = None if s == "any" else Role(s)
        first = self.field(node, path, "first", _count, required=False)
        last = self.field(node, path, "last", _count, required=False)
        if first is not None and last is not None:
            self.err(path, node, "give either 'first' or 'last', not both")
            return None
        substantive = self.field(node, path, "substantive", _bool, required=False, default=False)
        return Scope(speaker, first, last, bool(substantive))

    def detector(self, node: Any, path: str, parent: Any, key: str) -> Any:
        if not _ID.match(key):
            self.err(path, parent, "signal names must be lowercase letters, digits and _", key)
        if not isinstance(node, dict) or "type" not in node:
            self.err(path, parent, f"must be a mapping with a 'type' ({', '.join(DETECTOR_TYPES)})", key)
            return None
        kind = node["type"]
        if kind not in DETECTOR_TYPES:
            hint = difflib.get_close_matches(str(kind), list(DETECTOR_TYPES), n=1)
            self.err(f"{path}.type", node, f"unknown detector '{kind}'" + (f"; did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(DETECTOR_TYPES)})"), "type")
            return None
        if not self.mapping(node, path, _DETECTOR_FIELDS[kind] | {"type"}):
            return None
        n_before = len(self.problems)
        f = lambda k, check, default=None, required=False: self.field(node, path, k, check, required, default)  # noqa: E731
        try:
            if kind == "phrases":
                spec = DETECTOR_TYPES[kind](
                    exemplars=tuple(f("exemplars", _phrases, required=True) or ()),
                    scope=self.scope(node, path, Role.AGENT) or Scope(),
                    threshold=f("threshold", _unit_interval, 0.55),
                    negative_exemplars=tuple(f("negative_exemplars", _phrases, []) or ()),
                    min_count=f("min_count", _count, 1),
                    label=f("label", _text, "exemplar"),
                )
            elif kind == "pattern":
                spec = DETECTOR_TYPES[kind](
                    patterns=tuple(f("patterns", _regexes, required=True) or ()),
                    scope=self.scope(node, path, Role.AGENT) or Scope(),
                    min_count=f("min_count", _count, 1),
                    exclude=tuple(f("exclude", _regexes, []) or ()),
                )
            elif kind == "question":
                spec = DETECTOR_TYPES[kind](
                    scope=self.scope(node, path, Role.AGENT) or Scope(),
                    exclude=tuple(f("exclude", _phrases, []) or ()),
                    exclude_threshold=f("exclude_threshold", _unit_interval, 0.6),
                    relevant_to_customer=f("relevant_to_customer", _bool, False),
                    relevance=f("relevance", _unit_interval, 0.3),
                    min_count=f("min_count", _count, 1),
                )
            elif kind == "paraphrase":
                spec = DETECTOR_TYPES[kind](
                    threshold=f("threshold", _unit_interval, 0.5),
                    min_shared_words=f("min_shared_words", _count, 2),
                    lookback_turns=f("lookback_turns", _count, 6),
                    min_count=f("min_count", _count, 1),
                )
            elif kind == "sentiment":
                at_least, at_most = f("at_least", _signed_unit), f("at_most", _signed_unit)
                if at_least is None and at_most is None and len(self.problems) == n_before:
                    self.err(path, node, "needs 'at_least' or 'at_most' (a sentiment score from -1 to 1)")
                spec = DETECTOR_TYPES[kind](
                    scope=self.scope(node, path, Role.CUSTOMER) or Scope(Role.CUSTOMER),
                    at_least=at_least,
                    at_most=at_most,
                    aggregate=f("aggregate", _one_of("mean", "min", "max", "last"), "mean"),
                )
            elif kind == "sentiment_change":
                speaker = node.get("speaker", "customer")
                role = Role.CUSTOMER if speaker == "customer" else Role.AGENT
                start = self._window(node, path, "from", role, {"first": 2})
                end = self._window(node, path, "to", role, {"last": 2})
                spec = DETECTOR_TYPES[kind](start=start, end=end, min_rise=f("min_rise", _signed_unit, 0.3))
            else:  # metric
                at_most, at_least = f("at_most", _number), f("at_least", _number)
                if at_least is None and at_most is None and len(self.problems) == n_before:
                    self.err(path, node, "needs 'at_least' or 'at_most'")
                spec = DETECTOR_TYPES[kind](name=f("name", _slug, required=True) or "", at_most=at_most, at_least=at_least)
        except (TypeError, ValueError) as exc:  # a value of the wrong kind slipped through
            self.err(path, node, f"invalid detector settings ({exc})")
            return None
        return spec if len(self.problems) == n_before else None

    def _window(self, node: dict, path: str, key: str, role: Role, default: dict) -> Scope:
        win = node.get(key, default)
        if not isinstance(win, dict) or not self.mapping(win, f"{path}.{key}", {"first", "last"}, node, key):
            return Scope(role, default.get("first"), default.get("last"))
        return Scope(role, win.get("first"), win.get("last"))

    def condition(self, node: Any, path: str, signals: dict, parent: Any) -> Condition | None:
        if isinstance(node, str):
            if node not in signals:
                hint = difflib.get_close_matches(node, [str(s) for s in signals], n=1)
                self.err(path, parent, f"unknown signal '{node}'" + (f"; did you mean '{hint[0]}'?" if hint else ""))
                return None
            return SignalRef(node)
        if isinstance(node, dict) and len(node) == 1:
            (op, arg), = node.items()
            if op in ("all", "any"):
                if not isinstance(arg, list) or not arg:
                    self.err(f"{path}.{op}", node, "must be a non-empty list of conditions", op)
                    return None
                items = [self.condition(a, f"{path}.{op}[{i}]", signals, node) for i, a in enumerate(arg)]
                if any(i is None for i in items):
                    return None
                return (AllOf if op == "all" else AnyOf)(tuple(items))  # type: ignore[arg-type]
            if op == "not":
                inner = self.condition(arg, f"{path}.not", signals, node)
                return Not(inner) if inner is not None else None
        self.err(path, parent, "a condition is a signal name or {all: [...]}, {any: [...]}, {not: ...}")
        return None

    def example(self, node: Any, path: str, ids: dict[str, str], parent: Any) -> RubricExample | None:
        if not self.mapping(node, path, {"id", "transcript", "expected"}, parent):
            return None
        eid = self.field(node, path, "id", lambda v: None if isinstance(v, (str, int)) else "must be text")
        transcript = self.field(node, path, "transcript", _text)
        expected = self.field(node, path, "expected", lambda v: None if isinstance(v, dict) and v else "must map criterion ids to answers")
        out: dict[str, str] = {}
        for k, v in (expected or {}).items():
            if k not in ids:
                self.err(f"{path}.expected.{k}", expected, "no criterion with this id in the rubric", str(k))
            else:
                out[str(k)] = _key(v)
        if eid is None or transcript is None or expected is None:
            return None
        return RubricExample(str(eid), transcript, out, getattr(node, "line", None))


def _key(v: Any) -> str:
    """YAML reads yes/no as booleans: map them back to the answer keys people wrote."""
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return str(v)


def _kind(v: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(type(v), type(v).__name__)


def _slug(v: Any) -> str | None:
    return None if isinstance(v, str) and _ID.match(v) else "must be an identifier: lowercase letters, digits and _ (e.g. active_listening)"


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be non-empty text"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _number(v: Any) -> str | None:
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) else "must be a number"


def _positive(v: Any) -> str | None:
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else "must be a number greater than 0"


def _count(v: Any) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 1 else "must be a whole number ≥ 1"


def _unit_interval(v: Any) -> str | None:
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 else "must be a number from 0 to 1"


def _signed_unit(v: Any) -> str | None:
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v <= 1 else "must be a number from -1 to 1"


def _list(v: Any) -> str | None:
    return None if isinstance(v, list) else "must be a list"


def _nonempty_list(v: Any) -> str | None:
    return None if isinstance(v, list) and v else "must be a non-empty list"


def _phrases(v: Any) -> str | None:
    if not isinstance(v, list) or not v:
        return "must be a non-empty list of phrases"
    bad = [i for i, p in enumerate(v) if not isinstance(p, str) or not p.strip()]
    return f"item {bad[0]} must be non-empty text" if bad else None


def _regexes(v: Any) -> str | None:
    if (problem := _phrases(v)) is not None:
        return problem
    for i, p in enumerate(v):
        try:
            re.compile(p)
        except re.error as exc:
            return f"item {i} is not a valid regular expression ({exc})"
    return None


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    return lambda v: None if v in choices else f"must be one of: {', '.join(choices)}"


def _answer_key(v: Any, keys: set[str]) -> str | None:
    return None if _key(v) in keys or not keys else f"'{_key(v)}' is not one of the answers ({', '.join(sorted(keys))})"


def _answer_list(v: Any, keys: set[str]) -> str | None:
    if not isinstance(v, list):
        return "must be a list of answer keys"
    bad = [_key(a) for a in v if _key(a) not in keys]
    return f"unknown answer(s): {', '.join(bad)}" if bad else None
