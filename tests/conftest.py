"""Shared fixtures. Tests that need ../shared/extdata skip without it, except in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
