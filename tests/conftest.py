from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.cli_runner import cocreate
from tests.harness import Harness

# CI must not find a new example on some runs and not others: every run draws the same ones.
settings.register_profile("cocreate", derandomize=True, deadline=None)
settings.load_profile("cocreate")

__all__ = ["cocreate"]  # `cocreate` in-process (tests/cli_runner.py), for every test


def pytest_configure(config: pytest.Config) -> None:
    """Test files go to memory (/dev/shm) unless TMPDIR says otherwise: hundreds of SQLite files
    are created and synced per run, and a process killed with -9 leaves the same bytes behind
    in memory as on disk."""
    shm = Path("/dev/shm")
    if "TMPDIR" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        tempfile.tempdir = str(shm)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness.create(tmp_path / "cocreate.sqlite3")
    try:
        yield h
    finally:
        await h.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The browser tests' one line when Chromium is missing, and their screenshots' paths."""
    from tests.browser.chromium import INSTALL_HINT

    skipped = terminalreporter.stats.get("skipped", [])
    if any(INSTALL_HINT in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_line(INSTALL_HINT)
    shots = sorted(
        {
            value
            for reports in terminalreporter.stats.values()
            for r in reports
            for name, value in getattr(r, "user_properties", ())
            if name == "screenshot"
        }
    )
    if shots:
        terminalreporter.write_line(f"browser screenshots ({len(shots)}):")
        for shot in shots:
            terminalreporter.write_line(f"  {shot}")
