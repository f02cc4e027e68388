"""Freshdesk ticket conversations: incoming (customer), private (note), HTML body/body_text."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Channel, Interaction, Role

from ..builder import PendingIter, person
from ..context import ParseContext, child
from ..jsondoc import as_dict, items, objects, opt_bool, opt_str
from .base import ChatFormat
from .common import builder, has_list_of_dicts, pending

_STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
_SOURCE_CHANNEL = {
    1: Channel.EMAIL,
    2: Channel.OTHER,
    3: Channel.VOICE,
    7: Channel.CHAT,
    9: Channel.CHAT,
    10: Channel.EMAIL,
    5: Channel.MESSAGING,
    6: Channel.MESSAGING,
}


def _is_entry(c: dict) -> bool:
    return "incoming" in c and ("body_text" in c or "body" in c)


def _is_ticket(obj: Any) -> bool:
    return has_list_of_dicts(obj, "conversations", _is_entry)


def claims(data: Any) -> bool:
    if isinstance(data, list) and data and isinstance(data[0], dict) and _is_entry(data[0]):
        return True  # one ticket's bare conversations list
    if isinstance(data, dict) and isinstance(data.get("tickets"), list) and data["tickets"]:
        return _is_ticket(data["tickets"][0])
    return _is_ticket(data) or (isinstance(data, dict) and _is_entry(data))


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    if isinstance(data, list) and data and isinstance(data[0], dict) and _is_entry(data[0]):
        found = [("", {"conversations": data})]
    elif isinstance(data, list):
        found = items(ctx, data, "")
    elif isinstance(data, dict) and "tickets" in data and not _is_ticket(data):
        found = items(ctx, data["tickets"], "tickets")
    elif isinstance(data, dict) and "conversations" in data:
        found = [("", data)]
    else:
        raise ctx.error(
            "top level",
            "not a Freshdesk export: expected a conversations list or tickets with conversations[]",
        )
    yield from pending(ctx, found, _ticket)


def _ticket(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    ticket = as_dict(ctx, obj, where)
    ticket_id = opt_str(ctx, ticket, "id", where)
    b = builder(ctx, where, "ticket", ticket_id)
    requester_id = opt_str(ctx, ticket, "requester_id", where)
    requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
    rw = child(where, "requester")
    customer = person(opt_str(ctx, requester, "name", rw), requester_id, opt_str(ctx, requester, "email", rw))
    description = opt_str(ctx, ticket, "description", where)
    description_text = opt_str(ctx, ticket, "description_text", where)
    if description or description_text:
        b.add(
            Role.CUSTOMER,
            description_text or description,
            html=not description_text,
            timestamp=ctx.optional_timestamp(ticket.get("created_at"), child(where, "created_at")),
            speaker=customer,
            where=child(where, "description_text" if description_text else "description"),
        )
    for cw, entry in objects(ctx, ticket.get("conversations"), child(where, "conversations")):
        incoming = opt_bool(ctx, entry, "incoming", cw)
        if incoming is None:
            raise ctx.error(child(cw, "incoming"), "missing: cannot tell customer from agent")
        if opt_bool(ctx, entry, "private", cw):
            role = Role.NOTE
        else:
            role = Role.CUSTOMER if incoming else Role.AGENT
        user_id = opt_str(ctx, entry, "user_id", cw)
        speaker = person(None, user_id, opt_str(ctx, entry, "from_email", cw) if incoming else None)
        text = opt_str(ctx, entry, "body_text", cw)
        html = None if text else opt_str(ctx, entry, "body", cw)
        b.add(
            role,
            text or html,
            html=bool(html),
            timestamp=ctx.optional_timestamp(entry.get("created_at"), child(cw, "created_at")),
            speaker=speaker,
            source_id=opt_str(ctx, entry, "id", cw),
            where=cw,
        )
    responder = opt_str(ctx, ticket, "responder_id", where)
    source = ticket.get("source")
    status = ticket.get("status")
    tags = ticket.get("tags")
    metadata = {
        "subject": opt_str(ctx, ticket, "subject", where),
        "status": _STATUS.get(status, status) if isinstance(status, int) else status,
        "priority": ticket.get("priority"),
        "tags": [str(t) for t in tags] if isinstance(tags, list) else None,
        "csat": ticket.get("satisfaction_rating"),
    }
    channel = _SOURCE_CHANNEL.get(source, Channel.EMAIL) if isinstance(source, int) else Channel.EMAIL
    return b.build(
        id=ticket_id,
        channel=channel,
        representative=person(None, responder),
        customer=customer,
        metadata=metadata,
    )


FORMAT = ChatFormat(
    "freshdesk",
    "Freshdesk ticket conversations JSON: [{body/body_text, incoming, private, user_id, created_at}], optionally in tickets",
    "json",
    claims,
    parse,
)
