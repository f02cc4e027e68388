"""Property-based fuzzing of every chat importer: whatever the content, the result is a clear
error naming the source, or conversations that are valid and storable, within a few seconds.

Documents are generated in each format's own shape (so the parsers get past detection), and
the repo's sample exports are mutated; text leaves mix control characters, lone surrogates,
HTML, markup tokens repeated thousands of times (quadratic parsers show up at that size),
extreme numbers and timestamps.
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Interaction, Role
from qa_coach.ingest import FORMATS, import_text, limits
from qa_coach.storage import codec

pytestmark = pytest.mark.slow  # a few thousand generated files

DATA = Path(__file__).parent / "data" / "chat"
# CPU seconds to read one generated file (at most a few hundred kilobytes, read in well under a
# second): more means a parser slower than linear. CPU time, not the clock, so that other
# processes on a busy machine do not make the test flaky.
SECONDS_PER_FILE = 5
FUZZ = settings(
    max_examples=120,
    deadline=None,  # timed in check(), in CPU seconds
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- leaves -----------------------------------------------------------------------------

TOKENS = (
    "<a", "<a\n", "<", "</", "<!--", "<br>", "<p>", "</p>", "<div>", "<li>", "&amp;", "&#", "&a", " ", "\t",
    "\n", "\r\n", "\x00", "\x07", "\x1b", "\u2028", "\ufeff", '"', "'", ",", ";", "|", ":", "[", "]", "{", "}",
    "( 1s ) ", ") ", "Agent:", "Customer: ", "[12:00] ", "12:03:44 ", "---", "===", "\\", "e",
    '<p align="center">Chat Started: Monday, January 01, 2024, 10:00:00 (+0000)</p>',
)
characters = st.characters(codec=None, exclude_categories=())  # surrogates and controls included
plain = st.text(characters, max_size=40)
repeated = st.builds(lambda token, n: token * n, st.sampled_from(TOKENS), st.integers(0, 20_000))
texts = st.one_of(plain, plain, st.sampled_from(TOKENS), repeated,
                  st.lists(st.one_of(plain, st.sampled_from(TOKENS)), max_size=12).map("".join))
numbers = st.one_of(
    st.integers(-10, 10**6), st.integers(), st.integers(10**10, 10**20), st.floats(allow_nan=True, allow_infinity=True),
)
stamps = st.one_of(
    st.none(), numbers, texts,
    st.sampled_from(["2024-03-01T10:00:00Z", "2024-03-01 10:00:00 UTC", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59+00:00", "1969-12-31T23:59:59Z", "2024-03-01T10:00:00+23:59", "1709287200",
                     "1709287200000", "99999999999999999999", "-5"]),
)
good_stamps = st.one_of(
    st.none(), st.integers(0, 4_000_000_000), st.integers(10**12, 4 * 10**12),
    st.datetimes(datetime(1970, 1, 2), datetime(2099, 12, 30), timezones=st.just(timezone.utc)).map(
        lambda d: d.isoformat()),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(plain, inner, max_size=3)), max_leaves=8)
deep = st.integers(1, 300).map(lambda n: json.loads("[" * n + "]" * n))  # deeper: tests/test_bad_inputs.py
anything = st.one_of(values, deep)
words = st.lists(st.sampled_from(["hello", "sorry", "my", "order", "is", "late", "thanks", "I", "can", "help", "é",
                                  "😀", "<b>ok</b>", "&amp;", "\x00", "\n"]), min_size=1, max_size=12).map(" ".join)
_MISSING = object()


def obj(**fields):
    """A JSON object strategy; fields drawn as _MISSING are left out."""
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not _MISSING})


class Shapes:
    """The strategies of the formats' documents: ``chaos`` puts any JSON value, or nothing,
    where each field goes; without it fields hold values of the right kind (still with
    control characters, HTML, long repeats and odd ids), so that many documents import."""

    def __init__(self, chaos: bool) -> None:
        self.chaos = chaos
        self.texts = texts if chaos else st.one_of(words, words, words, texts)  # message text
        self.names = texts if chaos else words  # names, e-mails, subjects, codes
        self.tags = anything if chaos else st.lists(words, max_size=3)
        self.stamps = stamps if chaos else good_stamps
        self.booleans = st.one_of(st.booleans(), st.sampled_from(["true", "false", "yes", 1, 0])) if chaos \
            else st.booleans()
        self.extra = anything if chaos else st.one_of(st.none(), st.integers(0, 100), words, st.lists(words, max_size=3))
        self.ids = st.one_of(st.integers(-5, 10**6), plain, st.sampled_from(["T1", "T1", 1, 1]),
                             st.text(min_size=190, max_size=230)) if chaos \
            else st.one_of(st.integers(0, 10**6), st.text("abcXYZ019-", min_size=1, max_size=12))

    def maybe(self, strategy):
        """The field's value; in chaos also any JSON value, or the field left out."""
        return st.one_of(strategy, strategy, anything, st.just(_MISSING)) if self.chaos else strategy

    def many(self, strategy, max_size: int = 5):
        if self.chaos:
            return st.one_of(st.lists(strategy, max_size=max_size), anything)
        return st.lists(strategy, min_size=1, max_size=max_size)

    def roles(self, *proper: str):
        others = ["agent", "customer", "user", "end-user", "admin", "bot", "system", "note", "nobody", "AGENT"]
        return st.sampled_from([*proper, *others]) if self.chaos else st.sampled_from(proper)

    def formats(self) -> dict[str, st.SearchStrategy]:
        m, t, n, i, b, ts = self.maybe, self.texts, self.names, self.ids, self.booleans, self.stamps
        zendesk_qa = obj(tickets=self.many(obj(
            id=m(i), assigneeName=m(n), assigneeEmail=m(n), customerEmail=m(n), customerName=m(n),
            satisfactionScore=m(self.extra), tags=m(self.tags), created=m(ts), channel=m(n), comments=self.many(obj(
                authorIsNotClient=m(b), public=m(st.just(True)) if not self.chaos else m(b), authorIsBot=m(b),
                comment=m(t), created=m(ts), authorName=m(n), authorEmail=m(n), callDuration=m(self.extra))))))
        zendesk_comments = obj(
            ticket=m(obj(id=m(i), requester_id=m(st.just(1)), assignee_id=m(i), via=m(obj(channel=m(n))),
                         tags=m(self.tags))),
            users=m(self.many(obj(id=m(st.sampled_from([1, 2])), name=m(n), email=m(n),
                                  role=m(self.roles("end-user", "agent", "admin"))))),
            comments=self.many(obj(author_id=m(st.sampled_from([1, 2, 3])), html_body=m(t), plain_body=m(t),
                                   body=m(t), public=m(b), created_at=m(ts), type=m(n), id=m(i))))
        zendesk_messaging = obj(conversations=self.many(obj(
            id=m(i), channel=m(n), events=self.many(obj(
                id=m(i), author=m(obj(type=m(self.roles("user", "agent", "bot", "business")), display_name=m(n),
                                      id=m(i))),
                content=m(st.one_of(t, obj(type=st.just("text"), text=m(t)))), created_at=m(ts))))))
        author = obj(type=m(self.roles("user", "admin", "bot", "lead")), name=m(n), id=m(i), email=m(n))
        parts = self.many(obj(part_type=m(st.sampled_from(["comment", "note", "assignment", "close"])), author=m(author),
                              body=m(t), created_at=m(ts), id=m(i)))
        intercom = obj(conversations=self.many(obj(
            id=m(i), created_at=m(ts), admin_assignee_id=m(i), tags=m(self.tags),
            source=m(obj(author=m(author), body=m(t), type=m(n), subject=m(n))),
            conversation_parts=st.one_of(obj(conversation_parts=parts), parts))))
        entry = obj(incoming=m(b), private=m(b), body=m(t), body_text=m(t), user_id=m(i), created_at=m(ts), id=m(i))
        freshdesk = st.one_of(
            st.lists(entry, min_size=1, max_size=5),
            obj(tickets=self.many(obj(id=m(i), description=m(t), description_text=m(t), created_at=m(ts),
                                      status=m(self.extra), source=m(self.extra), conversations=self.many(entry)))))
        azure = obj(analysisInput=obj(conversations=self.many(obj(
            id=m(i), language=m(st.one_of(st.sampled_from(["en", "en-US"]), n)), modality=m(n),
            conversationItems=self.many(obj(
                participantId=m(st.one_of(self.roles("Agent", "Customer", "agent_1"), t if self.chaos else st.nothing())),
                role=m(self.roles("agent", "customer")), text=m(t), timestamp=m(ts), id=m(i)))))))
        abcd = st.lists(obj(convo_id=m(i), original=self.many(st.one_of(
            st.tuples(self.roles("agent", "customer", "action"), t).map(list), anything if self.chaos else st.nothing())),
            scenario=m(self.extra)), min_size=1, max_size=4)
        taskmaster = st.lists(obj(conversation_id=m(i), instruction_id=m(n), utterances=self.many(obj(
            speaker=m(self.roles("USER", "ASSISTANT")), text=m(t), index=m(i)))), min_size=1, max_size=4)
        small = st.integers(0, 3)
        big = st.one_of(small, st.integers(0, 10**25)) if self.chaos else small
        offset = st.builds(lambda h, mi, s: f"( {h}h {mi}m {s}s )", big, st.integers(0, 59),
                           st.one_of(st.integers(0, 59), big))
        line = st.builds(lambda o, n, x: f"{o} {n}: {x}", offset, st.sampled_from(["Visitor", "Rita", "Chatbot"]), t)
        body = st.lists(st.one_of(line, t) if self.chaos else line, min_size=1, max_size=6).map("<br>".join)
        salesforce = obj(records=self.many(obj(
            attributes=st.just({"type": "LiveChatTranscript"}), Id=m(i), StartTime=m(ts),
            Owner=m(obj(Name=m(st.just("Rita")) if not self.chaos else m(n))), ChatDuration=m(self.extra),
            Body=st.one_of(body, t) if self.chaos else body)))
        return {
            "zendesk-qa": zendesk_qa, "zendesk-comments": zendesk_comments, "zendesk-messaging": zendesk_messaging,
            "intercom": intercom, "freshdesk": freshdesk, "azure": azure, "abcd": abcd, "taskmaster": taskmaster,
            "salesforce-livechat": salesforce,
        }

    def plain_text(self):
        labels = self.roles("Agent", "Customer", "Dana (agent)", "Caller", "System")
        if self.chaos:
            labels = st.one_of(labels, st.builds(lambda n, r: f"{n} ({r})", plain, labels), plain)
        times = ["[00:12] ", "[2024-03-01 10:00:05] ", "12:03:44 ", "9:05 am - ", ""]
        chaotic = ["[0001-01-01 00:00:00] ", "[99:99] ", "[13:00 PM] ", "[" + "1" * 50 + "] "]
        prefix = st.sampled_from(times + chaotic) if self.chaos else st.sampled_from(times)
        line = st.builds(lambda p, label, x: f"{p}{label}: {x}", prefix, labels, self.texts)
        lines = st.one_of(line, line, self.texts, st.sampled_from(["---", "", "   "]))
        return st.lists(lines, min_size=1, max_size=12).map("\n".join)

    def csv(self):
        columns = ["conversation_id", "timestamp", "role", "speaker", "text", "message", "agent_name", "agent_email",
                   "customer_name", "channel", "subject", "message_id", "other"]
        field = st.one_of(self.texts, self.roles("agent", "customer"), st.text("\"',;|\n\t", max_size=4))
        if self.chaos:  # rows joined by hand: quotes left open, fields missing
            return st.builds(lambda sep, header, rows: "\n".join([sep.join(header)] + [sep.join(r) for r in rows]),
                             st.sampled_from([",", ";", "\t", "|"]), st.lists(st.sampled_from(columns), min_size=1,
                                                                                    max_size=6),
                             st.lists(st.lists(field, max_size=7), max_size=8))
        row = st.tuples(st.sampled_from(["c1", "c2"]), self.roles("agent", "customer"), self.texts, self.stamps)
        return st.builds(_csv_rows, st.sampled_from([",", ";", "\t"]), st.lists(row, min_size=1, max_size=8))


def _csv_rows(sep: str, rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(["conversation_id", "role", "text", "timestamp"])
    writer.writerows([(c, r, x, "" if s is None else s) for c, r, x, s in rows])
    return out.getvalue()


SHAPES = {chaos: Shapes(chaos) for chaos in (False, True)}
JSON_FORMATS = {chaos: shapes.formats() for chaos, shapes in SHAPES.items()}
TEXT_FORMATS = {chaos: {"text": shapes.plain_text(), "csv": shapes.csv()} for chaos, shapes in SHAPES.items()}

# --- the property ---------------------------------------------------------------------


def check(content: str | bytes, name: str, format: str | None) -> None:
    """A clear error naming the source, or valid conversations a database can store."""
    started = time.process_time()
    try:
        interactions = import_text(content, name=name, format=format)
    except InputError as exc:
        assert exc.source == name and exc.message, exc
        event("a clear error")  # --hypothesis-show-statistics shows how often each outcome came
        return
    finally:
        seconds = time.process_time() - started
        assert seconds < SECONDS_PER_FILE, f"{seconds:.1f} CPU seconds to read {len(content):,} characters"
    event("conversations")
    assert interactions
    ids = [i.id for i in interactions]
    assert len(ids) == len(set(ids)), ids
    for interaction in interactions:
        check_interaction(interaction)


def check_interaction(interaction: Interaction) -> None:
    assert interaction.turns and any(t.role is Role.AGENT for t in interaction.turns)
    assert 0 < len(interaction.id) <= limits.MAX_ID_CHARS
    assert len(interaction.turns) <= limits.MAX_MESSAGES
    for turn in interaction.turns:
        assert turn.text and len(turn.text) <= limits.MAX_MESSAGE_CHARS
        assert turn.text == turn.text.strip()
    stamps = [interaction.started_at] + [t.timestamp for t in interaction.turns]
    for stamp in filter(None, stamps):
        assert limits.EARLIEST_TIME <= stamp < limits.LATEST_TIME, stamp
    for person in filter(None, (interaction.representative, interaction.customer)):
        assert len(person.name or "") <= limits.MAX_NAME_CHARS and len(person.id or "") <= limits.MAX_NAME_CHARS
        assert len(person.email or "") <= limits.MAX_EMAIL_CHARS
    stored = {
        "turns": [codec.turn_to_json(t) for t in interaction.turns],
        "metadata": dict(interaction.metadata),
        "people": [codec.person_to_json(interaction.representative), codec.person_to_json(interaction.customer)],
        "id": interaction.id, "language": interaction.language, "locator": interaction.source.locator,
    }
    # what the databases store: valid JSON (no NaN), UTF-8 (no lone surrogate), no control characters
    encoded = json.dumps(stored, allow_nan=False, ensure_ascii=False)
    encoded.encode("utf-8")
    assert not any(ord(c) < 32 and c not in "\t\n\r" or 0x7F <= ord(c) <= 0x9F for c in encoded), encoded[:200]
    codec.content_hash(interaction)


@pytest.mark.parametrize("fmt", sorted(JSON_FORMATS[False]))
@FUZZ
@given(data=st.data(), chaos=st.booleans(), forced=st.booleans(), lines=st.booleans())
def test_json_formats_in_their_own_shape(fmt, data, chaos, forced, lines):
    doc = data.draw(JSON_FORMATS[chaos][fmt], label="document")
    if lines and isinstance(doc, list):  # JSON Lines
        content = "\n".join(json.dumps(item) for item in doc)
    else:
        content = json.dumps(doc)
    check(content, f"{fmt}.json", fmt if forced else None)


@pytest.mark.parametrize("fmt", sorted(TEXT_FORMATS[False]))
@FUZZ
@given(data=st.data(), chaos=st.booleans(), forced=st.booleans())
def test_text_formats_in_their_own_shape(fmt, data, chaos, forced):
    content = data.draw(TEXT_FORMATS[chaos][fmt], label="content")
    check(content, f"chat.{'csv' if fmt == 'csv' else 'txt'}", fmt if forced else None)


def test_every_format_is_fuzzed():
    assert set(JSON_FORMATS[False]) | set(TEXT_FORMATS[False]) == set(FORMATS)


CONTROLS = ("\x00", "\x07", "\x1b[2J", "\x9b", "\ud800", "\x85")
_edits = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 40),
              st.one_of(st.sampled_from(CONTROLS), st.sampled_from(TOKENS), texts)),
    min_size=1, max_size=6,
)


def _edit(text: str, edits) -> str:
    """Each edit replaces ``cut`` characters at a place with ``insert``."""
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
    return text


def _edit_strings(document, edits):
    """The JSON document with the edits made inside its strings (``where`` picks the string
    and the place in it), so that they survive as JSON and reach the parsers."""
    slots = []  # (container, key) of every string
    stack = [document]
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in pairs:
            if isinstance(value, str):
                slots.append((node, key))
            else:
                stack.append(value)
    for where, cut, insert in edits:
        if slots:
            container, key = slots[int(where * len(slots))]
            container[key] = _edit(container[key], [((where * len(slots)) % 1, cut, insert)])
    return document


@pytest.mark.parametrize("sample", sorted(p.name for p in DATA.iterdir()))
@FUZZ
@given(edits=_edits, in_strings=st.booleans(), forced=st.one_of(st.none(), st.sampled_from(sorted(FORMATS))),
       as_bytes=st.booleans())
def test_mutated_sample_exports(sample, edits, in_strings, forced, as_bytes):
    text = (DATA / sample).read_text(encoding="utf-8")
    if in_strings and sample.endswith(".json"):
        text = json.dumps(_edit_strings(json.loads(text), edits))
    else:
        text = _edit(text, edits)
    check(text.encode("utf-8", "surrogatepass") if as_bytes else text, sample, forced)
