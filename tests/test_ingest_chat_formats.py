"""Every chat format: a realistic file per format, imported and checked exactly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from qa_coach.domain.interaction import Channel, Interaction, Person, Role
from qa_coach.ingest import FORMATS, detect_format, import_conversations, import_text

DATA = Path(__file__).parent / "data" / "chat"
A, C, B, S, N = Role.AGENT, Role.CUSTOMER, Role.BOT, Role.SYSTEM, Role.NOTE
UTC = timezone.utc

FILES = {
    "zendesk_qa_tickets.json": "zendesk-qa",
    "zendesk_comments.json": "zendesk-comments",
    "zendesk_messaging.json": "zendesk-messaging",
    "intercom_conversations.json": "intercom",
    "freshdesk_tickets.json": "freshdesk",
    "azure_two.json": "azure",
    "abcd_two.json": "abcd",
    "salesforce_livechat.json": "salesforce-livechat",
    "taskmaster_two.json": "taskmaster",
    "chats.csv": "csv",
    "chats_semicolon.csv": "csv",
    "chats.txt": "text",
}


def rows(interaction: Interaction) -> list[tuple]:
    return [(t.role, t.text, t.start) for t in interaction.turns]


def load(name: str) -> list[Interaction]:
    return import_conversations(DATA / name)


@pytest.mark.parametrize("name,expected", sorted(FILES.items()))
def test_auto_detection_picks_the_right_format(name, expected):
    assert detect_format(DATA / name) == expected
    assert detect_format((DATA / name).read_text(encoding="utf-8")) == expected
    assert all(i.source.format == expected for i in load(name))


def test_every_registered_format_has_a_test_file_and_a_description():
    assert set(FILES.values()) == set(FORMATS)
    assert all(desc.strip() for desc in FORMATS.values())


def test_format_override_gives_the_same_result():
    assert import_conversations(DATA / "chats.txt", format="text") == load("chats.txt")
    assert import_conversations(DATA / "intercom_conversations.json", format="Intercom") == load(
        "intercom_conversations.json"
    )


def test_turn_indices_count_up_from_zero_everywhere():
    for name in FILES:
        for inter in load(name):
            assert [t.index for t in inter.turns] == list(range(len(inter.turns)))
            assert inter.has_agent


def test_zendesk_qa():
    first, second = load("zendesk_qa_tickets.json")
    assert first.id == "48213" and second.id == "48290"
    assert rows(first) == [
        (C, "Hi, my kettle arrived with a cracked lid.\n\nOrder 7741.", 0.0),
        (A, "Hello James, I'm sorry to hear that!\nI have issued a full refund of €49.", 90.0),
        (N, "Courier damage, logged with carrier.", 120.0),
        (C, "Great, thanks a lot.", 180.0),  # the empty "<p></p>" comment is skipped
    ]
    assert first.turns[1].timestamp == datetime(2024, 3, 4, 9, 16, 30, tzinfo=UTC)
    assert first.turns[1].source_id == "c-1002"
    assert first.turns[1].speaker == Person("Maria Lopez", None, "maria.lopez@example-shop.com")
    assert first.representative == Person("Maria Lopez", None, "maria.lopez@example-shop.com")
    assert first.customer == Person("James Okafor", None, "j.okafor@mail.example")
    assert first.channel is Channel.CHAT
    assert first.started_at == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)
    assert dict(first.metadata) == {
        "subject": "Refund for damaged kettle",
        "status": "solved",
        "csat": 5,
        "tags": ["refund", "damaged_item"],
        "url": "https://example-shop.zendesk.com/agent/tickets/48213",
        "source_channel": "chat",
        "created": "2024-03-04T09:14:55+00:00",
        "updated": "2024-03-04T09:31:10+00:00",
        "closed": "2024-03-04T09:31:10+00:00",
    }
    assert first.source.locator == "tickets[0]" and first.source.path.endswith("zendesk_qa_tickets.json")
    assert rows(second) == [
        (C, "Call from Ana: parcel not delivered.", 0.0),
        (A, "The parcel is at the depot and will be delivered tomorrow.", 195.0),
    ]
    assert second.channel is Channel.VOICE
    assert second.started_at == datetime(2024, 3, 5, 13, 0, 5, tzinfo=UTC)
    assert second.metadata["calls"] == [{"comment_id": "c-2001", "duration": 184, "direction": "inbound"}]
    assert "csat" not in second.metadata and "tags" not in second.metadata


def test_zendesk_comments_uses_users_sideload_and_falls_back_to_first_author():
    first, second = load("zendesk_comments.json")
    assert first.id == "35436"
    assert rows(first) == [
        (C, "I can't log in since the update.", 0.0),
        (A, "Hi Priya,\n\n- delete the app\n- install it again", 300.0),
        (N, "Known bug in 4.2, see JIRA-88", 360.0),
        (S, "Ticket set to pending by trigger", 390.0),
    ]
    assert first.representative == Person("Lars Olsen", "2002", "lars@helpdesk.example")
    assert first.customer == Person("Priya Nair", "1001", "priya@customer.example")
    assert first.channel is Channel.EMAIL
    assert dict(first.metadata) == {
        "subject": "Cannot log in to the app",
        "status": "pending",
        "tags": ["login", "mobile"],
        "source_channel": "email",
    }
    assert all(t.speaker_confidence == 1.0 for t in first.turns)
    # No users, no requester: the first author is taken as the customer, with less confidence.
    assert second.id == "35440"
    assert rows(second) == [(C, "Is the store open on Sunday?", 0.0), (A, "Yes, from 10:00 to 16:00.", 120.0)]
    assert [t.speaker_confidence for t in second.turns] == [0.7, 0.7]
    assert second.representative == Person(None, "2077") and second.customer == Person(None, "1500")


def test_zendesk_messaging_unix_milliseconds_bot_and_system():
    first, second = load("zendesk_messaging.json")
    assert first.id == "msg-7f3a" and first.channel is Channel.MESSAGING
    assert rows(first) == [
        (C, "hello, I need to change my booking", 0.0),
        (B, "I can help with bookings. Connecting you to an agent.", 2.5),
        (A, "Hi Chen, which date would you like instead?", 60.0),
        (C, "May 12 please", 100.0),  # the image-only message has no text and is skipped
    ]
    assert first.started_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert first.representative == Person("Sofia Rossi", "a-9", "sofia@travel.example")
    assert first.customer == Person("Chen Wei", "u-55")
    assert first.metadata["source_channel"] == "whatsapp"
    assert rows(second) == [
        (C, "do you ship to Norway?", 0.0),
        (S, "Conversation assigned to Omar", 40.0),
        (A, "Yes, delivery takes 3-5 days.", 60.0),
    ]
    assert second.representative == Person("Omar Haddad", "a-3")


def test_intercom_parts_notes_events_and_unix_seconds():
    first, second = load("intercom_conversations.json")
    assert first.id == "1911149811"
    assert rows(first) == [
        (C, "Hi, I was charged twice this month.", 0.0),
        (B, "Thanks for reaching out! I'm the assistant bot.", 5.0),
        (S, "assignment by Operator", 10.0),
        (A, "Hello Nora,\nI can see the double charge.\n\nI've refunded $12.00.", 120.0),
        (N, "Stripe retry bug again", 130.0),
        (C, "Perfect, thank you!", 200.0),
        (S, "close by Ivan Petrov", 210.0),
    ]
    assert first.started_at == datetime.fromtimestamp(1700000000, UTC)
    assert first.turns[3].timestamp == datetime.fromtimestamp(1700000120, UTC)
    assert first.representative == Person("Ivan Petrov", "814860", "ivan@company.example")
    assert first.customer == Person("Nora Quinn", "5310d8e7", "nora@q.example")
    assert first.channel is Channel.CHAT
    assert dict(first.metadata) == {
        "title": "Billing question",
        "status": "closed",
        "tags": ["billing"],
        "csat": 4,
        "url": "https://app.example/pricing",
        "source_channel": "conversation",
    }
    # e-mail source; the gmail quoted reply is dropped, the link keeps its text
    assert rows(second) == [(C, "How do I export my contacts?", 0.0), (A, "Go to Settings > Export.", 60.0)]
    assert second.channel is Channel.EMAIL and second.metadata["subject"] == "Export to CSV"
    assert second.representative == Person("Ada Byrne", "900")


def test_freshdesk_description_notes_and_html_only_bodies():
    first, second = load("freshdesk_tickets.json")
    assert first.id == "20" and first.channel is Channel.EMAIL
    assert rows(first) == [
        (C, "My printer shows offline since Monday.", 0.0),
        (A, "Hi Grace, please restart the print spooler.", 1800.0),
        (N, "Check firmware 2.1", 1860.0),
        (C, "That worked, thanks!", 3600.0),
    ]
    assert first.customer == Person("Grace Kim", "5001", "grace@kim.example")
    assert first.representative == Person(None, "7001")
    assert dict(first.metadata) == {
        "subject": "Printer offline",
        "status": "resolved",
        "priority": 2,
        "tags": ["printer"],
    }
    assert second.id == "21" and second.channel is Channel.CHAT
    assert rows(second) == [
        (C, "Can I get a copy of invoice INV-88?", 0.0),
        (A, "Sure – sent to your e-mail.\n\nRegards,\nBen", 60.0),
    ]
    assert second.metadata["status"] == "open"


def test_azure_roles_from_role_field_or_participant():
    first, second = load("azure_two.json")
    assert first.id == "conv-1" and first.language == "en"
    assert rows(first) == [
        (A, "Hi, this is Kim from support. How can I help?", None),
        (C, "My router keeps rebooting.", None),
        (A, "Please update its firmware to 3.4.", None),
    ]  # empty text falls back to itn
    assert first.representative == Person(None, "agent_1") and first.customer == Person(None, "customer_1")
    assert dict(first.metadata) == {"title": "Support chats April", "modality": "text"}
    assert second.language == "de" and second.representative is None  # "Agent" is a role, not a person
    assert rows(second) == [(C, "Wo bleibt meine Lieferung?", None), (A, "Sie kommt morgen an.", None)]


def test_abcd_actions_are_system_turns():
    first, second = load("abcd_two.json")
    assert (first.id, first.source.locator, second.source.locator) == ("1201", "dev[0]", "dev[1]")
    assert rows(first) == [
        (C, "i forgot my password", None),
        (A, "I can help. What's your username?", None),
        (C, "aford1", None),
        (S, "Account has been pulled up for Alex Ford.", None),
        (A, "A reset link was sent to your email.", None),
    ]
    assert first.customer == Person("alex ford", "aford1", "aford@email.com")
    assert dict(first.metadata) == {"flow": "account_access", "subflow": "recover_password"}
    assert [t.role for t in second.turns] == [A, C, A]


def test_salesforce_livechat_body_lines_bot_transfer_and_offsets():
    first, second = load("salesforce_livechat.json")
    assert first.id == "5708d00000AbCdE"
    assert rows(first) == [
        (B, "Hi! I'm the virtual assistant. What do you need?", 2.0),
        (C, "my order is late", 10.0),
        (S, "Chat Transferred From Chatbot To Rita Moreno", 10.0),
        (A, "Hello, I'm Rita. Let me check your order.\nIt ships today.", 40.0),
        (C, "ok thanks", 75.0),
        (A, "You're welcome, bye!", 185.0),
    ]
    start = datetime(2024, 4, 10, 15, 0, tzinfo=UTC)
    assert first.started_at == start
    assert first.turns[3].timestamp == start + timedelta(seconds=40)
    assert first.representative == Person("Rita Moreno") and first.customer is None
    assert dict(first.metadata) == {
        "name": "00000123",
        "status": "Completed",
        "duration": 200,
        "ended_at": "2024-04-10T15:03:20+00:00",
        "case_id": "5008d00000XyZ",
        "origin": "Support Button",
    }
    assert rows(second) == [
        (A, "Good morning, how can I help?", 5.0),
        (C, "I need a new password", 30.0),
        (A, "A reset link is on its way.", 65.0),
    ]
    assert second.representative == Person("Sam Lee") and second.customer == Person("Peter Vogel")


def test_taskmaster_user_is_customer_assistant_is_agent():
    first, second = load("taskmaster_two.json")
    assert (first.id, second.id) == ("dlg-test-0001", "dlg-test-0002")
    assert [t.role for t in first.turns] == [C, A, C]
    assert (
        first.turns[1].text == "Sure, which size?" and first.metadata["instruction_id"] == "pizza-ordering-1"
    )


def test_csv_aliases_multiline_unix_seconds_and_iso_with_zone():
    first, second = load("chats.csv")
    assert first.id == "T-100"
    assert rows(first) == [
        (C, "Hi, my internet is down", 0.0),
        (A, "Hello! Sorry about that.\nLet me run a line test.", 30.0),
        (B, "Line test started", 31.0),
        (N, "Outage in area 12", 100.0),
        (A, "There is an outage; fixed within 2 hours.", 160.0),
    ]
    assert first.started_at == datetime.fromtimestamp(1709290800, UTC)
    assert first.representative == Person("Kofi Mensah", None, "kofi@isp.example")
    assert first.channel is Channel.CHAT
    assert second.id == "T-101" and second.channel is Channel.EMAIL
    assert rows(second) == [
        (C, "Can I upgrade my plan?", 0.0),
        (A, "Yes - reply UPGRADE to confirm.", 1200.0),
    ]
    assert second.started_at == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert second.representative is None


def test_csv_semicolons_speaker_names_naive_iso_and_unix_ms():
    first, second = load("chats_semicolon.csv")
    assert rows(first) == [(C, "Hallo, ich habe eine Frage", 0.0), (A, "Gerne, worum geht es?", 45.0)]
    assert first.representative == Person("Jonas") and first.customer == Person("Lena")
    assert first.started_at == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)  # no zone: taken as UTC
    assert rows(second) == [(C, "Is my order shipped?", 0.0), (A, "Yes, yesterday.", 60.0)]
    assert second.started_at == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)  # 1717232400000 ms


def test_plain_text_labels_times_and_continuation_lines():
    first, second = load("chats.txt")
    assert rows(first) == [
        (A, "Thank you for calling Bright Energy, this is Dana.", 0.0),
        (C, "Hi Dana, my bill doubled this month.\nI was away the whole time.", 4.0),
        (A, "I'm sorry to hear that. Let me look at your meter readings.", 15.0),
        (S, "Call placed on hold", 40.0),
        (A, "The reading was estimated; I've corrected it.", 65.0),
        (C, "Great, thanks!", 72.0),
    ]
    assert rows(second) == [
        (A, "Hello, you're chatting with Dana.", 0.0),
        (C, "Hi! Do you deliver on weekends?", 6.0),
        (N, "check new weekend policy", 46.0),
        (A, "Yes, Saturdays from 9 to 1.\nOrder before Friday noon.", 78.0),
        (C, "perfect", 86.0),
    ]
    assert second.representative == Person("Dana")
    assert (first.source.locator, second.source.locator) == (
        "conversation 1 (lines 1-7)",
        "conversation 2 (lines 9-14)",
    )
    assert first.turns[0].timestamp is None


def test_text_ids_are_stable_hashes_and_differ_between_conversations():
    first, second = load("chats.txt")
    again = load("chats.txt")
    assert (first.id, second.id) == (again[0].id, again[1].id)
    assert first.id != second.id and len(first.id) == 16
    pasted = import_text((DATA / "chats.txt").read_text(encoding="utf-8"), name="chats.txt")
    assert pasted[0].id == first.id  # same file name, same place, same content


def test_plain_text_iso_prefix_and_midnight_wrap():
    text = (
        "[2024-03-01T10:00:00Z] Customer: hi\n[2024-03-01T10:00:30Z] Agent: hello\n---\n"
        "23:59:50 Agent: still there?\n00:00:10 Customer: yes\n"
    )
    first, second = import_text(text)
    assert first.turns[1].timestamp == datetime(2024, 3, 1, 10, 0, 30, tzinfo=UTC)
    assert [t.start for t in first.turns] == [0.0, 30.0]
    assert [t.start for t in second.turns] == [0.0, 20.0]


def test_import_text_accepts_bytes_with_bom():
    raw = "\ufeffAgent: Grüß Gott\nCustomer: Servus".encode("utf-8")
    (inter,) = import_text(raw, name="upload.txt")
    assert rows(inter) == [(A, "Grüß Gott", None), (C, "Servus", None)]
    assert inter.source.path == "upload.txt"
    (again,) = import_text("Agent: hi\nCustomer: ho".encode("utf-16"))
    assert [t.text for t in again.turns] == ["hi", "ho"]


def test_other_container_shapes():
    import json

    comments = {
        "tickets": [
            {
                "id": 9,
                "requester_id": 1,
                "comments": [
                    {
                        "id": 1,
                        "plain_body": "help",
                        "public": True,
                        "author_id": 1,
                        "created_at": "2024-01-01T00:00:00Z",
                    },
                    {
                        "id": 2,
                        "plain_body": "sure",
                        "public": True,
                        "author_id": 2,
                        "created_at": "2024-01-01T00:01:00Z",
                    },
                ],
            }
        ],
        "users": [{"id": 2, "name": "Agent Two", "role": "agent"}],
    }
    (z,) = import_text(json.dumps(comments), name="zc.json")
    assert z.source.format == "zendesk-comments" and z.source.locator == "tickets[0]"
    assert rows(z) == [(C, "help", 0.0), (A, "sure", 60.0)] and z.turns[1].speaker == Person("Agent Two", "2")

    single = {
        "type": "conversation",
        "id": "c1",
        "created_at": 1700000000,
        "source": {"body": "<p>hi</p>", "author": {"type": "contact", "id": "u"}},
        "conversation_parts": {
            "conversation_parts": [
                {
                    "part_type": "comment",
                    "body": "hello",
                    "created_at": 1700000030,
                    "author": {"type": "admin"},
                }
            ]
        },
    }
    (i,) = import_text(json.dumps(single))
    assert (i.source.format, i.source.locator, rows(i)) == (
        "intercom",
        "document",
        [(C, "hi", 0.0), (A, "hello", 30.0)],
    )

    bare = [
        {"body_text": "q", "incoming": True, "private": False, "created_at": 1700000000},
        {"body": "<p>a</p>", "incoming": False, "private": False, "created_at": 1700000060},
    ]
    (f,) = import_text(json.dumps(bare))
    assert f.source.format == "freshdesk" and rows(f) == [(C, "q", 0.0), (A, "a", 60.0)]

    sunshine = {
        "messages": [
            {
                "author": {"type": "user", "displayName": "Kai"},
                "content": {"type": "text", "text": "yo"},
                "received": "2024-01-01T00:00:00.000Z",
            },
            {
                "author": {"type": "business", "displayName": "Desk"},
                "content": {"type": "text", "text": "hey"},
                "received": "2024-01-01T00:00:09.000Z",
            },
        ]
    }
    (m,) = import_text(json.dumps(sunshine))
    assert m.source.format == "zendesk-messaging" and rows(m) == [(C, "yo", 0.0), (A, "hey", 9.0)]
    assert m.representative == Person("Desk")
