"""Zendesk Support ticket comments API: {"comments": [...]} per ticket, users sideloaded."""

from __future__ import annotations

from functools import partial
from typing import Any

from qa_coach.domain.interaction import Channel, Interaction, Person, Role

from ..builder import PendingIter, channel_from, person
from ..context import ParseContext, child
from ..jsondoc import as_dict, items, objects, opt_bool, opt_str
from .base import ChatFormat
from .common import builder, claims_conversations, has_list_of_dicts, pending

_BODY_KEYS = ("html_body", "plain_body", "body")
_HEURISTIC_CONFIDENCE = 0.7  # role guessed from "who wrote first", not stated by the source
_ZENDESK_SYSTEM_AUTHOR = "-1"


def _is_comment(c: dict) -> bool:
    return "author_id" in c and any(k in c for k in _BODY_KEYS)


def _is_thread(obj: Any) -> bool:
    return has_list_of_dicts(obj, "comments", _is_comment)


def claims(data: Any) -> bool:
    return claims_conversations(data, "tickets", _is_thread)


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    users: dict[str, dict] | None = None
    if isinstance(data, list):
        found = items(ctx, data, "")
    elif isinstance(data, dict) and "comments" in data:
        found = [("", data)]
    elif isinstance(data, dict) and "tickets" in data:
        users = _users(ctx, data, "")
        found = items(ctx, data["tickets"], "tickets")
    else:
        raise ctx.error(
            "top level",
            'not a Zendesk ticket comments export: expected {"comments": [...]} '
            'or {"tickets": [{"comments": [...]}]}',
        )
    yield from pending(ctx, found, partial(_thread, users=users))


def _users(ctx: ParseContext, doc: dict, where: str) -> dict[str, dict]:
    users: dict[str, dict] = {}
    if doc.get("users") is None:
        return users
    for uw, user in objects(ctx, doc["users"], child(where, "users")):
        uid = opt_str(ctx, user, "id", uw)
        if uid:
            users[uid] = user
    return users


def _thread(ctx: ParseContext, where: str, obj: Any, *, users: dict[str, dict] | None) -> Interaction:
    doc = as_dict(ctx, obj, where)
    users = {**(users or {}), **_users(ctx, doc, where)}
    tw = child(where, "ticket") if isinstance(doc.get("ticket"), dict) else where
    ticket = doc["ticket"] if isinstance(doc.get("ticket"), dict) else doc
    ticket_id = opt_str(ctx, ticket, "id", tw) or opt_str(ctx, doc, "ticket_id", where)
    requester = opt_str(ctx, ticket, "requester_id", tw)
    assignee_id = opt_str(ctx, ticket, "assignee_id", tw)
    b = builder(ctx, where, "ticket", ticket_id)
    comments = list(objects(ctx, doc.get("comments"), child(where, "comments")))
    first_author = next((opt_str(ctx, c, "author_id", cw) for cw, c in comments), None)
    voice = False
    for cw, comment in comments:
        author_id = opt_str(ctx, comment, "author_id", cw)
        user = users.get(author_id or "", {})
        role, confidence = _role(ctx, comment, cw, author_id, user, requester, first_author)
        voice = voice or comment.get("type") == "VoiceComment"
        speaker = person(opt_str(ctx, user, "name", cw), author_id, opt_str(ctx, user, "email", cw))
        html = opt_str(ctx, comment, "html_body", cw)
        text = (
            html if html else (opt_str(ctx, comment, "plain_body", cw) or opt_str(ctx, comment, "body", cw))
        )
        stamp = ctx.optional_timestamp(comment.get("created_at"), child(cw, "created_at"))
        b.add(
            role,
            text,
            html=bool(html),
            timestamp=stamp,
            speaker=speaker,
            source_id=opt_str(ctx, comment, "id", cw),
            confidence=confidence,
            where=cw,
        )
    via = ticket.get("via") if isinstance(ticket.get("via"), dict) else {}
    raw_channel = opt_str(ctx, via, "channel", child(tw, "via"))
    channel = channel_from(raw_channel, Channel.VOICE if voice else Channel.CHAT)
    rep = _user_person(ctx, users, assignee_id, tw)
    customer = _user_person(ctx, users, requester, tw)
    tags = ticket.get("tags")
    metadata = {
        "subject": opt_str(ctx, ticket, "subject", tw),
        "status": opt_str(ctx, ticket, "status", tw),
        "tags": [str(t) for t in tags] if isinstance(tags, list) else None,
        "source_channel": raw_channel,
    }
    return b.build(id=ticket_id, channel=channel, representative=rep, customer=customer, metadata=metadata)


def _role(
    ctx: ParseContext,
    comment: dict,
    where: str,
    author_id: str | None,
    user: dict,
    requester: str | None,
    first_author: str | None,
) -> tuple[Role, float]:
    if opt_bool(ctx, comment, "public", where) is False:
        return Role.NOTE, 1.0
    if author_id == _ZENDESK_SYSTEM_AUTHOR:
        return Role.SYSTEM, 1.0
    user_role = str(user.get("role") or "").lower()
    if user_role == "end-user":
        return Role.CUSTOMER, 1.0
    if user_role in ("agent", "admin"):
        return Role.AGENT, 1.0
    if requester:
        return (Role.CUSTOMER if author_id == requester else Role.AGENT), 1.0
    if author_id is None:
        raise ctx.error(child(where, "author_id"), "missing: cannot tell who wrote this comment")
    return (Role.CUSTOMER if author_id == first_author else Role.AGENT), _HEURISTIC_CONFIDENCE


def _user_person(ctx: ParseContext, users: dict[str, dict], uid: str | None, where: str) -> Person | None:
    if not uid:
        return None
    user = users.get(uid, {})
    return person(opt_str(ctx, user, "name", where), uid, opt_str(ctx, user, "email", where))


FORMAT = ChatFormat(
    "zendesk-comments",
    "Zendesk Support ticket comments API JSON: {comments: [{author_id, html_body/plain_body, public, created_at}]}",
    "json",
    claims,
    parse,
)
