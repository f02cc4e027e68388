"""The interaction: one conversation between a representative and a customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from .call_metrics import CallMetrics


class Role(str, Enum):
    """Who produced a turn. Only AGENT and CUSTOMER turns are scored as conversation."""

    AGENT = "agent"
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"  # automated events, actions, status changes
    NOTE = "note"  # internal notes, never seen by the customer

    @property
    def is_party(self) -> bool:
        """True for the two people in the conversation (agent and customer)."""
        return self in (Role.AGENT, Role.CUSTOMER)


class Channel(str, Enum):
    CHAT = "chat"
    EMAIL = "email"
    MESSAGING = "messaging"
    VOICE = "voice"
    OTHER = "other"


@dataclass(frozen=True)
class Person:
    """A representative or customer as the source names them; any field may be unknown."""

    name: str | None = None
    id: str | None = None
    email: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.email or self.id or "unknown"

    @property
    def is_known(self) -> bool:
        return any((self.name, self.id, self.email))


@dataclass(frozen=True)
class Turn:
    """One message or utterance.

    ``start``/``end`` are seconds from the start of the interaction (audio times, or chat
    timestamps relative to the first message); ``timestamp`` is the wall-clock time when
    the source gives one. ``speaker_confidence`` is how sure we are of ``role`` (1.0 when
    the source states it, lower for inferred speakers in mono audio).
    """

    index: int
    role: Role
    text: str
    start: float | None = None
    end: float | None = None
    timestamp: datetime | None = None
    speaker: Person | None = None
    speaker_confidence: float = 1.0
    source_id: str | None = None

    @property
    def time_label(self) -> str:
        """``mm:ss`` (or ``h:mm:ss``) from the start, or the wall-clock time, or ''."""
        if self.start is not None:
            return format_offset(self.start)
        if self.timestamp is not None:
            return self.timestamp.isoformat(timespec="seconds")
        return ""


def format_offset(seconds: float) -> str:
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


@dataclass(frozen=True)
class SourceRef:
    """Where an interaction came from: file, detected format, and the place in the file."""

    path: str | None
    format: str
    locator: str | None = None  # e.g. "conversation 3" or "ticket 1234"


@dataclass(frozen=True)
class Interaction:
    """A whole conversation, ready to score.

    ``metadata`` carries what the source knows beyond the turns (subject, tags, CSAT/NPS
    scores, ticket status ...) as plain JSON-compatible values.
    """

    id: str
    turns: tuple[Turn, ...]
    source: SourceRef
    channel: Channel = Channel.CHAT
    started_at: datetime | None = None
    representative: Person | None = None
    customer: Person | None = None
    language: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    metrics: CallMetrics | None = None  # timing facts of a recorded call (None for chats)

    def __post_init__(self) -> None:
        if not isinstance(self.metadata, MappingProxyType):
            object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def party_turns(self) -> tuple[Turn, ...]:
        """Agent and customer turns, in order (bot, system and note turns left out)."""
        return tuple(t for t in self.turns if t.role.is_party)

    def turns_by(self, role: Role) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.role is role)

    @property
    def has_agent(self) -> bool:
        return any(t.role is Role.AGENT for t in self.turns)

    @property
    def duration(self) -> float | None:
        ends = [t.end if t.end is not None else t.start for t in self.turns]
        ends = [e for e in ends if e is not None]
        return max(ends) if ends else None
