"""Collecting one conversation's messages into an Interaction, whole or not at all."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from qa_coach.domain.interaction import Channel, Interaction, Person, Role, Turn

from .context import ParseContext
from .html_text import html_to_text, looks_like_html, normalise_text
from .limits import (
    MAX_EMAIL_CHARS,
    MAX_FIELD_CHARS,
    MAX_ID_CHARS,
    MAX_LANGUAGE_CHARS,
    MAX_LOCATOR_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES,
    MAX_METADATA_DEPTH,
    MAX_NAME_CHARS,
    count,
)

# One conversation of a file, not yet built: its locator and how to build it. Formats
# yield these so that a bad conversation can be reported without losing the others.
Pending = tuple[str, Callable[[], Interaction]]
PendingIter = Iterator[Pending]


@dataclass(frozen=True)
class _Message:
    role: Role
    text: str
    timestamp: datetime | None
    offset: float | None
    speaker: Person | None
    source_id: str | None
    confidence: float


class ConversationBuilder:
    """Add messages in source order; ``build`` checks the result and makes the Interaction.

    Empty messages are skipped. Turn ``start`` is seconds since ``origin`` (default: the
    first timestamped message); without timestamps a format may give ``offset`` directly.
    A message's ``where`` (its field path or line) names it in errors; the limits of
    :mod:`qa_coach.ingest.limits` on a message and a conversation are checked here.
    """

    def __init__(self, ctx: ParseContext, locator: str, label: str | None = None) -> None:
        self.ctx = ctx
        self.locator = locator
        self.label = label or "conversation"
        self._messages: list[_Message] = []

    def add(
        self,
        role: Role,
        text: str | None,
        *,
        html: bool = False,
        timestamp: datetime | None = None,
        offset: float | None = None,
        speaker: Person | None = None,
        source_id: str | None = None,
        confidence: float = 1.0,
        where: str | None = None,
    ) -> None:
        if text is None:
            return
        place = where or f"{self.locator}, message {len(self._messages) + 1}"
        if len(text) > MAX_FIELD_CHARS:
            raise self.ctx.error(
                place, f"the message is {count(len(text))} characters; the limit is {count(MAX_FIELD_CHARS)}"
            )
        clean = html_to_text(text) if html and looks_like_html(text) else normalise_text(text)
        if not clean:
            return
        if len(clean) > MAX_MESSAGE_CHARS:
            raise self.ctx.error(
                place,
                f"the message holds {count(len(clean))} characters of text; "
                f"one message may hold at most {count(MAX_MESSAGE_CHARS)}",
            )
        if len(self._messages) >= MAX_MESSAGES:
            raise self.ctx.error(
                place, f"{self.label} has more than {count(MAX_MESSAGES)} messages, the limit for one conversation"
            )
        if speaker is not None and not speaker.is_known:
            speaker = None
        self._messages.append(_Message(role, clean, timestamp, offset, speaker, source_id, confidence))

    @property
    def messages(self) -> int:
        return len(self._messages)

    def build(
        self,
        *,
        id: str | None = None,
        channel: Channel = Channel.CHAT,
        representative: Person | None = None,
        customer: Person | None = None,
        started_at: datetime | None = None,
        origin: datetime | None = None,
        language: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Interaction:
        messages = self._messages
        if not messages:
            raise self.ctx.error(self.locator, f"{self.label} has no text at all (every message is empty)")
        if not any(m.role is Role.AGENT for m in messages):
            raise self.ctx.error(self.locator, f"{self.label} has no agent turn")
        if all(m.timestamp is not None for m in messages):
            messages = sorted(messages, key=lambda m: m.timestamp)  # stable for equal times
        stamps = [m.timestamp for m in messages if m.timestamp is not None]
        zero = origin or (min(stamps) if stamps else None)
        turns = tuple(
            Turn(
                index=i,
                role=m.role,
                text=m.text,
                start=_start(m, zero),
                timestamp=m.timestamp,
                speaker=m.speaker,
                speaker_confidence=m.confidence,
                source_id=m.source_id,
            )
            for i, m in enumerate(messages)
        )
        if representative is None or not representative.is_known:
            representative = _first_speaker(turns, Role.AGENT)
        if customer is None or not customer.is_known:
            customer = _first_speaker(turns, Role.CUSTOMER)
        self._check_sizes(id, representative, customer, language, metadata)
        return Interaction(
            id=id or self._stable_id(turns),
            turns=turns,
            source=self.ctx.source_ref(self.locator),
            channel=channel,
            started_at=started_at or zero,
            representative=representative,
            customer=customer,
            language=language,
            metadata={k: v for k, v in (metadata or {}).items() if v not in (None, "", [], {})},
        )

    def _check_sizes(
        self,
        id: str | None,
        representative: Person | None,
        customer: Person | None,
        language: str | None,
        metadata: Mapping[str, Any] | None,
    ) -> None:
        """Ids, names and codes within what the database stores; metadata shallow enough
        to be written out as JSON."""
        where = self.locator
        if len(where) > MAX_LOCATOR_CHARS:
            raise self.ctx.error(
                where[:60] + "...",
                f"this conversation's place is {count(len(where))} characters long; the limit is "
                f"{count(MAX_LOCATOR_CHARS)}",
            )
        fields: list[tuple[str, str | None, int]] = [("id", id, MAX_ID_CHARS), ("language", language, MAX_LANGUAGE_CHARS)]
        for who, p in (("representative", representative), ("customer", customer)):
            if p is not None:
                fields += [
                    (f"{who}'s name", p.name, MAX_NAME_CHARS),
                    (f"{who}'s id", p.id, MAX_NAME_CHARS),
                    (f"{who}'s e-mail", p.email, MAX_EMAIL_CHARS),
                ]
        for what, value, limit in fields:
            if value is not None and len(value) > limit:
                raise self.ctx.error(
                    where, f"the {what} is {count(len(value))} characters long; the limit is {count(limit)}"
                )
        for key, value in (metadata or {}).items():
            if _depth(value, MAX_METADATA_DEPTH + 1) > MAX_METADATA_DEPTH:
                raise self.ctx.error(
                    where,
                    f"the value of '{key}' is nested more than {MAX_METADATA_DEPTH} levels deep; "
                    "it cannot be kept",
                )

    def _stable_id(self, turns: tuple[Turn, ...]) -> str:
        digest = hashlib.sha256()
        digest.update(PurePath(self.ctx.source).name.encode())
        digest.update(b"\0" + self.locator.encode() + b"\0")
        for turn in turns:
            digest.update(f"{turn.role.value}\0{turn.text}\0".encode())
        return digest.hexdigest()[:16]


def _depth(value: Any, stop: int) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar: 0), counted up to ``stop``."""
    depth, level = 0, [value]
    while depth < stop:
        containers = [node for node in level if isinstance(node, (list, dict))]
        if not containers:
            break
        depth += 1
        level = [item for node in containers for item in (node.values() if isinstance(node, dict) else node)]
    return depth


def _start(message: _Message, zero: datetime | None) -> float | None:
    if message.timestamp is not None and zero is not None:
        return (message.timestamp - zero).total_seconds()
    return message.offset


def _first_speaker(turns: tuple[Turn, ...], role: Role) -> Person | None:
    for turn in turns:
        if turn.role is role and turn.speaker is not None:
            return turn.speaker
    return None


def channel_from(value: str | None, default: Channel = Channel.CHAT) -> Channel:
    """Map a source's channel name (``chat``, ``email``, ``whatsapp`` ...) to a Channel."""
    if not value:
        return default
    v = value.lower()
    if any(k in v for k in ("voice", "phone", "call", "talk")):
        return Channel.VOICE
    if "mail" in v:
        return Channel.EMAIL
    if any(
        k in v
        for k in (
            "messag",
            "whatsapp",
            "sms",
            "facebook",
            "instagram",
            "telegram",
            "twitter",
            "wechat",
            "line",
            "viber",
        )
    ):
        return Channel.MESSAGING
    if any(k in v for k in ("chat", "widget")):
        return Channel.CHAT
    return Channel.OTHER


def person(name: str | None = None, id: str | None = None, email: str | None = None) -> Person | None:
    p = Person(name=name or None, id=id or None, email=email or None)
    return p if p.is_known else None
