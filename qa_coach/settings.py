"""Every environment variable qa_coach reads, declared once and read in one place.

Each setting is one field of :class:`Settings`: its name, type, environment variable,
default (as documented) and meaning are declared together below, and the README's
"Settings" table is checked against this declaration by a test. Modules read
``get_settings().<name>``, never the environment; a value that cannot be used is refused
where it enters, with the variable's name (:class:`SettingError`).

This module is also the one place that touches the process environment on purpose: the
environment handed to a child process (:func:`child_process_environment`) and the thread
wait policy set by the entry points before torch is imported (:func:`set_thread_wait_policy`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from qa_coach.domain.errors import QACoachError


class SettingError(QACoachError):
    """An environment variable holds a value qa_coach cannot use; the message names it."""


Parser = Callable[[str, str], Any]  # (variable name, its non-blank value) -> the setting's value


def _text(name: str, raw: str) -> str:
    return raw


def _folder(name: str, raw: str) -> Path:
    return Path(raw)


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingError(f"{name} must be a positive whole number (such as 2), not {raw!r}")
    return value


WHISPER_ENGINES = ("fast", "whisper")


def _whisper_engine(name: str, raw: str) -> str:
    if raw not in WHISPER_ENGINES:
        raise SettingError(f"{name} must be one of {', '.join(WHISPER_ENGINES)}, not {raw!r}")
    return raw


def _database_url(name: str, raw: str) -> str:
    scheme, sep, _ = raw.partition("://")
    if not sep or not scheme:
        raise SettingError(
            f"{name} must be a database URL such as sqlite:////path/to/qa_coach.sqlite3 or "
            f"postgresql+psycopg://user@host/dbname, not {raw!r}"
        )
    return raw


@dataclass(frozen=True)
class SettingSpec:
    """One setting as declared: what the README table lists about it."""

    name: str  # the attribute of Settings
    env_var: str
    parse: Parser
    default: str  # as documented; the value is None when the variable is unset or blank
    meaning: str


def _setting(env_var: str, parse: Parser, *, default: str, meaning: str) -> Any:
    return field(default=None, metadata={"env_var": env_var, "parse": parse, "default": default, "meaning": meaning})


@dataclass(frozen=True)
class Settings:
    """qa_coach's settings; ``None`` means "not set: use the documented default"."""

    database_url: str | None = _setting(
        "QA_COACH_DATABASE_URL", _database_url,
        default="SQLite file `qa_coach.sqlite3` in the data folder",
        meaning="The team database, as an SQLAlchemy URL (`postgresql+psycopg://user@host/dbname` for PostgreSQL)")
    data_dir: Path | None = _setting(
        "QA_COACH_DATA_DIR", _folder,
        default="the user data folder (`~/.local/share/qa_coach` on Linux)",
        meaning="Where the default SQLite database and the stored call recordings (`audio/`) live")
    cache_dir: Path | None = _setting(
        "QA_COACH_CACHE_DIR", _folder,
        default="the user cache folder (`~/.cache/qa_coach` on Linux)",
        meaning="Derived model files built on first use: Whisper checkpoints, ONNX graphs, checksum stamps")
    threads: int | None = _setting(
        "QA_COACH_THREADS", _positive_int,
        default="one per CPU core",
        meaning="Threads ONNX Runtime uses to score (a positive whole number)")
    whisper_engine: str | None = _setting(
        "QA_COACH_WHISPER_ENGINE", _whisper_engine,
        default="`fast` for the packaged models, else `whisper`",
        meaning="How calls are transcribed: `fast` (the packaged Whisper weights run by CTranslate2, "
                "int8, speech chunks batched) or `whisper` (openai-whisper itself); `--engine` overrides it")
    user: str | None = _setting(
        "QA_COACH_USER", _text,
        default="the local admin",
        meaning="Email of the user that `qa-coach` database commands act as (`--as EMAIL` overrides it)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """The settings named in ``environ``; a blank variable counts as unset."""
        values = {}
        for spec in declared_settings():
            raw = environ.get(spec.env_var, "").strip()
            values[spec.name] = spec.parse(spec.env_var, raw) if raw else None
        return cls(**values)


@lru_cache(maxsize=1)
def declared_settings() -> tuple[SettingSpec, ...]:
    """Every setting, in declaration order."""
    return tuple(
        SettingSpec(f.name, f.metadata["env_var"], f.metadata["parse"], f.metadata["default"], f.metadata["meaning"])
        for f in fields(Settings)
    )


def env_var_of(name: str) -> str:
    """The environment variable of the setting ``name`` (for help texts and messages)."""
    for spec in declared_settings():
        if spec.name == name:
            return spec.env_var
    raise KeyError(f"no setting {name!r}")


def get_settings() -> Settings:
    """The settings for the process environment as it is now.

    Parsed once per distinct set of values: the environment is only looked up (a few
    dictionary reads), so a variable set later in the process (a test, a worker) is seen.
    """
    return _parsed(tuple(os.environ.get(spec.env_var) for spec in declared_settings()))


@lru_cache(maxsize=8)
def _parsed(values: tuple[str | None, ...]) -> Settings:
    names = [spec.env_var for spec in declared_settings()]
    return Settings.from_env({name: value for name, value in zip(names, values) if value is not None})


def settings_table() -> str:
    """The README's table of settings, as Markdown."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.env_var}` | {s.default} | {s.meaning} |" for s in declared_settings()]
    return "\n".join(rows)


def child_process_environment(**extra: str) -> dict[str, str]:
    """The environment for a child process qa_coach starts: this process's own, plus ``extra``."""
    return {**os.environ, **extra}


def set_thread_wait_policy() -> None:
    """Let waiting OpenMP threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``,
    unless the user set it), for this process and its children.

    Called first by the entry points (the ``qa-coach`` command, the Streamlit app), never
    on import: OpenMP reads the variable once, when torch is imported, and on a shared
    2-core machine a spinning pool made PyTorch's MiniLM about 5x slower in our
    measurements. ONNX Runtime's own pool is told not to spin in its session options.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
