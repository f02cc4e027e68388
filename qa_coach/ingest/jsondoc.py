"""Loading JSON (or JSON Lines) with line/column errors, and typed field access."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .context import ParseContext, child


def load_json(ctx: ParseContext, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            lines = _json_lines(ctx, text)
            if lines is not None:
                return lines
        raise ctx.error(f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}") from None


def _json_lines(ctx: ParseContext, text: str) -> list[Any] | None:
    """JSON Lines: one value per line. None when the first line is not a whole value."""
    items: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
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
