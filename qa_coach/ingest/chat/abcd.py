"""ABCD (Action-Based Conversations Dataset): "original": [[speaker, text], ...]."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Interaction, Role

from ..builder import PendingIter, person
from ..context import ParseContext, child
from ..jsondoc import as_dict, as_list, items, opt_str
from .base import ChatFormat
from .common import builder, pending

_ROLES = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "action": Role.SYSTEM}


def _is_conversation(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("original"), list)


def claims(data: Any) -> bool:
    if _is_conversation(data):
        return True
    if isinstance(data, dict) and data:
        first = next(iter(data.values()))
        return _is_conversation(first) or (
            isinstance(first, list) and bool(first) and _is_conversation(first[0])
        )
    return False


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    """A list of conversations, one conversation, {id: conversation} or {split: [conversations]}."""
    found: list[tuple[str, Any]]
    if isinstance(data, list):
        found = items(ctx, data, "")
    elif _is_conversation(data):
        found = [("", data)]
    elif isinstance(data, dict):
        found = []
        for key, value in data.items():
            if isinstance(value, list):
                found.extend(items(ctx, value, str(key)))
            else:
                found.append((str(key), value))
    else:
        raise ctx.error("top level", "not an ABCD file: expected conversations with an 'original' list")
    yield from pending(ctx, found, _conversation)


def _conversation(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    conv = as_dict(ctx, obj, where)
    conv_id = opt_str(ctx, conv, "convo_id", where)
    b = builder(ctx, where, "conversation", conv_id)
    for tw, raw in items(ctx, conv.get("original"), child(where, "original")):
        pair = as_list(ctx, raw, tw)
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise ctx.error(tw, "expected [speaker, text]")
        speaker, text = pair
        role = _ROLES.get(speaker.strip().lower())
        if role is None:
            raise ctx.error(child(tw, 0), f"unknown speaker '{speaker}' (expected agent, customer or action)")
        b.add(role, text, where=child(tw, 1))
    scenario = conv.get("scenario") if isinstance(conv.get("scenario"), dict) else {}
    personal = scenario.get("personal") if isinstance(scenario.get("personal"), dict) else {}
    customer = person(personal.get("customer_name"), personal.get("username"), personal.get("email"))
    metadata = {"flow": scenario.get("flow"), "subflow": scenario.get("subflow")}
    return b.build(id=conv_id, customer=customer, metadata=metadata)


FORMAT = ChatFormat(
    "abcd",
    'ABCD dataset JSON: conversations with "original": [[agent|customer|action, text], ...]',
    "json",
    claims,
    parse,
)
