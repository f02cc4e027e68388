"""Writes the chat-log twins of sample_calls/scripts/*.txt into sample_calls/chats/.

Each demo call script becomes a chat log in a different export format, so the samples
also show the importers: the same words, 20 s apart, with the representative's name.
Run: python scripts/make_sample_chats.py
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "sample_calls" / "scripts"
OUT = ROOT / "sample_calls" / "chats"
START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
STEP = timedelta(seconds=20)
REPS = {  # from sample_calls/scripts/README.md
    "01": ("Olivia Grant", "olivia.grant@northwind.example"),
    "02": ("Marcus Bell", "marcus.bell@northwind.example"),
    "03": ("Derek Stone", "derek.stone@northwind.example"),
    "04": ("Priya Shah", "priya.shah@northwind.example"),
    "05": ("Tom Fletcher", "tom.fletcher@northwind.example"),
    "06": ("Grace Owens", "grace.owens@northwind.example"),
}
CUSTOMER = ("Alex Morgan", "alex.morgan@example.com")


def turns(script: Path) -> list[tuple[str, str]]:
    out = []
    for line in script.read_text(encoding="utf-8").splitlines():
        m = re.match(r"(Agent|Customer):\s*(.+)", line)
        if m:
            out.append((m.group(1).lower(), m.group(2).strip()))
    return out


def zendesk_qa(n: int, key: str, ts: list[tuple[str, str]]) -> str:
    name, email = REPS[key]
    comments = [
        {
            "id": f"{n}{i:02d}",
            "authorName": name if who == "agent" else CUSTOMER[0],
            "authorEmail": email if who == "agent" else CUSTOMER[1],
            "authorIsNotClient": who == "agent",
            "public": True,
            "comment": f"<p>{text}</p>",
            "created": (START + i * STEP).isoformat().replace("+00:00", "Z"),
        }
        for i, (who, text) in enumerate(ts)
    ]
    ticket = {
        "id": f"NW-{1000 + n}", "subject": "Evening dropouts", "created": comments[0]["created"],
        "status": "solved", "channel": "chat", "assigneeEmail": email, "assigneeName": name,
        "customerEmail": CUSTOMER[1], "customerName": CUSTOMER[0], "satisfactionScore": "good",
        "tags": ["internet", "dropouts"], "comments": comments,
    }
    return json.dumps({"tickets": [ticket]}, indent=2)


def intercom(n: int, key: str, ts: list[tuple[str, str]]) -> str:
    name, email = REPS[key]
    t0 = int(START.timestamp())
    parts = [
        {
            "type": "conversation_part", "id": str(n * 100 + i), "part_type": "comment",
            "body": f"<p>{text}</p>", "created_at": t0 + 20 * i,
            "author": {"type": "admin", "id": f"adm{n}", "name": name, "email": email}
            if who == "agent" else {"type": "user", "id": "u77", "name": CUSTOMER[0], "email": CUSTOMER[1]},
        }
        for i, (who, text) in enumerate(ts) if i > 0
    ]
    first_who, first_text = ts[0]
    conv = {
        "type": "conversation", "id": f"ic-{n}", "created_at": t0,
        "source": {"type": "conversation", "body": f"<p>{first_text}</p>",
                   "author": {"type": "admin" if first_who == "agent" else "user", "id": f"adm{n}", "name": name, "email": email}},
        "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts},
    }
    return json.dumps(conv, indent=2)


def plain_csv(n: int, key: str, ts: list[tuple[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["conversation_id", "timestamp", "role", "text", "agent_name", "agent_email"])
    for i, (who, text) in enumerate(ts):
        w.writerow([f"NW-{1000 + n}", int((START + i * STEP).timestamp() * 1000), who, text, *REPS[key]])
    return buf.getvalue()


def plain_text(n: int, key: str, ts: list[tuple[str, str]]) -> str:
    return "\n".join(f"[{(i * STEP).seconds // 60:02d}:{(i * STEP).seconds % 60:02d}] {who.title()}: {text}" for i, (who, text) in enumerate(ts)) + "\n"


def freshdesk(n: int, key: str, ts: list[tuple[str, str]]) -> str:
    convs = [
        {"id": n * 100 + i, "body": f"<div>{text}</div>", "body_text": text, "incoming": who == "customer",
         "private": False, "user_id": 501 if who == "agent" else 900,
         "created_at": (START + i * STEP).isoformat().replace("+00:00", "Z")}
        for i, (who, text) in enumerate(ts)
    ]
    return json.dumps(convs, indent=2)


def azure(n: int, key: str, ts: list[tuple[str, str]]) -> str:
    items = [
        {"participantId": "Agent" if who == "agent" else "Customer", "id": str(i + 1), "role": who, "text": text}
        for i, (who, text) in enumerate(ts)
    ]
    return json.dumps({"kind": "Conversation",
                       "analysisInput": {"conversations": [{"id": f"nw-{n}", "language": "en", "modality": "text", "conversationItems": items}]}}, indent=2)


WRITERS = {
    "01": (zendesk_qa, ".json"), "02": (intercom, ".json"), "03": (plain_csv, ".csv"),
    "04": (plain_text, ".txt"), "05": (freshdesk, ".json"), "06": (azure, ".json"),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for script in sorted(SCRIPTS.glob("[0-9][0-9]_*.txt")):
        key = script.name[:2]
        writer, suffix = WRITERS[key]
        target = OUT / (script.stem + "_" + writer.__name__ + suffix)
        target.write_text(writer(int(key), key, turns(script)), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
