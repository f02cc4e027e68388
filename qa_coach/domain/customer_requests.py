"""The information the customer asks for, followed to the agent's answer.

A customer sentence that asks for something ("Could I have the phone number and the
entrance fee?", "What time does it arrive?") names items of information: a phone number,
an address, a postcode, a price or fee, a reference number, a time, an e-mail address or
a website. Each item is then **answered** (a later agent sentence gives it: digits of a
phone number, a street, an amount, a time), **not given** (the agent says it does not
have it: "entrance fees aren't listed") or **unanswered** (no later agent sentence gives
it). Resolution and active listening read these outcomes, and the evidence quotes them:
"the customer asked for the phone number at turn 7; no later agent turn gave it".

The items are the ones any information or booking service is asked for, and the
patterns are plain word lists, not fitted to any conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Sequence

from qa_coach.domain.details import SENTENCE_BREAK
from qa_coach.domain.interaction import Role, Turn


class Item(StrEnum):
    PHONE = "phone number"
    ADDRESS = "address"
    POSTCODE = "postcode"
    PRICE = "price"
    REFERENCE = "reference number"
    TIME = "time"
    EMAIL = "e-mail address"
    WEBSITE = "website"


@dataclass(frozen=True)
class _ItemPatterns:
    asked: re.Pattern[str]  # a customer sentence names the item
    given: re.Pattern[str]  # an agent sentence gives it


_I = re.IGNORECASE
_ITEMS: dict[Item, _ItemPatterns] = {
    Item.PHONE: _ItemPatterns(
        re.compile(r"\b(?:phone|telephone|contact) ?(?:number|no|#)?\b|\bnumber to call\b", _I),
        re.compile(r"\b(?:phone|telephone)(?: number)? (?:is|:)|\d{5,}|\d{3,}[- ]\d{3,}", _I),
    ),
    Item.ADDRESS: _ItemPatterns(
        re.compile(r"\baddress(?:es)?\b(?<!e-mail address)(?<!email address)|\bwhere (?:is|are) (?:it|they|the \w+) located\b", _I),
        re.compile(r"\b(?:address|located|street|st\.?|road|rd\.?|avenue|ave\.?|lane|way|drive|boulevard|blvd)\b", _I),
    ),
    Item.POSTCODE: _ItemPatterns(
        re.compile(r"\bpost ?codes?\b|\bzip(?: ?codes?)?\b", _I),
        re.compile(r"\bpost ?codes?\b|\bzip\b|\b[a-z]{1,2}\d{1,2}\s?\d?[a-z]{2}\b|\b\d{5}\b", _I),
    ),
    Item.PRICE: _ItemPatterns(
        # "price range" is a constraint, and "pay for the fare" asks how to pay, not how much
        re.compile(r"(?<!pay for the )(?<!pay for )(?<!pay the )\b(?:price|cost|how much|fee|fare|charge)s?\b(?! range)", _I),
        re.compile(
            r"\b(?:prices?|costs?|fees?|fares?|free|charges?|gbp|pounds?|dollars?|euros?|cheap|expensive|moderate)\b|"
            r"[$£€]\s?\d|\d\s?(?:gbp|pounds|usd|eur)\b",
            _I,
        ),
    ),
    Item.REFERENCE: _ItemPatterns(
        re.compile(r"\breference(?: number)?\b|\b(?:confirmation|booking) (?:number|code)\b", _I),
        re.compile(r"(?i:\breference\b|\bref\b|\bconfirmation\b)|\b[A-Z0-9]{6,}\b"),
    ),
    Item.TIME: _ItemPatterns(
        re.compile(r"\b(?:what time|arrival time|departure time|travel time|duration|how long|opening (?:hours|times))\b", _I),
        re.compile(
            r"\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?[ap]\.?m\b|\d+\s*(?:min|mins|minutes?|hours?|hrs?)\b|"
            r"\b(?:noon|midnight|midday)\b|\bat \d{1,2}\b",
            _I,
        ),
    ),
    Item.EMAIL: _ItemPatterns(
        re.compile(r"\be-?mail(?: address)?\b", _I),
        re.compile(r"\S+@\S+\.\w+|\be-?mail\b", _I),
    ),
    Item.WEBSITE: _ItemPatterns(
        re.compile(r"\b(?:website|web ?site|web address|url)\b", _I),
        re.compile(r"\bhttps?://|\bwww\.|\b\w+\.(?:com|org|net|co\.uk|io)\b|\bwebsite\b", _I),
    ),
}

# A sentence that asks for something: a question, a wh-word, or a request verb.
_ASKS = re.compile(
    r"\?|\b(?:what|how|when|where|which)\b|\b(?:give|tell|provide|send|get|have|need|want|like|know)\b|\bplease\b", _I
)
# An agent sentence saying it does not have the information.
_NOT_AVAILABLE = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|does not|not|no)\b[^.?!]*\b(?:information|info|details|listed|know|sure)\b|"
    r"\b(?:aren'?t|isn'?t|not) (?:listed|known)\b",
    _I,
)


class RequestOutcome(StrEnum):
    ANSWERED = "answered"  # a later agent sentence gives it
    NOT_GIVEN = "not-given"  # the agent says it does not have it
    UNANSWERED = "unanswered"  # no later agent sentence gives it


@dataclass(frozen=True)
class InformationRequest:
    """One item of information the customer asked for, and what became of it."""

    item: Item
    turn: Turn  # the customer's turn that asked
    quote: str  # the sentence that asked
    outcome: RequestOutcome
    reply: Turn | None  # the agent turn that gave it or said it is not available
    reply_quote: str | None

    def describe(self) -> str:
        asked = f"the customer asked for the {self.item.value} at turn {self.turn.index + 1}"
        match self.outcome:
            case RequestOutcome.ANSWERED:
                assert self.reply is not None
                return f"{asked}; the agent gave it at turn {self.reply.index + 1}"
            case RequestOutcome.NOT_GIVEN:
                assert self.reply is not None
                return f"{asked}; the agent said at turn {self.reply.index + 1} that it is not available"
        return f"{asked}; no later agent turn gave it"


@dataclass(frozen=True)
class RequestTrack:
    requests: tuple[InformationRequest, ...]

    def with_outcome(self, *outcomes: RequestOutcome) -> tuple[InformationRequest, ...]:
        return tuple(r for r in self.requests if r.outcome in outcomes)

    def asked_again(self, *outcomes: RequestOutcome) -> tuple[InformationRequest, ...]:
        """The requests with these outcomes whose item the customer had asked for before,
        in an earlier turn, and still did not get: asking twice in vain."""
        vain = self.with_outcome(*outcomes)
        return tuple(r for r in vain if any(o.item is r.item and o.turn.index < r.turn.index for o in vain))


def requested_items(sentence: str) -> tuple[Item, ...]:
    """The items of information a customer sentence asks for (none when it asks nothing)."""
    if not _ASKS.search(sentence):
        return ()
    return tuple(item for item, p in _ITEMS.items() if p.asked.search(sentence))


def track_requests(turns: Sequence[Turn]) -> RequestTrack:
    """Follow each item of information the customer asks for to the agent's answer.

    The first later agent sentence that names the item decides: it is not given when that
    sentence says the information is missing ("no information about the entry fee"), and
    answered otherwise (a price mentioned later for something else does not undo "I don't
    have the fee"); it is unanswered when no later agent sentence names it. Each item
    counts once per customer turn.
    """
    # every agent sentence once, in order, each with the position of its turn
    replies = [(k, t, s.strip()) for k, t in enumerate(turns) if t.role is Role.AGENT
               for s in SENTENCE_BREAK.split(t.text) if s.strip()]
    requests: list[InformationRequest] = []
    for k, turn in enumerate(turns):
        if turn.role is not Role.CUSTOMER:
            continue
        seen: set[Item] = set()
        for sentence in SENTENCE_BREAK.split(turn.text):
            for item in requested_items(sentence):
                if item in seen:
                    continue
                seen.add(item)
                later = ((t, s) for j, t, s in replies if j > k)
                requests.append(_follow(item, turn, sentence.strip(), later))
    return RequestTrack(tuple(requests))


def _follow(item: Item, turn: Turn, quote: str, later: Iterable[tuple[Turn, str]]) -> InformationRequest:
    patterns = _ITEMS[item]
    for reply, sentence in later:
        if patterns.given.search(sentence):  # the first agent sentence naming the item decides
            outcome = RequestOutcome.NOT_GIVEN if _NOT_AVAILABLE.search(sentence) else RequestOutcome.ANSWERED
            return InformationRequest(item, turn, quote, outcome, reply, sentence)
    return InformationRequest(item, turn, quote, RequestOutcome.UNANSWERED, None, None)
