"""The file types qa_coach reads, in one table: chat logs and call recordings.

Everything that decides by a file's suffix reads this table: the chat importers, the
services that ingest files, the ``qa-coach score`` folder walk and the app's upload
fields. A chat's format is still detected from its content (``--format`` overrides it);
a recording is decoded by PyAV whatever its container.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from types import MappingProxyType
from typing import Mapping


class FileKind(StrEnum):
    CHAT = "chat"  # a chat log: read as text by the chat importers
    AUDIO = "audio"  # a recorded call: decoded, then transcribed


@dataclass(frozen=True)
class FileType:
    suffix: str  # lower case, with the dot
    kind: FileKind
    label: str  # what a user would call it
    read_as: str | None = None  # the chat format the suffix implies when the content is not JSON


_TABLE = (
    FileType(".json", FileKind.CHAT, "JSON export (Zendesk, Intercom, Freshdesk, Salesforce, Azure, ABCD, Taskmaster)"),
    FileType(".jsonl", FileKind.CHAT, "JSON Lines, one record per line"),
    FileType(".csv", FileKind.CHAT, "CSV, one message per row", read_as="csv"),
    FileType(".tsv", FileKind.CHAT, "tab-separated values, one message per row", read_as="csv"),
    FileType(".txt", FileKind.CHAT, "text transcript ('Agent: ...' / 'Customer: ...' lines)"),
    FileType(".log", FileKind.CHAT, "chat log as text"),
    FileType(".wav", FileKind.AUDIO, "WAV"),
    FileType(".flac", FileKind.AUDIO, "FLAC"),
    FileType(".mp3", FileKind.AUDIO, "MP3"),
    FileType(".m4a", FileKind.AUDIO, "M4A (AAC)"),
    FileType(".aac", FileKind.AUDIO, "AAC"),
    FileType(".ogg", FileKind.AUDIO, "Ogg (Vorbis or Opus)"),
    FileType(".opus", FileKind.AUDIO, "Opus"),
    FileType(".webm", FileKind.AUDIO, "WebM audio"),
    FileType(".mp4", FileKind.AUDIO, "MP4 (its audio track)"),
)

FILE_TYPES: Mapping[str, FileType] = MappingProxyType({t.suffix: t for t in _TABLE})


def file_type(path: str | PurePath) -> FileType | None:
    """The table's entry for ``path``'s suffix (any case), or None for a type we do not read."""
    return FILE_TYPES.get(PurePath(path).suffix.lower())


def kind_of(path: str | PurePath) -> FileKind | None:
    entry = file_type(path)
    return entry.kind if entry else None


def is_audio(path: str | PurePath) -> bool:
    return kind_of(path) is FileKind.AUDIO


def suffixes(kind: FileKind | None = None) -> frozenset[str]:
    """The suffixes (with the dot) of ``kind``, or of every kind."""
    return frozenset(t.suffix for t in _TABLE if kind is None or t.kind is kind)


def upload_types(kind: FileKind | None = None) -> list[str]:
    """The suffixes of ``kind`` (every kind: None) without the dot, in table order: what an
    upload field accepts (Streamlit's ``file_uploader(type=...)``)."""
    return [t.suffix.lstrip(".") for t in _TABLE if kind is None or t.kind is kind]
