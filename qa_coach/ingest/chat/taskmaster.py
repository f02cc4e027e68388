"""Taskmaster-1/2 dialogues: utterances[] with speaker USER/ASSISTANT (the assistant is a person)."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Interaction, Role

from ..builder import ConversationBuilder, PendingIter
from ..context import ParseContext, child
from ..jsondoc import as_dict, as_list, opt_str
from .base import ChatFormat
from .common import locator

_ROLES = {"USER": Role.CUSTOMER, "ASSISTANT": Role.AGENT}


def _is_dialogue(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("utterances"), list):
        return False
    first = next((u for u in obj["utterances"] if isinstance(u, dict)), None)
    return first is not None and str(first.get("speaker", "")).upper() in _ROLES


def claims(data: Any) -> bool:
    return _is_dialogue(data)


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    items = [(child("", i), d) for i, d in enumerate(data)] if isinstance(data, list) else [("", data)]
    for where, obj in items:
        yield locator(where), (lambda w=where, o=obj: _dialogue(ctx, w, o))


def _dialogue(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    dialogue = as_dict(ctx, obj, where)
    conv_id = opt_str(ctx, dialogue, "conversation_id", where)
    b = ConversationBuilder(ctx, locator(where), f"conversation {conv_id}" if conv_id else "conversation")
    uw_all = child(where, "utterances")
    for i, raw in enumerate(as_list(ctx, dialogue.get("utterances"), uw_all)):
        uw = child(uw_all, i)
        utterance = as_dict(ctx, raw, uw)
        speaker = (opt_str(ctx, utterance, "speaker", uw) or "").upper()
        if speaker not in _ROLES:
            raise ctx.error(child(uw, "speaker"), f"unknown speaker '{speaker}' (expected USER or ASSISTANT)")
        b.add(
            _ROLES[speaker],
            opt_str(ctx, utterance, "text", uw),
            source_id=opt_str(ctx, utterance, "index", uw),
        )
    metadata = {"instruction_id": opt_str(ctx, dialogue, "instruction_id", where)}
    return b.build(id=conv_id, metadata=metadata)


FORMAT = ChatFormat(
    "taskmaster",
    "Taskmaster-1 dialogue JSON: utterances[] with speaker USER/ASSISTANT",
    "json",
    claims,
    parse,
)
