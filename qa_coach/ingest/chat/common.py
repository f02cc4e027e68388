"""Small helpers shared by the JSON chat formats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from qa_coach.domain.interaction import Interaction, Role

from ..builder import ConversationBuilder, PendingIter
from ..context import ParseContext, child
from ..jsondoc import as_dict, items, opt_str
from .base import ChatFormat

WHOLE_FILE = "document"

# Builds one conversation from (ctx, where, object).
BuildConversation = Callable[[ParseContext, str, Any], Interaction]


def conversation_objects(
    ctx: ParseContext, data: Any, key: str, is_conversation: Callable[[Any], bool]
) -> list[tuple[str, Any]]:
    """(where, object) for each conversation in ``{key: [...]}``, ``[...]`` or one object."""
    if isinstance(data, list):
        return [(child("", i), item) for i, item in enumerate(data)]
    if isinstance(data, dict) and key in data and not is_conversation(data):
        return items(ctx, data[key], key)
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


def listed_conversations(
    name: str, description: str, key: str, is_conversation: Callable[[Any], bool], build: BuildConversation
) -> ChatFormat:
    """The format of a JSON export holding its conversations as ``{key: [...]}``, a list or
    one conversation object (see :func:`conversation_objects`)."""

    def claims(data: Any) -> bool:
        return claims_conversations(data, key, is_conversation)

    def parse(data: Any, ctx: ParseContext) -> PendingIter:
        yield from pending(ctx, conversation_objects(ctx, data, key, is_conversation), build)

    return ChatFormat(name, description, "json", claims, parse)


def locator(where: str) -> str:
    return where or WHOLE_FILE


def pending(
    ctx: ParseContext, found: Iterable[tuple[str, Any]], build: BuildConversation
) -> PendingIter:
    """One pending conversation per (where, object), built only when asked for."""
    for where, obj in found:
        yield locator(where), partial(build, ctx, where, obj)


def builder(ctx: ParseContext, where: str, noun: str, ident: str | None) -> ConversationBuilder:
    """A builder for the conversation at ``where``, called "noun ident" in errors."""
    return ConversationBuilder(ctx, locator(where), f"{noun} {ident}" if ident else noun)


def author_role(ctx: ParseContext, obj: dict, where: str, roles: Mapping[str, Role]) -> tuple[Role, dict]:
    """The role named by ``obj.author.type`` (one of ``roles``' keys, any case) and the author object."""
    author_where = child(where, "author")
    author = as_dict(ctx, obj.get("author"), author_where)
    kind = (opt_str(ctx, author, "type", author_where) or "").lower()
    if kind not in roles:
        raise ctx.error(
            child(author_where, "type"), f"unknown author type '{kind}' (expected one of: {', '.join(roles)})"
        )
    return roles[kind], author


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
