from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.cli_runner import cocreate
from tests.harness import Harness

# CI must not find a new example on some runs and not others: every run draws the same ones.
settings.register_profile("cocreate", derandomize=True, deadline=None)
settings.load_profile("cocreate")

__all__ = ["cocreate"]  # `cocreate` in-process (tests/cli_runner.py), for every test


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness.create(tmp_path / "cocreate.sqlite3")
    try:
        yield h
    finally:
        await h.close()
