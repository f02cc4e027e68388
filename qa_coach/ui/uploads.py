"""Uploaded files on the server: kept in a private temporary folder under their own names, and
named in messages as the user knows them (never by the server's folder)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def upload_folder(prefix: str = "qa-coach-upload-") -> Iterator[Path]:
    """A temporary folder for this run's uploads, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """The upload written into ``folder`` under its base name (a name cannot leave the folder)."""
    path = folder / Path(name).name
    path.write_bytes(data)
    return path


def without_folder(message: object, folder: Path) -> str:
    """``message`` with every mention of the server's ``folder`` taken out: "/tmp/x/chat.json:
    line 3: ..." becomes "chat.json: line 3: ..."."""
    text = str(message)
    for form in {str(folder), os.path.realpath(folder)}:
        text = text.replace(form + os.sep, "").replace(form + "/", "").replace(form, "")
    return text
