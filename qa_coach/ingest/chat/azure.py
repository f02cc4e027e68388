"""Azure AI Language conversation analysis input: analysisInput.conversations[].conversationItems[]."""

from __future__ import annotations

from functools import partial
from typing import Any

from qa_coach.domain.interaction import Interaction, Role

from ..builder import PendingIter, person
from ..context import ParseContext, child
from ..jsondoc import as_dict, items, objects, opt_str
from ..roles import role_from_word
from .base import ChatFormat
from .common import builder, pending

_ROLE_PREFIXES = (
    ("agent", Role.AGENT),
    ("customer", Role.CUSTOMER),
    ("caller", Role.CUSTOMER),
    ("user", Role.CUSTOMER),
    ("bot", Role.BOT),
    ("system", Role.SYSTEM),
)


def _is_conversation(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("conversationItems"), list)


def claims(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("analysisInput"), dict):
        return True
    return (
        isinstance(data, dict)
        and isinstance(data.get("conversations"), list)
        and bool(data["conversations"])
        and _is_conversation(data["conversations"][0])
        or _is_conversation(data)
    )


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    display = None
    if isinstance(data, dict) and "analysisInput" in data:
        display = opt_str(ctx, data, "displayName", "")
        base = "analysisInput"
        data = as_dict(ctx, data["analysisInput"], base)
    else:
        base = ""
    if _is_conversation(data):
        found = [(base, data)]
    elif isinstance(data, dict):
        found = items(ctx, data.get("conversations"), child(base, "conversations"))
    else:
        found = items(ctx, data, base)
    yield from pending(ctx, found, partial(_conversation, display=display))


def _conversation(ctx: ParseContext, where: str, obj: Any, *, display: str | None) -> Interaction:
    conv = as_dict(ctx, obj, where)
    conv_id = opt_str(ctx, conv, "id", where)
    b = builder(ctx, where, "conversation", conv_id)
    for iw, item in objects(ctx, conv.get("conversationItems"), child(where, "conversationItems")):
        participant = opt_str(ctx, item, "participantId", iw)
        role = _role(ctx, opt_str(ctx, item, "role", iw), participant, iw)
        text = (
            opt_str(ctx, item, "text", iw)
            or opt_str(ctx, item, "itn", iw)
            or opt_str(ctx, item, "lexical", iw)
        )
        stamp = ctx.optional_timestamp(item.get("timestamp"), child(iw, "timestamp"))
        # A participantId that is just a role word ("Agent") names nobody.
        named = participant if participant and role_from_word(participant) is None else None
        b.add(
            role,
            text,
            timestamp=stamp,
            speaker=person(None, named),
            source_id=opt_str(ctx, item, "id", iw),
            where=iw,
        )
    metadata = {"title": display, "modality": opt_str(ctx, conv, "modality", where)}
    return b.build(id=conv_id, language=opt_str(ctx, conv, "language", where), metadata=metadata)


def _role(ctx: ParseContext, role: str | None, participant: str | None, where: str) -> Role:
    for value in (role, participant):
        v = (value or "").lower()
        for prefix, mapped in _ROLE_PREFIXES:
            if v.startswith(prefix):
                return mapped
    raise ctx.error(
        child(where, "participantId"),
        f"cannot tell the role of participant '{participant}' (expected Agent or Customer, or a role field)",
    )


FORMAT = ChatFormat(
    "azure",
    "Azure AI Language conversation analysis JSON: analysisInput.conversations[].conversationItems[] (participantId Agent/Customer)",
    "json",
    claims,
    parse,
)
