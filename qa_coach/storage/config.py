"""Where the database and the audio store live."""

from __future__ import annotations

from pathlib import Path

from qa_coach.settings import get_settings


def data_dir() -> Path:
    """The user's data folder for qa_coach (``QA_COACH_DATA_DIR`` overrides it)."""
    override = get_settings().data_dir
    if override is not None:
        return override
    from platformdirs import user_data_dir

    return Path(user_data_dir("qa_coach", appauthor=False))


def default_database_url() -> str:
    """``QA_COACH_DATABASE_URL``, or a SQLite file in the user's data folder."""
    url = get_settings().database_url
    if url is not None:
        return url
    return f"sqlite:///{data_dir() / 'qa_coach.sqlite3'}"


def audio_store_dir() -> Path:
    return data_dir() / "audio"


def error_log_path() -> Path:
    """Where the traceback of an unexpected error is written (the message names the file)."""
    return data_dir() / "logs" / "errors.log"
