"""Shared fixtures. Tests that need ../shared/extdata skip without it, except in CI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from qa_coach.settings import set_thread_wait_policy

set_thread_wait_policy()  # a test run is an entry point too: before any test imports torch

REPO = Path(__file__).resolve().parents[1]
EXTDATA = REPO.parent / "shared" / "extdata"


def require_extdata(*parts: str) -> Path:
    """Path to a file under ../shared/extdata; skip (never in CI) when it is absent."""
    path = EXTDATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must run with ../shared/extdata beside the repo")
        pytest.skip(f"{path} not found: external test data lives in ../shared/extdata")
    return path


@pytest.fixture
def extdata():
    return require_extdata


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2 at its lowest cost in this process: the production cost (about 0.4 s a hash on
    a busy core) adds nothing to what a test checks. Production's parameters have their own
    test (test_ui_auth.py); a hash records its parameters, so production hashes still verify."""
    from argon2 import PasswordHasher, profiles

    from qa_coach.services import auth

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


@pytest.fixture(autouse=True)
def _main_module_kept():
    """streamlit's AppTest runs a page as ``__main__`` and leaves it in ``sys.modules``; a
    later test that starts a process with multiprocessing's spawn would run that page there."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


# Tiers: `pytest -m "not slow"` runs the fast tier (logic, import, storage and page tests);
# modules that load real models, decode audio, score whole data sets, drive the browser or
# build the wheel mark themselves `slow` (pytestmark). Every test has a timeout (pytest-timeout),
# so a hang fails with its stack instead of stopping CI: the slow tier gets the default in
# pyproject.toml, sized for the browser test; a test not marked slow gets FAST_TIMEOUT_S,
# several times the slowest fast test on 2 busy cores, so a hang there fails within a minute.
FAST_TIMEOUT_S = 60


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("timeout"):
        return
    for item in items:
        if item.get_closest_marker("slow") is None and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(FAST_TIMEOUT_S))
