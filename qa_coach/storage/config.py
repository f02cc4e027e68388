"""Where the database and the audio store live."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "QA_COACH_DATABASE_URL"
DATA_DIR_ENV = "QA_COACH_DATA_DIR"


def data_dir() -> Path:
    """The user's data folder for qa_coach (``QA_COACH_DATA_DIR`` overrides it)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("qa_coach", appauthor=False))


def default_database_url() -> str:
    """``QA_COACH_DATABASE_URL``, or a SQLite file in the user's data folder."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    return f"sqlite:///{data_dir() / 'qa_coach.sqlite3'}"


def audio_store_dir() -> Path:
    return data_dir() / "audio"
