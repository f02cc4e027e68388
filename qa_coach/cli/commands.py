"""Imports every command module so that each registers itself on the ``main`` group."""

from __future__ import annotations

import importlib

_COMMAND_MODULES = ("score", "rubric", "evaluate", "transcribe", "db", "ingest", "export", "demo", "app")

for _name in _COMMAND_MODULES:
    try:
        importlib.import_module(f"qa_coach.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"qa_coach.cli.{_name}":
            raise
