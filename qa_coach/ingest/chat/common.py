"""Small helpers shared by the JSON chat formats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import ParseContext, child
from ..jsondoc import as_list

WHOLE_FILE = "document"


def conversation_objects(
    ctx: ParseContext, data: Any, key: str, is_conversation: Callable[[Any], bool]
) -> list[tuple[str, Any]]:
    """(where, object) for each conversation in ``{key: [...]}``, ``[...]`` or one object."""
    if isinstance(data, list):
        return [(child("", i), item) for i, item in enumerate(data)]
    if isinstance(data, dict) and key in data and not is_conversation(data):
        return [(child(key, i), item) for i, item in enumerate(as_list(ctx, data[key], key))]
    if isinstance(data, dict) and is_conversation(data):
        return [("", data)]
    raise ctx.error(
        "top level",
        f'not a {ctx.format} export: expected {{"{key}": [...]}}, a list or one conversation object{_keys(data)}',
    )


def claims_conversations(data: Any, key: str, is_conversation: Callable[[Any], bool]) -> bool:
    """Detection to match :func:`conversation_objects`: ``{key: [first, ...]}`` whose first
    item is a conversation, or one conversation object."""
    if isinstance(data, dict) and isinstance(data.get(key), list) and data[key]:
        return is_conversation(data[key][0])
    return is_conversation(data)


def locator(where: str) -> str:
    return where or WHOLE_FILE


def has_list_of_dicts(obj: Any, key: str, test: Callable[[dict], bool]) -> bool:
    """True when obj[key] is a list whose first dict item passes ``test``."""
    if not isinstance(obj, dict):
        return False
    items = obj.get(key)
    if not isinstance(items, list):
        return False
    first = next((i for i in items if isinstance(i, dict)), None)
    return first is not None and test(first)


def _keys(data: Any) -> str:
    if isinstance(data, dict):
        keys = ", ".join(list(map(str, data))[:8])
        return f" (found keys: {keys})" if keys else " (found an empty object)"
    return ""
