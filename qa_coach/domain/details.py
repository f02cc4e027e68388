"""The customer's stated details, followed through a conversation.

A detail is a value of a kind of slot (a day or date, a time, a count, where from, where
to, an area, a name, a reference) that the customer states. Later the agent uses it
(mentions the same value), or asks for that kind of detail again (a re-ask), or the
customer has to say it again without being asked (a repeat: it was missed). Active
listening reads these events, and the evidence quotes them: "the customer said 'on
wednesday' at turn 9; the agent asked for the day again at turn 12".

The slots are generic (they hold for any service: bookings, orders, accounts), and the
patterns are plain word lists, not fitted to any conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Sequence

from qa_coach.domain.interaction import Role, Turn


class Slot(StrEnum):
    DAY = "day"
    TIME = "time"
    COUNT = "count"
    ORIGIN = "origin"
    DESTINATION = "destination"
    AREA = "area"
    NAME = "name"
    REFERENCE = "reference"


_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|a few"
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    "oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs)?|fri|sat|sun"
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)"
_COUNTED = (
    r"people|persons?|guests?|adults?|child(?:ren)?|kids?|tickets?|seats?|rooms?|nights?|days?|"
    r"weeks?|bags?|pieces?|items?|units?|beds?|bedrooms?|bathrooms?|passengers?|travell?ers?|of us|stars?"
)

_MOTION = (
    r"going|travell?ing|heading|flying|driving|moving|headed|go|get|arriv\w*|leav\w*|depart\w*|coming|come|"
    r"trip|train|bus|flight|ride|taxi|cab|journey|route|pick(?:ed)? (?:me )?up|picked up"
)
# One to three words of a place name, ending before a word that starts the next phrase.
_PLACE_WORDS = (
    r"(?!(?:the )?(?:book|buy|find|get|make|reserve|know|see|eat|stay|go|be|have|do|check|change|cancel|"
    r"pay|use|visit|a|an|my|your|our|their|it|this|that|there|here|me|you|us|them|somewhere|anywhere|any|"
    r"some|which|what|where|about|around|by|at|on|in|after|before|and|leave|arrive|depart)\b)"
    r"[a-z][\w.'-]*(?: (?!(?:and|on|by|at|after|before|around|that|this|the|to|from|in|for|tomorrow|today|"
    r"tonight|next|please|leaving|arriving|departing|i|we|it|is|with|or|but)\b)[a-z][\w.'-]*){0,2}"
)

# What a stated value of each slot looks like. Each pattern's first group is the value.
_VALUE_PATTERNS: dict[Slot, tuple[re.Pattern[str], ...]] = {
    Slot.DAY: tuple(re.compile(p, re.IGNORECASE) for p in (
        rf"\b((?:next |this |on )?(?:{_WEEKDAYS})s?)\b",
        r"\b(today|tomorrow|tonight|the day after tomorrow|this weekend|next week(?:end)?)\b",
        rf"\b((?:the )?{_ORDINAL}(?: of)?(?: (?:{_MONTHS}|this month|next month))?)\b",
        rf"\b((?:{_MONTHS}) (?:the )?\d{{1,2}}(?:st|nd|rd|th)?)\b",
        r"\b(\d{1,2}/\d{1,2}(?:/\d{2,4})?)\b",
    )),
    Slot.TIME: tuple(re.compile(p, re.IGNORECASE) for p in (
        r"\b(\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?)",
        r"\b(\d{1,2}\s?[ap]\.?m\.?)(?![a-z])",
        r"\b(noon|midday|midnight)\b",
        rf"\b((?:{_NUMBER_WORDS}) o'?clock)\b",
    )),
    Slot.COUNT: tuple(re.compile(p, re.IGNORECASE) for p in (
        rf"\b((?:\d{{1,3}}|{_NUMBER_WORDS}) (?:\w+ )?(?:{_COUNTED}))\b",
        rf"\bfor (\d{{1,2}}|{_NUMBER_WORDS})\b(?! ?(?::|[ap]\.?m|o'?clock|hours?|minutes?|dollars|pounds|euros))",
    )),
    Slot.ORIGIN: tuple(re.compile(p, re.IGNORECASE) for p in (
        rf"\b(?:{_MOTION}) (?:\w+ )?(?:from|out of) ({_PLACE_WORDS})",
        rf"^\s*from ({_PLACE_WORDS})",
    )),
    Slot.DESTINATION: tuple(re.compile(p, re.IGNORECASE) for p in (
        rf"\b(?:{_MOTION}) (?:\w+ )?(?:to|into|for) ({_PLACE_WORDS})",
        rf"^\s*to ({_PLACE_WORDS})",
    )),
    Slot.AREA: tuple(re.compile(p, re.IGNORECASE) for p in (
        r"\b(?:in|near|around|at) (the (?:centre|center|north|south|east|west|city centre|downtown)(?: of (?:town|the city))?)\b",
        r"\b(?:in|near|around) (the (?:north|south|east|west)(?:ern)? (?:part|side|area|end)(?: of (?:town|the city))?)\b",
    )),
    Slot.NAME: tuple(re.compile(p, re.IGNORECASE) for p in (
        r"\b(?:my name is|my name's|under the name(?: of)?|it's under|name is) "
        r"((?!(?:the|a|an|my|your|it|that|this)\b)[a-z][\w'-]+(?: (?!(?:please|and|thanks?|for|on|at|to)\b)[a-z][\w'-]+)?)",
    )),
    Slot.REFERENCE: tuple(re.compile(p) for p in (
        r"\b([A-Z0-9]*\d[A-Z0-9]*[A-Z][A-Z0-9]*|[A-Z]{1,4}\d{3,}|\d{5,})\b",
    )),
}

# An agent question asking for a slot.
_ASKS_FOR: dict[Slot, re.Pattern[str]] = {
    Slot.DAY: re.compile(
        r"\b(?:what|which) (?:day|date|days|dates|night)\b|\bwhen (?:would|will|do|are|did|should|is|were)\b|"
        r"\bwhat day of the week\b|\bon what (?:day|date)\b",
        re.IGNORECASE),
    Slot.TIME: re.compile(
        r"\b(?:what|which) time\b|\bat what time\b|\bwhat hour\b|\bhow early\b|\bhow late\b", re.IGNORECASE),
    Slot.COUNT: re.compile(
        r"\bhow many\b|\bfor how many\b|\bnumber of (?:people|guests|tickets|seats|rooms|nights|passengers)\b|"
        r"\bhow big (?:is|will) (?:your|the) (?:party|group)\b",
        re.IGNORECASE),
    Slot.ORIGIN: re.compile(
        r"\bwhere (?:\w+ ){0,4}(?:from|leav\w*|depart\w*|pick\w* (?:you )?up|start\w*)\b|"
        r"\b(?:what|which) (?:station|city|airport|town) (?:\w+ ){0,4}(?:from|leav\w*|depart\w*)\b|"
        r"\b(?:what is|what's) (?:your|the) (?:departure|starting|pick-?up) (?:point|station|city|location|site)\b",
        re.IGNORECASE),
    Slot.DESTINATION: re.compile(
        r"\bwhere (?:\w+ ){0,4}(?:going|go|head\w*|travel\w*|arriv\w*|to|destination|fly\w*)\s*\?|"
        r"\b(?:what|which) (?:station|city|airport|town) (?:\w+ ){0,4}(?:to|going|arriv\w*|head\w*)\b|"
        r"\b(?:what is|what's) (?:your|the) destination\b",
        re.IGNORECASE),
    Slot.AREA: re.compile(
        r"\b(?:what|which) (?:area|part of town|part of the city|side of town|neighbou?rhood)\b|"
        r"\bwhere (?:in|about)\b.*\b(?:town|city)\b",
        re.IGNORECASE),
    Slot.NAME: re.compile(
        r"\b(?:what|whose) (?:is |'s )?(?:your |the )?name\b|\bunder (?:what|which|whose) name\b|\bname (?:for|on) the (?:booking|reservation|order|account)\b",
        re.IGNORECASE),
    Slot.REFERENCE: re.compile(
        r"\b(?:what|which) (?:is |'s )?(?:your |the )?(?:reference|order|booking|confirmation|ticket|case|account) (?:number|code|id)\b",
        re.IGNORECASE),
}

_QUESTION_END = re.compile(r"\?\s*$")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")  # where a turn splits into sentences


@dataclass(frozen=True)
class StatedDetail:
    slot: Slot
    value: str  # as written, lower-case
    turn: Turn


class DetailEventKind(StrEnum):
    USED = "used"  # the agent mentions the value
    REASKED = "re-asked"  # the agent asks for that kind of detail again
    REPEATED = "repeated"  # the customer has to say it again, unasked
    CONTRADICTED = "contradicted"  # the agent reads back or books another value of that kind


@dataclass(frozen=True)
class DetailEvent:
    """What happened to a customer's detail later in the conversation."""

    kind: DetailEventKind
    detail: StatedDetail  # the detail as first stated
    turn: Turn  # where it happened: the agent's turn, or the customer's for a repeat
    quote: str  # the sentence of that turn

    def describe(self) -> str:
        said = f"the customer said {self.detail.value!r} at turn {self.detail.turn.index + 1}"
        at = f"turn {self.turn.index + 1}"
        match self.kind:
            case DetailEventKind.USED:
                return f"{said}; the agent used it at {at}"
            case DetailEventKind.REASKED:
                return f"{said}; the agent asked for the {self.detail.slot.value} again at {at}"
            case DetailEventKind.CONTRADICTED:
                return f"{said}; the agent confirmed another {self.detail.slot.value} at {at}"
        return f"{said}; they had to say it again, unasked, at {at}"


@dataclass(frozen=True)
class DetailTrack:
    stated: tuple[StatedDetail, ...]
    events: tuple[DetailEvent, ...]

    def of_kind(self, *kinds: DetailEventKind) -> tuple[DetailEvent, ...]:
        return tuple(e for e in self.events if e.kind in kinds)


def _normalise(value: str) -> str:
    v = re.sub(r"\b(?:on|next|this|the|of)\b", " ", value.lower())
    v = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", v)
    v = re.sub(r"s\b", "", v) if not re.search(r"\d", v) else v
    return " ".join(v.split())


# An agent sentence that reads details back or reports a booking made with them.
_READS_BACK = re.compile(
    r"\b(?:booked|reserved|reservation|booking|confirm\w*|scheduled|i have you|you(?:'re| are) all set|"
    r"your (?:table|room|ticket|tickets|appointment|order)|is that (?:correct|right))\b",
    re.IGNORECASE,
)
# ... unless it offers another value because the one asked for cannot be had.
_OFFERS_INSTEAD = re.compile(
    r"\b(?:instead|alternative|unavailable|not available|no availability|fully booked|could ?n[o']t|"
    r"unable|unfortunately|sorry|or)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
_COUNTED_THING = re.compile(
    rf"^(\d{{1,3}}|{_NUMBER_WORDS}) (?:\w+ )?(people|persons?|guests?|adults?|passengers?|travell?ers?|of us|"
    r"tickets?|seats?|rooms?|nights?|days?|weeks?|bags?|beds?)\b",
    re.IGNORECASE,
)
_PEOPLE = {"people", "person", "guest", "adult", "passenger", "traveler", "traveller", "of us", "ticket", "seat"}
_NUMBERS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}


def comparable(slot: Slot, value: str) -> tuple[str, str] | None:
    """What a stated value says in a form two values can be compared in: the weekday of a
    day ("on friday" and "friday" agree; a date and a weekday are not compared), the
    number of a counted thing (people, tickets and seats are one thing; nights another).
    None when the value has no such form."""
    if slot is Slot.DAY:
        m = _WEEKDAY.search(value)
        return ("weekday", m.group(1).lower()) if m else None
    if slot is Slot.COUNT:
        m = _COUNTED_THING.match(value)
        if not m:
            return None
        number = m.group(1).lower()
        thing = m.group(2).lower()
        thing = thing if thing == "of us" else re.sub(r"s$", "", thing)
        thing = "people" if thing in _PEOPLE else thing
        count = int(number) if number.isdigit() else _NUMBERS.get(number)
        return (thing, str(count)) if count is not None else None
    return None


def stated_values(text: str, slot: Slot) -> list[str]:
    """The values of ``slot`` written in ``text`` (lower-case, in order; where two
    readings overlap, the longer one: "march 14th", not "14th")."""
    spans: list[tuple[int, int, str]] = []
    for rx in _VALUE_PATTERNS[slot]:
        for m in rx.finditer(text):
            value = m.group(1).strip(" .,!?")
            if slot is Slot.REFERENCE and (len(value) < 5 or value.isdigit() and len(value) > 12):
                continue
            if value:
                spans.append((m.start(1), m.end(1), value.lower()))
    found: list[str] = []
    taken: list[tuple[int, int]] = []
    for start, end, value in sorted(spans, key=lambda s: (s[0], s[0] - s[1])):
        if any(start < e and s < end for s, e in taken) or value in found:
            continue
        taken.append((start, end))
        found.append(value)
    return found


def asks_for(sentence: str) -> tuple[Slot, ...]:
    """The slots an agent question asks for ("What time and how many people?")."""
    if not (_QUESTION_END.search(sentence) or re.match(r"^\s*(?:what|which|when|where|how)\b", sentence, re.I)):
        return ()
    return tuple(s for s, rx in _ASKS_FOR.items() if rx.search(sentence))


def track_details(turns: Sequence[Turn]) -> DetailTrack:
    """Follow each detail the customer states through the agent's later turns.

    A re-ask is an agent question for a kind of detail the customer has stated since the
    agent last asked for it; a use is an agent turn that mentions a stated value; a
    repeat is a customer turn stating a value they gave before when the agent's turn
    before it neither asked for that kind of detail nor mentioned the value; a
    contradiction is an agent sentence reading back or booking another weekday, or another
    number of the same counted thing, than the customer last gave (not one that offers it
    instead of a value that cannot be had).
    """
    stated: list[StatedDetail] = []
    events: list[DetailEvent] = []
    open_by_slot: dict[Slot, StatedDetail] = {}  # the latest value stated per slot
    used: set[tuple[Slot, str]] = set()
    asked_last: set[Slot] = set()  # the slots the agent's latest turn asked for
    agent_said = ""  # the agent's latest turn, normalised
    latest: dict[tuple[Slot, str], tuple[str, StatedDetail]] = {}  # (slot, kind) -> (value, detail)
    contradicted: set[StatedDetail] = set()
    for turn in turns:
        if turn.role is Role.CUSTOMER:
            for slot in Slot:
                for value in stated_values(turn.text, slot):
                    detail = StatedDetail(slot, value, turn)
                    earlier = next((d for d in stated if d.slot is slot and d.turn.index < turn.index
                                    and _normalise(d.value) == _normalise(value)), None)
                    if earlier is not None and slot not in asked_last and _normalise(value) not in agent_said:
                        events.append(DetailEvent(DetailEventKind.REPEATED, earlier, turn, _sentence_with(turn.text, value)))
                    stated.append(detail)
                    open_by_slot[slot] = detail
                    form = comparable(slot, value)
                    if form is not None:
                        latest[(slot, form[0])] = (form[1], detail)
        elif turn.role is Role.AGENT:
            asked_last = set()
            agent_said = _normalise(turn.text)
            norm_text = _normalise(turn.text)
            for detail in list(open_by_slot.values()):
                key = (detail.slot, detail.value)
                if key not in used and _normalise(detail.value) and _normalise(detail.value) in norm_text:
                    used.add(key)
                    events.append(DetailEvent(DetailEventKind.USED, detail, turn, _sentence_with(turn.text, detail.value)))
            for sentence in SENTENCE_BREAK.split(turn.text):
                events += _contradictions(sentence, turn, latest, contradicted)
                for slot in asks_for(sentence):
                    asked_last.add(slot)
                    detail = open_by_slot.pop(slot, None)
                    if detail is not None and detail.turn.index < turn.index:
                        events.append(DetailEvent(DetailEventKind.REASKED, detail, turn, sentence.strip()))
    return DetailTrack(tuple(stated), tuple(events))


def _contradictions(sentence: str, turn: Turn, latest: dict[tuple[Slot, str], tuple[str, StatedDetail]],
                    reported: set[StatedDetail]) -> list[DetailEvent]:
    """The customer's latest weekdays and counts that an agent sentence reading back or
    reporting a booking gives another value of (each detail reported once)."""
    if not _READS_BACK.search(sentence) or _OFFERS_INSTEAD.search(sentence):
        return []
    found: list[DetailEvent] = []
    for slot in (Slot.DAY, Slot.COUNT):
        for value in stated_values(sentence, slot):
            form = comparable(slot, value)
            said = latest.get((slot, form[0])) if form is not None else None
            if form is None or said is None or said[0] == form[1] or said[1] in reported:
                continue
            reported.add(said[1])
            found.append(DetailEvent(DetailEventKind.CONTRADICTED, said[1], turn, sentence.strip()))
    return found


def _sentence_with(text: str, value: str) -> str:
    for sentence in SENTENCE_BREAK.split(text):
        if value.lower() in sentence.lower():
            return sentence.strip()
    return text.strip()
