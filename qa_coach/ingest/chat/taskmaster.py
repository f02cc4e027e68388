"""Taskmaster-1/2 dialogues: utterances[] with speaker USER/ASSISTANT (the assistant is a person)."""

from __future__ import annotations

from typing import Any

from qa_coach.domain.interaction import Interaction, Role

from ..builder import PendingIter
from ..context import ParseContext, child
from ..jsondoc import as_dict, items, objects, opt_str
from .base import ChatFormat
from .common import builder, pending

_ROLES = {"USER": Role.CUSTOMER, "ASSISTANT": Role.AGENT}


def _is_dialogue(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("utterances"), list):
        return False
    first = next((u for u in obj["utterances"] if isinstance(u, dict)), None)
    return first is not None and str(first.get("speaker", "")).upper() in _ROLES


def claims(data: Any) -> bool:
    return _is_dialogue(data)


def parse(data: Any, ctx: ParseContext) -> PendingIter:
    yield from pending(ctx, items(ctx, data, "") if isinstance(data, list) else [("", data)], _dialogue)


def _dialogue(ctx: ParseContext, where: str, obj: Any) -> Interaction:
    dialogue = as_dict(ctx, obj, where)
    conv_id = opt_str(ctx, dialogue, "conversation_id", where)
    b = builder(ctx, where, "conversation", conv_id)
    for uw, utterance in objects(ctx, dialogue.get("utterances"), child(where, "utterances")):
        speaker = (opt_str(ctx, utterance, "speaker", uw) or "").upper()
        if speaker not in _ROLES:
            raise ctx.error(child(uw, "speaker"), f"unknown speaker '{speaker}' (expected USER or ASSISTANT)")
        b.add(
            _ROLES[speaker],
            opt_str(ctx, utterance, "text", uw),
            source_id=opt_str(ctx, utterance, "index", uw),
            where=uw,
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
