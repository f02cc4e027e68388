"""Loading JSON (or JSON Lines) with line/column errors, and typed field access."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any

from .context import ParseContext, child
from .control_chars import clean_json_strings
from .limits import MAX_FIELD_CHARS, MAX_JSON_DEPTH, count

# What the JSON reader meets, strings skipped whole: a bracket, a bare constant, a number.
_TOKEN = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"|(?P<bracket>[\[\]{}])|(?P<constant>-?Infinity|NaN)'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
)


class _NotFinite(ValueError):
    """A number JSON cannot represent: NaN, Infinity or one too large for a float."""


def _refuse_constant(name: str) -> float:
    raise _NotFinite(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def load_json(ctx: ParseContext, text: str) -> Any:
    """The JSON (or JSON Lines) value of ``text``, its strings cleaned of control
    characters; an error naming the line and column otherwise."""
    return clean_json_strings(_load(ctx, text), text)


def _load(ctx: ParseContext, text: str) -> Any:
    try:
        return _loads(ctx, text, 0)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            lines = _json_lines(ctx, text)
            if lines is not None:
                return lines
        raise ctx.error(f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}") from None


def _loads(ctx: ParseContext, text: str, offset: int) -> Any:
    """``json.loads``; a value it cannot hold (too deep, a number of too many digits, NaN
    or Infinity) is an error naming its place (``offset``: where ``text`` starts in the file)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        problem = "bracket"
    except _NotFinite:
        problem = "constant"
    except ValueError:  # int(): more digits than Python converts
        problem = "number"
    raise _unreadable(ctx, text, problem, offset) from None


def _unreadable(ctx: ParseContext, text: str, problem: str, offset: int) -> Exception:
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "bracket":
            depth += 1 if m.group() in "[{" else -1
            if problem == "bracket" and depth > MAX_JSON_DEPTH:
                return ctx.error(
                    _place(text, m.start(), offset),
                    f"JSON nested too deeply: lists and objects more than {count(MAX_JSON_DEPTH)} levels deep here",
                )
        elif kind == "constant" and problem == "constant":
            return ctx.error(_place(text, m.start(), offset), f"{m.group()} is not a number JSON allows")
        elif kind == "number" and problem in ("number", "constant"):
            digits = len(m.group().lstrip("-"))
            if problem == "number" and m.group().lstrip("-").isdigit() and digits > sys.get_int_max_str_digits():
                return ctx.error(
                    _place(text, m.start(), offset),
                    f"a number of {count(digits)} digits; numbers may have at most "
                    f"{count(sys.get_int_max_str_digits())} (quote an id to keep it as text)",
                )
            if problem == "constant" and not math.isfinite(float(m.group())):
                return ctx.error(_place(text, m.start(), offset), f"the number {m.group()[:40]} is too large")
    return ctx.error(None, "JSON that cannot be read (too deep, or a number out of range)")


def _place(text: str, index: int, offset: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line + offset}, column {column}"


def _json_lines(ctx: ParseContext, text: str) -> list[Any] | None:
    """JSON Lines: one value per line. None when the first line is not a whole value."""
    items: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(_loads(ctx, line, number - 1))
        except json.JSONDecodeError as exc:
            if not items:
                return None
            raise ctx.error(f"line {number}, column {exc.colno}", f"malformed JSON line: {exc.msg}") from None
    return items


def as_dict(ctx: ParseContext, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ctx.error(where or "top level", f"expected a JSON object, found {_kind(value)}")
    return value


def as_list(ctx: ParseContext, value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ctx.error(where or "top level", f"expected a JSON list, found {_kind(value)}")
    return value


def items(ctx: ParseContext, value: Any, where: str) -> list[tuple[str, Any]]:
    """(where, item) for each item of a JSON list."""
    return [(child(where, i), item) for i, item in enumerate(as_list(ctx, value, where))]


def objects(ctx: ParseContext, value: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, object) for each item of a JSON list of objects, checked as it is reached."""
    for item_where, item in items(ctx, value, where):
        yield item_where, as_dict(ctx, item, item_where)


def required(ctx: ParseContext, obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise ctx.error(child(where, key), "missing")
    return obj[key]


def opt_str(ctx: ParseContext, obj: dict[str, Any], key: str, where: str) -> str | None:
    """A string field (numbers become strings); None or "" when absent."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ctx.error(child(where, key), f"expected text, found {_kind(value)}")
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        raise ctx.error(
            child(where, key),
            f"{count(len(value))} characters; a text field may hold at most {count(MAX_FIELD_CHARS)}",
        )
    text = str(value).strip()
    return text or None


def opt_bool(ctx: ParseContext, obj: dict[str, Any], key: str, where: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ctx.error(child(where, key), f"expected true or false, found {_kind(value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return "a number"
