"""Zendesk messaging (Sunshine Conversations) events: author.type, content, created_at."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Channel, Interaction, Role

from ..builder import PendingIter, channel_from, person
from ..context import ParseContext, child
from ..jsondoc import as_dict, items, objects, opt_str
from .base import ChatFormat
from .common import author_role, builder, claims_conversations, has_list_of_dicts, pending

_ROLES = {
    "user": Role.CUSTOMER,
    "end-user": Role.CUSTOMER,
    "customer": Role.CUSTOMER,
    "agent": Role.AGENT,
    "business": Role.AGENT,
    "bot": Role.BOT,
    "system": Role.SYSTEM,
}
_EVENT_KEYS = ("events", "messages")


def _is_event(e: dict) -> bool:
    return isinstance(e.get("author"), dict) and "type" in e["author"] and "content" in e


def _events_key(obj: Any) -> str | None:
    return next((k for k in _EVENT_KEYS if has_list_of_dicts(obj, k, _is_event)), None)


def claims(data: Any) -> bool:
    return claims_conversations(data, "conversations", lambda c: _events_key(c) is not None)


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    if isinstance(data, list):
        found = items(ctx, data, "")
    elif isinstance(data, dict) and "conversations" in data and _events_key(data) is None:
        found = items(ctx, data["conversations"], "conversations")
    elif isinstance(data, dict):
        found = [("", data)]
    else:
        raise ctx.error(
            "top level", "not a Zendesk messaging export: expected an object with events[] or messages[]"
        )
    yield from pending(ctx, found, _conversation)


def _conversation(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    conv = as_dict(ctx, obj, where)
    key = next((k for k in _EVENT_KEYS if k in conv), None)
    if key is None:
        raise ctx.error(where or "top level", "no events[] or messages[] list in this conversation")
    conv_id = opt_str(ctx, conv, "id", where) or opt_str(ctx, conv, "conversation_id", where)
    b = builder(ctx, where, "conversation", conv_id)
    for ew, event in objects(ctx, conv[key], child(where, key)):
        role, author = author_role(ctx, event, ew, _ROLES)
        aw = child(ew, "author")
        name = (
            opt_str(ctx, author, "display_name", aw)
            or opt_str(ctx, author, "displayName", aw)
            or opt_str(ctx, author, "name", aw)
        )
        ident = (
            opt_str(ctx, author, "id", aw)
            or opt_str(ctx, author, "user_id", aw)
            or opt_str(ctx, author, "userId", aw)
        )
        speaker = person(name, ident, opt_str(ctx, author, "email", aw))
        stamp_key = "created_at" if "created_at" in event else "received"
        stamp = ctx.optional_timestamp(event.get(stamp_key), child(ew, stamp_key))
        b.add(
            role,
            _content_text(ctx, event.get("content"), child(ew, "content")),
            timestamp=stamp,
            speaker=speaker,
            source_id=opt_str(ctx, event, "id", ew),
            where=child(ew, "content"),
        )
    raw_channel = opt_str(ctx, conv, "channel", where)
    metadata = {"subject": opt_str(ctx, conv, "subject", where), "source_channel": raw_channel}
    return b.build(id=conv_id, channel=channel_from(raw_channel, Channel.MESSAGING), metadata=metadata)


def _content_text(ctx: ParseContext, content: Any, where: str) -> str | None:
    if content is None or isinstance(content, str):
        return content
    content = as_dict(ctx, content, where)
    return opt_str(ctx, content, "text", where) or opt_str(ctx, content, "altText", where)


FORMAT = ChatFormat(
    "zendesk-messaging",
    "Zendesk messaging / Sunshine Conversations events JSON: author.type user/agent/bot, content, created_at",
    "json",
    claims,
    parse,
)
