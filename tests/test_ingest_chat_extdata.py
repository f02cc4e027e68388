"""Real chat files from ../shared/extdata import without changes."""

from __future__ import annotations

import json
import re

from qa_coach.domain.interaction import Role
from qa_coach.ingest import detect_format, import_conversations


def test_abcd_sample_three_real_chats(extdata):
    path = extdata("chat", "abcd", "abcd_sample.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    chats = import_conversations(path)
    assert detect_format(path) == "abcd"
    assert [c.id for c in chats] == [str(r["convo_id"]) for r in raw]
    role = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "action": Role.SYSTEM}
    for chat, record in zip(chats, raw, strict=True):
        # the importer collapses runs of spaces inside a line
        expected = [(role[s], re.sub(r" +", " ", t).strip()) for s, t in record["original"] if t.strip()]
        assert [(t.role, t.text) for t in chat.turns] == expected
        assert chat.turns_by(Role.SYSTEM) and chat.has_agent
        assert chat.customer.name == record["scenario"]["personal"]["customer_name"]


def test_azure_customer_support_chat(extdata):
    path = extdata("chat", "azure_customer_support_chat", "Json_input_customer_support.json")
    raw = json.loads(path.read_text(encoding="utf-8"))["analysisInput"]["conversations"][0]
    (chat,) = import_conversations(path)
    assert detect_format(path) == "azure"
    assert chat.id == raw["id"] and chat.language == "en" and len(chat.turns) == 17
    assert [t.text for t in chat.turns] == [i["text"].strip() for i in raw["conversationItems"]]
    assert [t.role.value for t in chat.turns] == [
        i["participantId"].lower() for i in raw["conversationItems"]
    ]
    assert chat.turns[0].text.startswith("Hello, you’re chatting with Rene")


def test_taskmaster_sample_dialogue(extdata):
    path = extdata("chat", "taskmaster1_sample", "sample.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    (chat,) = import_conversations(path)
    assert chat.id == raw["conversation_id"]
    assert [t.role for t in chat.turns] == [
        Role.CUSTOMER if u["speaker"] == "USER" else Role.AGENT for u in raw["utterances"]
    ]
