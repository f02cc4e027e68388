"""The information the customer asks for, followed to the agent's answer: the items a
sentence asks for, the outcomes (answered, not given, unanswered), the `requests`
detector, its rubric settings, and what it finds on the real qa_dev chats."""

from __future__ import annotations

from collections import Counter

import pytest

from qa_coach.domain.customer_requests import Item, RequestOutcome, requested_items, track_requests
from qa_coach.domain.detectors import RequestsSpec
from qa_coach.evaluation.qa_dev import load_qa_dev
from qa_coach.rubric.loader import RubricError, parse_rubric
from tests.rubric_texts import rubric_with
from tests.text_chats import chat, detect_in_text



@pytest.mark.parametrize(
    ("sentence", "items"),
    [
        ("Could you give me the phone number, postcode and entrance fee?", (Item.PHONE, Item.POSTCODE, Item.PRICE)),
        ("What time does the train arrive?", (Item.TIME,)),
        ("Is there a pet fee?", (Item.PRICE,)),
        ("May I have the address and the reference number please?", (Item.ADDRESS, Item.REFERENCE)),
        ("What's their website or e-mail address?", (Item.EMAIL, Item.WEBSITE)),
        ("I want something in the moderate price range.", ()),  # a constraint, not a question
        ("Does the station take Visa to pay for the fare?", ()),  # how to pay, not how much
        ("The phone number is fine, thanks.", ()),  # says something, asks nothing
    ],
)
def test_the_items_a_customer_sentence_asks_for(sentence: str, items: tuple[Item, ...]) -> None:
    assert requested_items(sentence) == items


def test_each_item_is_answered_not_given_or_unanswered_with_its_turns() -> None:
    track = track_requests(chat(
        "C: Can I have the phone number, the address and the entrance fee?",
        "A: The phone number is 01223 350688 and it is at 191 Histon Road.",
        "C: And the entrance fee?",
        "A: Entrance fees aren't listed, sorry.",
        "C: What time does it open?",
        "A: Anything else I can help with?",
    ).party_turns)
    outcome = {(r.turn.index, r.item): r.outcome for r in track.requests}
    assert outcome == {
        (0, Item.PHONE): RequestOutcome.ANSWERED,
        (0, Item.ADDRESS): RequestOutcome.ANSWERED,
        (0, Item.PRICE): RequestOutcome.NOT_GIVEN,
        (2, Item.PRICE): RequestOutcome.NOT_GIVEN,
        (4, Item.TIME): RequestOutcome.UNANSWERED,
    }
    phone = track.requests[0]
    assert phone.reply is not None and phone.reply.index == 1
    assert phone.describe() == "the customer asked for the phone number at turn 1; the agent gave it at turn 2"
    fee = track.with_outcome(RequestOutcome.NOT_GIVEN)[0]
    assert fee.reply_quote == "Entrance fees aren't listed, sorry."
    assert fee.describe() == "the customer asked for the price at turn 1; the agent said at turn 4 that it is not available"
    (time,) = track.with_outcome(RequestOutcome.UNANSWERED)
    assert time.describe() == "the customer asked for the time at turn 5; no later agent turn gave it"
    assert time.reply is None


def test_an_item_given_in_a_later_turn_counts_and_asking_twice_in_vain_is_marked() -> None:
    late = track_requests(chat(
        "C: What is the reference number?",
        "A: One moment please.",
        "A: Your reference is BANQDUCA.",
    ).party_turns)
    assert [r.outcome for r in late.requests] == [RequestOutcome.ANSWERED]
    ignored = track_requests(chat(
        "C: Please get the phone number of the restaurant.",
        "A: Which side of town do you prefer?",
        "C: The north. I need the phone number.",
        "A: Cocum is in the west.",
    ).party_turns)
    assert [r.outcome for r in ignored.requests] == [RequestOutcome.UNANSWERED] * 2
    (again,) = ignored.asked_again(RequestOutcome.UNANSWERED)
    assert again.turn.index == 2 and again.quote == "I need the phone number."



def test_the_detector_counts_outcomes_and_quotes_the_customer() -> None:
    convo = chat(
        "C: How much is a ticket and what time does it leave?",
        "A: It leaves at 09:59.",
        "C: Thanks, bye.",
    )
    unmet = detect_in_text(RequestsSpec(outcomes=(RequestOutcome.UNANSWERED, RequestOutcome.NOT_GIVEN), min_count=1, asked_again=False), convo)
    assert unmet.hit and unmet.value == 1.0
    assert unmet.evidence[0].quote == "How much is a ticket and what time does it leave?"
    assert unmet.evidence[0].signal == "the customer asked for the price at turn 1; no later agent turn gave it"
    assert not detect_in_text(RequestsSpec(outcomes=(RequestOutcome.UNANSWERED,), min_count=1, asked_again=True), convo).hit
    nothing = detect_in_text(RequestsSpec(outcomes=(RequestOutcome.UNANSWERED,), min_count=1, asked_again=False),
                      chat("C: Hello?", "A: Hi!"))
    assert not nothing.hit and "asked for no" in nothing.summary


def test_a_rubric_configures_the_requests_detector() -> None:
    spec = parse_rubric(rubric_with({"type": "requests", "outcomes": ["not-given", "unanswered"], "asked_again": True})
                        ).criterion("only").signals["found"]
    assert spec == RequestsSpec(outcomes=(RequestOutcome.NOT_GIVEN, RequestOutcome.UNANSWERED), min_count=1, asked_again=True)


def test_an_unknown_request_outcome_is_a_validation_error_naming_the_place() -> None:
    with pytest.raises(RubricError, match=r"signals\.found\.outcomes\[0\].*'ignored'"):
        parse_rubric(rubric_with({"type": "requests", "outcomes": ["ignored"]}), "r.yaml")


def test_on_the_real_chats_unmet_requests_go_with_resolution_the_reviewers_marked_down(extdata) -> None:
    """On qa_dev, chats with an item the customer asked for and never got are marked
    down (partial or no) by the reviewers far more often than the others."""
    chats = load_qa_dev(extdata("chat", "qa_dev", "labels.tsv").parent)
    unmet = Counter()
    total = Counter()
    for reviewed in chats:
        track = track_requests(reviewed.interaction.party_turns)
        key = bool(track.with_outcome(RequestOutcome.UNANSWERED, RequestOutcome.NOT_GIVEN))
        total[key] += 1
        unmet[key] += reviewed.label["resolution"] != "yes"
    assert total[True] >= 5
    assert unmet[True] / total[True] > 2 * unmet[False] / total[False], (unmet, total)
