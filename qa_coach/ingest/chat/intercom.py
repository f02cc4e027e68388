"""Intercom conversations: source message + conversation_parts (HTML bodies, Unix times)."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Channel, Interaction, Person, Role

from ..builder import channel_from, person
from ..context import ParseContext, child
from ..html_text import html_to_text
from ..jsondoc import as_dict, objects, opt_str
from .common import author_role, builder, listed_conversations

_AUTHOR_ROLES = {
    "user": Role.CUSTOMER,
    "lead": Role.CUSTOMER,
    "contact": Role.CUSTOMER,
    "admin": Role.AGENT,
    "team": Role.AGENT,
    "bot": Role.BOT,
}
_MESSAGE_PARTS = ("comment", "conversation", "email", "chat")


def _is_conversation(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("conversation_parts"), (dict, list))


def _author(ctx: ParseContext, obj: dict, where: str) -> tuple[Role, Person | None]:
    role, author = author_role(ctx, obj, where, _AUTHOR_ROLES)
    aw = child(where, "author")
    return role, person(
        opt_str(ctx, author, "name", aw), opt_str(ctx, author, "id", aw), opt_str(ctx, author, "email", aw)
    )


def _conversation(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    conv = as_dict(ctx, obj, where)
    conv_id = opt_str(ctx, conv, "id", where)
    b = builder(ctx, where, "conversation", conv_id)
    created = ctx.optional_timestamp(conv.get("created_at"), child(where, "created_at"))
    customer = None
    source: dict = {}
    sw = child(where, "source")
    if conv.get("source") is not None:
        source = as_dict(ctx, conv["source"], sw)
        role, speaker = _author(ctx, source, sw)
        customer = speaker if role is Role.CUSTOMER else None
        b.add(
            role,
            opt_str(ctx, source, "body", sw),
            html=True,
            timestamp=created,
            speaker=speaker,
            source_id=opt_str(ctx, source, "id", sw),
            where=child(sw, "body"),
        )
    pw = child(where, "conversation_parts")
    parts = conv.get("conversation_parts")
    if isinstance(parts, dict):
        pw = child(pw, "conversation_parts")
        parts = parts.get("conversation_parts", [])
    assignee_id = opt_str(ctx, conv, "admin_assignee_id", where)
    representative = None
    for w, part in objects(ctx, parts, pw):
        part_type = (opt_str(ctx, part, "part_type", w) or "comment").lower()
        role, speaker = _author(ctx, part, w)
        if speaker and assignee_id and speaker.id == assignee_id:
            representative = speaker
        stamp = ctx.optional_timestamp(part.get("created_at"), child(w, "created_at"))
        body = opt_str(ctx, part, "body", w)
        body_text = html_to_text(body) if body else ""
        if part_type == "note":
            role = Role.NOTE
        elif part_type not in _MESSAGE_PARTS and not body_text:
            role, body_text = Role.SYSTEM, _event_text(part_type, speaker)
        b.add(
            role, body_text, timestamp=stamp, speaker=speaker, source_id=opt_str(ctx, part, "id", w), where=w
        )
    source_type = opt_str(ctx, source, "type", sw) or opt_str(ctx, source, "delivered_as", sw)
    channel = (
        Channel.CHAT if source_type in (None, "conversation", "chat", "push") else channel_from(source_type)
    )
    subject = opt_str(ctx, source, "subject", sw)
    metadata = {
        "subject": html_to_text(subject) if subject else None,
        "title": opt_str(ctx, conv, "title", where),
        "status": opt_str(ctx, conv, "state", where),
        "tags": _tags(conv),
        "csat": (conv.get("conversation_rating") or {}).get("rating")
        if isinstance(conv.get("conversation_rating"), dict)
        else None,
        "url": opt_str(ctx, source, "url", sw),
        "source_channel": source_type,
    }
    return b.build(
        id=conv_id,
        channel=channel,
        representative=representative,
        customer=customer,
        started_at=created,
        metadata=metadata,
    )


def _event_text(part_type: str, speaker: Person | None) -> str:
    text = part_type.replace("_", " ")
    return f"{text} by {speaker.label}" if speaker else text


def _tags(conv: dict) -> list[str]:
    tags = conv.get("tags")
    if isinstance(tags, dict):
        tags = tags.get("tags")
    if not isinstance(tags, list):
        return []
    return [str(t.get("name")) if isinstance(t, dict) else str(t) for t in tags]


FORMAT = listed_conversations(
    "intercom",
    "Intercom conversation JSON: source + conversation_parts (part_type, HTML body, Unix created_at, author.type)",
    "conversations",
    _is_conversation,
    _conversation,
)
