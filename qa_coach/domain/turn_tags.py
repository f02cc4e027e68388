"""The turn tags: what an agent or a customer turn does, as the trained tagger reports it.

One place for the vocabulary: the tagger's heads are trained and stored in this order,
the rubric's act detector names these tags, and the docs list them from here. A tag
belongs to one speaker; a turn of the other speaker never carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .interaction import Role


@dataclass(frozen=True)
class TagDef:
    """One tag: its name (as rubric authors write it), its speaker and what it means."""

    name: str
    speaker: Role
    description: str


TAGS: tuple[TagDef, ...] = (
    TagDef(
        "opens_or_offers_help",
        Role.AGENT,
        "greets or welcomes the customer, introduces themself, asks how they can help, or "
        "willingly takes on the request (\"Sure, I can help with that\", \"Of course!\"); "
        "not \"anything else?\" and not a reply to thanks",
    ),
    TagDef(
        "apologises",
        Role.AGENT,
        "says sorry for something that went wrong for the customer: a failure, an error, a "
        "delay, an inconvenience, a complaint; not a \"sorry, what time?\" that asks to "
        "repeat, and not \"unfortunately\" alone",
    ),
    TagDef(
        "acknowledges_feeling",
        Role.AGENT,
        "acknowledges the customer's feeling or situation (\"I understand how frustrating "
        "that is\", \"sorry to hear that\", \"glad it works now\", \"congratulations\")",
    ),
    TagDef(
        "restates_or_confirms",
        Role.AGENT,
        "repeats the customer's request or details back, or asks them to confirm them",
    ),
    TagDef(
        "asks_clarifying_question",
        Role.AGENT,
        "asks the customer for a detail or a choice needed to serve the request",
    ),
    TagDef(
        "reports_failure",
        Role.AGENT,
        "says it could not be done, nothing is available, nothing matches, or it cannot help",
    ),
    TagDef(
        "gives_answer",
        Role.AGENT,
        "gives the requested information, offers options it found, gives a solution or "
        "instructions, or reports the action done",
    ),
    TagDef(
        "offers_further_help",
        Role.AGENT,
        "asks whether the customer needs anything else (\"Is there anything else I can help with?\")",
    ),
    TagDef(
        "closes",
        Role.AGENT,
        "ends the conversation courteously (\"Have a nice day\", \"Goodbye\", \"Thanks for calling\")",
    ),
    TagDef(
        "states_feeling_or_difficulty",
        Role.CUSTOMER,
        "says how they feel (upset, worried, stressed, confused, relieved, excited) or states "
        "a personal difficulty or urgency (\"I use a wheelchair\", \"I need it today\")",
    ),
    TagDef(
        "complains",
        Role.CUSTOMER,
        "expresses dissatisfaction with the service, the product, the agent or the outcome, "
        "sarcasm included",
    ),
    TagDef(
        "repeats_or_corrects_detail",
        Role.CUSTOMER,
        "repeats a detail already given, or corrects or changes one the agent has stated",
    ),
    TagDef(
        "thanks_or_accepts",
        Role.CUSTOMER,
        "thanks the agent, accepts or confirms what is offered or read back, or says they are satisfied",
    ),
    TagDef(
        "rejects_or_unsolved",
        Role.CUSTOMER,
        "turns down what is offered, asks for something else instead, or says the problem is "
        "still not solved",
    ),
)

TAG_NAMES: tuple[str, ...] = tuple(t.name for t in TAGS)


def tags_for(speaker: Role) -> tuple[TagDef, ...]:
    """The tags a turn of ``speaker`` can carry (none for bots, systems and notes)."""
    return tuple(t for t in TAGS if t.speaker is speaker)


def tag_named(name: str) -> TagDef:
    """The tag called ``name``; a ValueError lists the known tags otherwise."""
    for tag in TAGS:
        if tag.name == name:
            return tag
    raise ValueError(f"unknown turn tag {name!r}; known tags: {', '.join(TAG_NAMES)}")
