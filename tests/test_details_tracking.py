"""The customer's stated details followed through a conversation: the extraction, the
events (used, re-asked, repeated), the `details` detector and its rubric settings."""

from __future__ import annotations

import pytest

from qa_coach.domain.details import DetailEventKind, Slot, asks_for, comparable, stated_values, track_details
from qa_coach.domain.detectors import DetailsSpec
from qa_coach.domain.interaction import Role
from qa_coach.rubric.loader import RubricError, parse_rubric
from tests.rubric_texts import rubric_with
from tests.text_chats import chat, detect_in_text



@pytest.mark.parametrize(
    ("text", "slot", "values"),
    [
        ("Book a table for 8 people at 18:30 on wednesday.", Slot.COUNT, ["8 people"]),
        ("Book a table for 8 people at 18:30 on wednesday.", Slot.TIME, ["18:30"]),
        ("Book a table for 8 people at 18:30 on wednesday.", Slot.DAY, ["on wednesday"]),
        ("I'm leaving from London Kings Cross on Tuesday", Slot.ORIGIN, ["london kings cross"]),
        ("I need a train going to cambridge and I want to leave after 9am", Slot.DESTINATION, ["cambridge"]),
        ("I want to book a hotel in the centre of town", Slot.AREA, ["the centre of town"]),
        ("It should be from the 9th of this month until March 14th", Slot.DAY, ["the 9th of this month", "march 14th"]),
        ("The booking is under the name Alvarez please", Slot.NAME, ["alvarez"]),
        ("My order number is AB12345", Slot.REFERENCE, ["ab12345"]),
        ("I want to book something nice", Slot.DESTINATION, []),  # "to book" is not a place
        ("Thanks, that's all I need today", Slot.COUNT, []),
    ],
)
def test_stated_values_of_each_slot(text: str, slot: Slot, values: list[str]) -> None:
    assert stated_values(text, slot) == values


@pytest.mark.parametrize(
    ("sentence", "slots"),
    [
        ("What time would you like to arrive?", (Slot.TIME,)),
        ("How many people, and on what day?", (Slot.DAY, Slot.COUNT)),
        ("Where are you departing from?", (Slot.ORIGIN,)),
        ("Where would you like to go?", (Slot.DESTINATION,)),
        ("Which area of town do you prefer?", (Slot.AREA,)),
        ("Your table is booked for 8 people.", ()),  # a statement, not a question
    ],
)
def test_agent_questions_ask_for_slots(sentence: str, slots: tuple[Slot, ...]) -> None:
    assert asks_for(sentence) == slots


def test_a_detail_asked_for_again_is_a_re_ask_with_both_turns_quoted() -> None:
    track = track_details(chat(
        "C: I need a table for 4 people on Tuesday.",
        "A: Sure. What time would you like?",
        "C: At 7 pm.",
        "A: Great. And which day would you like to book?",
    ).party_turns)
    (event,) = track.of_kind(DetailEventKind.REASKED)
    assert (event.detail.value, event.turn.index) == ("on tuesday", 3)
    assert event.quote == "And which day would you like to book?"
    assert event.describe() == "the customer said 'on tuesday' at turn 1; the agent asked for the day again at turn 4"


def test_asking_before_the_customer_said_it_is_not_a_re_ask_and_using_it_counts() -> None:
    track = track_details(chat(
        "C: I need a table please.",
        "A: Of course, for how many people and what day?",
        "C: For 4 people on Tuesday.",
        "A: Booked: a table for 4 people on Tuesday.",
    ).party_turns)
    assert track.of_kind(DetailEventKind.REASKED) == ()
    assert {e.detail.slot for e in track.of_kind(DetailEventKind.USED)} == {Slot.COUNT, Slot.DAY}


def test_a_customer_repeating_a_detail_unasked_is_a_miss_but_not_when_asked() -> None:
    missed = track_details(chat(
        "C: I want a hotel in the east.",
        "A: Here are three hotels in the centre.",
        "C: No, I said in the east.",
    ).party_turns)
    (event,) = missed.of_kind(DetailEventKind.REPEATED)
    assert (event.detail.value, event.turn.role) == ("the east", Role.CUSTOMER)
    asked = track_details(chat(
        "C: I want a hotel in the east.",
        "A: Which area did you say?",
        "C: In the east.",
    ).party_turns)
    assert asked.of_kind(DetailEventKind.REPEATED) == ()
    assert len(asked.of_kind(DetailEventKind.REASKED)) == 1



def test_the_detector_counts_events_and_quotes_them() -> None:
    convo = chat(
        "C: Two tickets to Boston on Friday at 9 am please.",
        "A: What day do you want to travel?",
        "C: Friday.",
        "A: And at what time?",
    )
    twice = detect_in_text(DetailsSpec(events=(DetailEventKind.REASKED,), min_count=2), convo)
    assert twice.hit and twice.value == 2.0
    assert [e.signal for e in twice.evidence] == [
        "the customer said 'on friday' at turn 1; the agent asked for the day again at turn 2",
        "the customer said '9 am' at turn 1; the agent asked for the time again at turn 4",
    ]
    assert twice.evidence[0].quote == "What day do you want to travel?"
    assert not detect_in_text(DetailsSpec(events=(DetailEventKind.REASKED,), min_count=3), convo).hit
    nothing = detect_in_text(DetailsSpec(events=(DetailEventKind.REASKED,), min_count=1), chat("C: Hello?", "A: Hi!"))
    assert not nothing.hit and "stated no" in nothing.summary


def test_a_rubric_configures_the_details_detector() -> None:
    spec = parse_rubric(rubric_with({"type": "details", "events": ["re-asked", "repeated"], "min_count": 2})
                        ).criterion("only").signals["found"]
    assert spec == DetailsSpec(events=(DetailEventKind.REASKED, DetailEventKind.REPEATED), min_count=2)


def test_an_unknown_detail_event_is_a_validation_error_naming_the_place() -> None:
    with pytest.raises(RubricError, match=r"signals\.found\.events\[0\].*'reasked'"):
        parse_rubric(rubric_with({"type": "details", "events": ["reasked"]}), "r.yaml")


def test_a_booking_read_back_with_another_day_or_count_is_a_contradiction() -> None:
    track = track_details(chat(
        "C: A room for 4 people for 2 nights starting Friday, please.",
        "A: I booked you a room for 4 people for 3 nights starting Saturday.",
    ).party_turns)
    contradicted = track.of_kind(DetailEventKind.CONTRADICTED)
    assert [(e.detail.value, e.turn.index) for e in contradicted] == [("friday", 1), ("2 nights", 1)]
    assert contradicted[0].describe() == "the customer said 'friday' at turn 1; the agent confirmed another day at turn 2"
    assert contradicted[0].quote == "I booked you a room for 4 people for 3 nights starting Saturday."


def test_a_changed_detail_an_offer_instead_or_a_date_is_no_contradiction() -> None:
    changed = track_details(chat(
        "C: A table for 2 people on Friday.",
        "C: Sorry, make that 3 people on Saturday.",
        "A: Booked: a table for 3 people on Saturday.",
    ).party_turns)
    assert changed.of_kind(DetailEventKind.CONTRADICTED) == ()
    offered = track_details(chat(
        "C: A table for 2 people on Friday.",
        "A: Unfortunately Friday is fully booked; I could book Saturday instead.",
        "A: Your booking is confirmed for 2 people on the 14th of March.",
    ).party_turns)
    assert offered.of_kind(DetailEventKind.CONTRADICTED) == ()


@pytest.mark.parametrize(
    ("slot", "value", "form"),
    [
        (Slot.DAY, "on friday", ("weekday", "friday")),
        (Slot.DAY, "the 9th of march", None),
        (Slot.COUNT, "4 people", ("people", "4")),
        (Slot.COUNT, "four tickets", ("people", "4")),
        (Slot.COUNT, "two nights", ("night", "2")),
    ],
)
def test_values_compare_by_weekday_and_by_counted_thing(slot: Slot, value: str, form) -> None:
    assert comparable(slot, value) == form
