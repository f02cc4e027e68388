"""One table of supported file types drives every place that decides by a file's suffix."""

from __future__ import annotations

import numpy as np
import pytest

from qa_coach.domain.file_types import FILE_TYPES, FileKind, kind_of, suffixes, upload_types
from tests.audio_synth import encode, tone
from tests.ui_fixtures import page_app, seeded  # noqa: F401  (fixture)

TSV_CHAT = (
    "conversation_id\ttimestamp\trole\ttext\n"
    "t1\t2024-05-01T10:00:00Z\tagent\tHello, this is Sam, how can I help?\n"
    "t1\t2024-05-01T10:00:20Z\tcustomer\tMy router keeps dropping the line.\n"
    "t1\t2024-05-01T10:01:00Z\tagent\tSorry about that, let me reset it for you.\n"
)


def test_the_table_holds_chats_and_recordings_with_tsv_and_webm():
    assert {".json", ".jsonl", ".csv", ".tsv", ".txt"} <= suffixes(FileKind.CHAT)
    assert {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".webm"} <= suffixes(FileKind.AUDIO)
    assert not suffixes(FileKind.CHAT) & suffixes(FileKind.AUDIO)
    assert all(t.suffix == t.suffix.lower() and t.suffix.startswith(".") and t.label for t in FILE_TYPES.values())
    assert kind_of("Call.WEBM") is FileKind.AUDIO and kind_of("export.TSV") is FileKind.CHAT
    assert kind_of("notes.pdf") is None and kind_of("README") is None


def test_upload_fields_accept_exactly_the_table(seeded):
    from streamlit.elements.lib.file_uploader_utils import normalize_upload_file_type

    assert {f".{t}" for t in upload_types()} == set(FILE_TYPES)
    expected = set(normalize_upload_file_type(upload_types()))  # Streamlit adds aliases (.mp4: .mpeg4)
    imports = page_app(seeded, "import", "admin").run()
    assert set(imports.file_uploader(key="import_files").allowed_type) == expected
    mine = page_app(seeded, "mine", "alice").run()
    assert set(mine.file_uploader(key="practice_file").allowed_type) == expected


def test_a_tsv_chat_is_read_by_suffix_and_found_in_a_folder(tmp_path):
    from qa_coach.cli.score import expand_paths
    from qa_coach.ingest import detect_format, import_conversations
    from qa_coach.services.ingest import read_interactions

    path = tmp_path / "export.tsv"
    path.write_text(TSV_CHAT, encoding="utf-8")
    assert detect_format(path) == "csv"
    [chat] = import_conversations(path)
    assert [t.text for t in chat.turns][-1] == "Sorry about that, let me reset it for you."
    assert [c.id for c in read_interactions(path, None, None)] == [chat.id]
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "call.webm").write_bytes(b"")
    assert expand_paths((str(tmp_path),)) == [tmp_path / "call.webm", path]


def test_a_webm_recording_is_decoded_and_sent_to_transcription(tmp_path, monkeypatch):
    from qa_coach.ingest.audio import call
    from qa_coach.ingest.audio.decode import decode_audio
    from qa_coach.services.ingest import read_interactions

    path = encode(tmp_path / "call.webm", np.stack([tone(1.5, 48000)]), 48000, "libopus", fmt="webm")
    assert abs(decode_audio(path).duration - 1.5) < 0.05
    sent = []
    monkeypatch.setattr(call, "transcribe_call", lambda p, **kw: sent.append(p) or "transcribed")
    assert read_interactions(path, None, None) == ["transcribed"] and sent == [path]


@pytest.mark.parametrize("suffix", sorted(suffixes(FileKind.AUDIO)))
def test_every_audio_suffix_goes_to_transcription(tmp_path, monkeypatch, suffix):
    from qa_coach.ingest.audio import call
    from qa_coach.services.ingest import read_interactions

    path = tmp_path / f"call{suffix.upper()}"
    path.write_bytes(b"not decoded here")
    monkeypatch.setattr(call, "transcribe_call", lambda p, **kw: "transcribed")
    assert read_interactions(path, None, None) == ["transcribed"]
