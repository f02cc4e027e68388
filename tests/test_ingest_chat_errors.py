"""Bad chat input: every problem is an InputError naming the file and the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Role
from qa_coach.ingest import (
    FORMATS,
    detect_format,
    import_conversations,
    import_text,
    read_conversations,
)
from qa_coach.ingest import source as source_module

DATA = Path(__file__).parent / "data" / "chat"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def error_of(path: Path, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        import_conversations(path, **kwargs)
    assert info.value.source == str(path)
    return info.value


def ticket(tid: int, comments: list[dict]) -> dict:
    return {"id": tid, "assigneeName": "Ann", "comments": comments}


def comment(text: str, agent: bool, created: object = "2024-01-01T10:00:00Z") -> dict:
    return {"authorIsNotClient": agent, "public": True, "comment": text, "created": created}


GOOD = [comment("hi", False), comment("hello", True)]


def test_malformed_json_names_line_and_column(tmp_path):
    err = error_of(write(tmp_path, "broken.json", '{"tickets": [\n  {"id": 1,}\n]}'))
    assert err.where == "line 2, column 12"
    assert "malformed JSON" in err.message


def test_json_of_unknown_shape_lists_keys_and_formats(tmp_path):
    err = error_of(write(tmp_path, "odd.json", '{"rows": [1, 2], "meta": {}}'))
    assert "unknown shape" in err.message and "rows, meta" in err.message and "zendesk-qa" in err.message


def test_unknown_format_name_lists_known_names():
    with pytest.raises(InputError) as info:
        import_conversations(DATA / "chats.txt", format="genesys")
    assert "unknown format 'genesys'" in info.value.message
    assert all(name in info.value.message for name in FORMATS)


def test_empty_file(tmp_path):
    assert error_of(write(tmp_path, "empty.json", "")).message == "file is empty"


def test_whitespace_only_file(tmp_path):
    assert "only whitespace" in error_of(write(tmp_path, "blank.txt", " \n\t\n ")).message


def test_non_utf8_file_names_line_column_and_byte_offset(tmp_path):
    err = error_of(write(tmp_path, "latin1.txt", "Agent: hello\nCustomer: caf\xe9\n".encode("latin-1")))
    assert err.where == "line 2, column 14 (byte offset 26)"
    assert "not UTF-8" in err.message and "0xE9" in err.message


def test_non_utf8_pasted_bytes():
    with pytest.raises(InputError) as info:
        import_text(b"Agent: ok\n\xff\xfe\xfa", name="upload.txt")
    assert info.value.source == "upload.txt" and "byte offset 10" in info.value.where


def test_conversation_without_agent_turn_is_named(tmp_path):
    data = {"tickets": [ticket(1, GOOD), ticket(77, [comment("anyone there?", False)])]}
    err = error_of(write(tmp_path, "t.json", json.dumps(data)))
    assert err.where == "tickets[1]" and err.message == "ticket 77 has no agent turn"
    assert str(err) == f"{tmp_path / 't.json'}: tickets[1]: ticket 77 has no agent turn"


def test_conversation_with_no_text_at_all(tmp_path):
    data = {"tickets": [ticket(5, [comment("", False), comment("   ", True)])]}
    err = error_of(write(tmp_path, "t.json", json.dumps(data)))
    assert err.where == "tickets[0]" and "no text at all" in err.message


def test_html_only_body_that_becomes_empty_makes_an_empty_conversation(tmp_path):
    data = {
        "tickets": [
            ticket(6, [comment("<p><br></p>", False), comment("<div>&nbsp;</div><img src='x.png'>", True)])
        ]
    }
    err = error_of(write(tmp_path, "t.json", json.dumps(data)))
    assert "ticket 6 has no text at all" in err.message


def test_empty_message_body_is_skipped_not_an_error(tmp_path):
    data = {
        "tickets": [
            ticket(
                7,
                [comment("hi", False), comment("", True), comment("<p></p>", False), comment("hello", True)],
            )
        ]
    }
    (inter,) = import_conversations(write(tmp_path, "t.json", json.dumps(data)))
    assert [(t.role, t.text) for t in inter.turns] == [(Role.CUSTOMER, "hi"), (Role.AGENT, "hello")]


def test_csv_missing_required_column_names_it_and_lists_the_header(tmp_path):
    err = error_of(write(tmp_path, "c.csv", "conversation_id,timestamp,role,words\n1,1700000000,agent,hi\n"))
    assert err.where == "row 1 (header)"
    assert "missing required column 'text'" in err.message
    assert "'conversation_id', 'timestamp', 'role', 'words'" in err.message


def test_csv_missing_role_and_speaker(tmp_path):
    err = error_of(write(tmp_path, "c.csv", "conversation_id,text\n1,hi\n"))
    assert "'role' or 'speaker'" in err.message


def test_csv_row_with_too_few_fields_names_the_row(tmp_path):
    content = "conversation_id,role,text,timestamp\n1,customer,hi,1700000000\n1,agent,hello\n"
    err = error_of(write(tmp_path, "c.csv", content))
    assert err.where == "row 3" and "3 fields, but the header has 4" in err.message


def test_csv_unknown_role_value(tmp_path):
    err = error_of(write(tmp_path, "c.csv", "conversation_id,role,text\n1,customer,hi\n1,manager,hello\n"))
    assert err.where == "row 3, column 'role'" and "unrecognised role 'manager'" in err.message


def test_csv_header_only(tmp_path):
    err = error_of(write(tmp_path, "c.csv", "conversation_id,role,text\n"))
    assert "no message rows" in err.message


def test_unparseable_timestamp_names_the_field_path(tmp_path):
    tickets = [ticket(i, GOOD) for i in range(2)]
    bad = [comment("x", i % 2 == 1) for i in range(5)] + [comment("y", True, "13/45/2020")]
    tickets.append(ticket(2, bad))
    path = write(tmp_path, "tickets.json", json.dumps({"tickets": tickets}))
    err = error_of(path)
    assert str(err) == f"{path}: tickets[2].comments[5].created: unrecognised timestamp '13/45/2020'"


def test_unparseable_csv_timestamp_names_row_and_column(tmp_path):
    err = error_of(write(tmp_path, "c.csv", "conversation_id,timestamp,role,text\n1,yesterday,agent,hi\n"))
    assert err.where == "row 2, column 'timestamp'" and "'yesterday'" in err.message


def test_text_before_the_first_speaker_label_names_the_line(tmp_path):
    content = "Agent: hi\nCustomer: hello\n---\n\nTranscript of call 7\nAgent: good morning\n"
    err = error_of(write(tmp_path, "t.txt", content))
    assert err.where == "line 5" and "Transcript of call 7" in err.message


def test_text_with_bad_time_prefix(tmp_path):
    err = error_of(write(tmp_path, "t.txt", "Agent: hi\n[13/45/2020] Customer: hello\n"))
    assert err.where == "line 2" and "unrecognised timestamp '13/45/2020'" in err.message


def test_text_without_any_speaker_label_is_undetectable(tmp_path):
    err = error_of(write(tmp_path, "notes.txt", "Dear team,\nplease find the report attached.\n"))
    assert "cannot tell the chat format" in err.message and "salesforce-livechat" in err.message


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "nope.json").message == "file not found"


def test_directory_instead_of_file(tmp_path):
    assert "is a directory" in error_of(tmp_path).message


def test_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(source_module, "MAX_BYTES", 1024)
    err = error_of(write(tmp_path, "big.txt", "Agent: hi\n" * 200))
    assert err.message.startswith("file is 2000 bytes, over the 1024 bytes limit")
    with pytest.raises(InputError, match="over the 1024 bytes limit"):
        import_text("Agent: hi\n" * 200)


def test_json_list_mixing_shapes(tmp_path):
    items = [ticket(1, GOOD), {"convo_id": 2, "original": [["agent", "hi"]]}]
    err = error_of(write(tmp_path, "mixed.json", json.dumps(items)))
    assert (
        "mixes conversation shapes" in err.message
        and "[0] zendesk-qa" in err.message
        and "[1] abcd" in err.message
    )


def test_empty_json_list(tmp_path):
    assert "no conversations" in error_of(write(tmp_path, "e.json", "[]")).message


def test_wrong_field_type_names_the_path(tmp_path):
    err = error_of(
        write(tmp_path, "t.json", json.dumps({"tickets": [ticket(1, GOOD), {"id": 2, "comments": "hi"}]})),
        format="zendesk-qa",
    )
    assert err.where == "tickets[1].comments" and "expected a JSON list" in err.message


def test_read_conversations_keeps_the_good_and_lists_the_bad(tmp_path):
    tickets = [
        ticket(1, GOOD),
        ticket(2, [comment("hello?", False)]),
        ticket(3, GOOD),
        ticket(4, GOOD[:1] + [comment("later", True, "not a time")]),
    ]
    path = write(tmp_path, "t.json", json.dumps({"tickets": tickets}))
    result = read_conversations(path)
    assert [i.id for i in result.interactions] == ["1", "3"]
    assert [(p.where, p.message) for p in result.problems] == [
        ("tickets[1]", "ticket 2 has no agent turn"),
        ("tickets[3].comments[1].created", "unrecognised timestamp 'not a time'"),
    ]
    assert not result.ok
    err = error_of(path)
    assert err.where == "tickets[1]" and "(and 1 more bad conversation)" in err.message


def test_read_conversations_with_a_bad_csv_row_keeps_other_conversations(tmp_path):
    content = "conversation_id,role,text\nA,customer,hi\nA,agent,hello\nB,agent\nC,customer,q\nC,agent,a\n"
    result = read_conversations(write(tmp_path, "c.csv", content))
    assert [i.id for i in result.interactions] == ["A", "C"]
    assert [p.where for p in result.problems] == ["row 4"]


def test_json_lines_with_a_broken_line(tmp_path):
    good = json.dumps({"convo_id": 1, "original": [["agent", "hi"], ["customer", "ho"]]})
    err = error_of(write(tmp_path, "x.jsonl", f"{good}\n{good}\n{{oops\n"))
    assert err.where == "line 3, column 2" and "malformed JSON" in err.message


def test_json_lines_import(tmp_path):
    lines = [json.dumps({"convo_id": n, "original": [["agent", "hi"], ["customer", "ho"]]}) for n in (1, 2)]
    assert [i.id for i in import_conversations(write(tmp_path, "x.jsonl", "\n".join(lines)))] == ["1", "2"]


@pytest.mark.parametrize("forced", sorted(FORMATS))
def test_forcing_any_format_on_any_file_never_leaks_a_traceback(forced):
    for path in sorted(DATA.iterdir()):
        try:
            result = read_conversations(path, format=forced)
        except InputError as exc:
            assert exc.source == str(path)
            continue
        assert all(isinstance(p, InputError) for p in result.problems)


def test_detect_format_of_a_missing_file_says_so():
    with pytest.raises(InputError, match="file not found"):
        detect_format("exports/missing.json")


def test_bracketed_title_line_is_reported_as_text_not_as_broken_json(tmp_path):
    err = error_of(write(tmp_path, "t.txt", "[Transcript 7]\nAgent: hi\nCustomer: hello\n"))
    assert err.where == "line 1" and "text before the first speaker label" in err.message


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.json")))
def test_any_field_of_the_wrong_type_is_an_input_error(name):
    import copy
    import random

    from qa_coach.ingest import read_text

    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    paths = [p for p in _paths(data) if p]
    rng = random.Random(name)
    for _ in range(60):
        mutated = copy.deepcopy(data)
        path = rng.choice(paths)
        target = mutated
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = rng.choice([None, 1, -3, 1e20, "x", "", [], {}, True, [1], {"a": 1}])
        try:
            result = read_text(json.dumps(mutated), name=name)
        except InputError as exc:
            assert exc.source == name
        else:
            assert all(p.source == name for p in result.problems)
