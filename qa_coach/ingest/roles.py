"""Speaker words in CSV columns and text labels, mapped to roles."""

from __future__ import annotations

import re

from qa_coach.domain.interaction import Role

_WORDS: dict[Role, tuple[str, ...]] = {
    Role.AGENT: (
        "agent",
        "rep",
        "representative",
        "advisor",
        "adviser",
        "operator",
        "support",
        "support agent",
        "staff",
        "csr",
        "associate",
        "specialist",
        "live agent",
        "human agent",
        "employee",
        "admin",
        "business",
        "expert",
        "technician",
    ),
    Role.CUSTOMER: (
        "customer",
        "client",
        "caller",
        "user",
        "visitor",
        "guest",
        "member",
        "end user",
        "end-user",
        "enduser",
        "contact",
        "consumer",
        "requester",
        "lead",
        "shopper",
    ),
    Role.BOT: (
        "bot",
        "chatbot",
        "chat bot",
        "virtual agent",
        "virtual assistant",
        "assistant",
        "ai",
        "automated agent",
        "ivr",
    ),
    Role.SYSTEM: ("system", "event", "action", "automated message", "auto"),
    Role.NOTE: ("note", "internal note", "private note", "internal", "whisper"),
}
ROLE_WORDS: dict[str, Role] = {word: role for role, words in _WORDS.items() for word in words}
_NAME_ROLE = re.compile(r"^(?P<a>[^()]+?)\s*\((?P<b>[^()]+)\)$")


def role_from_word(value: str) -> Role | None:
    """``Agent``, ``customer``, ``END_USER``, ``Virtual Agent`` ... -> Role; None if unknown."""
    key = re.sub(r"[\s_]+", " ", value.strip().lower())
    return ROLE_WORDS.get(key)


def role_and_name(label: str) -> tuple[Role, str | None] | None:
    """A speaker label: ``Agent``, ``Dana (agent)`` or ``Agent (Dana)`` -> (role, name)."""
    role = role_from_word(label)
    if role is not None:
        return role, None
    m = _NAME_ROLE.match(label.strip())
    if not m:
        return None
    a, b = m.group("a").strip(), m.group("b").strip()
    if (role := role_from_word(b)) is not None:
        return role, a
    if (role := role_from_word(a)) is not None:
        return role, b
    return None


def known_words() -> str:
    return ", ".join(
        w for w in ("agent", "rep", "customer", "client", "caller", "user", "bot", "system", "note")
    )
