"""Zendesk QA (Klaus) import API: tickets with comments."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Channel, Interaction, Person, Role

from ..builder import channel_from, person
from ..context import ParseContext, child
from ..html_text import looks_like_html
from ..jsondoc import as_dict, as_list, objects, opt_bool, opt_str
from .common import builder, has_list_of_dicts, listed_conversations

_COMMENT_KEYS = ("authorIsNotClient", "authorName", "authorEmail")
_TICKET_KEYS = ("assigneeEmail", "assigneeName", "customerEmail", "customerName", "satisfactionScore")


def _is_ticket(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("comments"), list):
        return False
    if has_list_of_dicts(obj, "comments", lambda c: any(k in c for k in _COMMENT_KEYS) or "comment" in c):
        return True
    return any(k in obj for k in _TICKET_KEYS)


def _ticket(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    ticket = as_dict(ctx, obj, where)
    ticket_id = opt_str(ctx, ticket, "id", where)
    b = builder(ctx, where, "ticket", ticket_id)
    assignee = person(
        opt_str(ctx, ticket, "assigneeName", where),
        opt_str(ctx, ticket, "assigneeId", where),
        opt_str(ctx, ticket, "assigneeEmail", where),
    )
    customer = person(
        opt_str(ctx, ticket, "customerName", where),
        opt_str(ctx, ticket, "customerId", where),
        opt_str(ctx, ticket, "customerEmail", where),
    )
    calls: list[dict[str, Any]] = []
    for cw, comment in objects(ctx, ticket.get("comments"), child(where, "comments")):
        author = Person(
            opt_str(ctx, comment, "authorName", cw),
            opt_str(ctx, comment, "authorId", cw),
            opt_str(ctx, comment, "authorEmail", cw),
        )
        role = _role(ctx, comment, cw, author, assignee, customer)
        stamp = ctx.optional_timestamp(comment.get("created"), child(cw, "created"))
        text = opt_str(ctx, comment, "comment", cw)
        comment_id = opt_str(ctx, comment, "id", cw)
        if comment.get("callDuration") is not None or comment.get("callDirection") is not None:
            calls.append(
                {
                    "comment_id": comment_id,
                    "duration": comment.get("callDuration"),
                    "direction": comment.get("callDirection"),
                }
            )
        b.add(
            role,
            text,
            html=bool(text and looks_like_html(text)),
            timestamp=stamp,
            speaker=author,
            source_id=comment_id,
            where=child(cw, "comment"),
        )
    raw_channel = opt_str(ctx, ticket, "channel", where)
    channel = channel_from(raw_channel, Channel.VOICE if calls else Channel.CHAT)
    metadata = {
        "subject": opt_str(ctx, ticket, "subject", where),
        "status": opt_str(ctx, ticket, "status", where),
        "csat": ticket.get("satisfactionScore"),
        "tags": _tags(ctx, ticket, where),
        "url": opt_str(ctx, ticket, "url", where),
        "source_channel": raw_channel,
        "calls": calls,
    }
    for key in ("created", "updated", "closed"):
        stamp = ctx.optional_timestamp(ticket.get(key), child(where, key))
        metadata[key] = stamp.isoformat() if stamp else None
    return b.build(
        id=ticket_id, channel=channel, representative=assignee, customer=customer, metadata=metadata
    )


def _role(
    ctx: ParseContext,
    comment: dict,
    where: str,
    author: Person,
    assignee: Person | None,
    customer: Person | None,
) -> Role:
    if opt_bool(ctx, comment, "authorIsBot", where):
        return Role.BOT
    if opt_bool(ctx, comment, "public", where) is False:
        return Role.NOTE
    not_client = opt_bool(ctx, comment, "authorIsNotClient", where)
    if not_client is not None:
        return Role.AGENT if not_client else Role.CUSTOMER
    for known, role in ((assignee, Role.AGENT), (customer, Role.CUSTOMER)):
        if known and (
            (author.email and author.email == known.email) or (author.name and author.name == known.name)
        ):
            return role
    raise ctx.error(
        child(where, "authorIsNotClient"),
        "missing, and the author matches neither the assignee nor the customer",
    )


def _tags(ctx: ParseContext, ticket: dict, where: str) -> list[str]:
    tags = ticket.get("tags")
    if tags is None:
        return []
    return [str(t) for t in as_list(ctx, tags, child(where, "tags"))]


FORMAT = listed_conversations(
    "zendesk-qa",
    "Zendesk QA import API JSON: tickets[] with comments[] (authorIsNotClient, comment, created)",
    "tickets",
    _is_ticket,
    _ticket,
)
