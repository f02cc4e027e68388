"""Imports every command module so that each registers itself on the ``main`` group."""

from __future__ import annotations

import importlib

_COMMAND_MODULES = ("score", "rubric", "evaluate", "transcribe", "db", "ingest", "export", "demo", "app", "calibrate",
                    "user")

for _name in _COMMAND_MODULES:
    importlib.import_module(f"qa_coach.cli.{_name}")
