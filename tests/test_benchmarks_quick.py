"""Each benchmark still runs: `python -m benchmarks.NAME --quick` ends with its JSON figures.

Benchmarks are not timed tests: only that they run, check their own results and report the
keys the README names is asserted here, never a figure. They take half a minute together, so
they are marked slow: `make test` leaves them out and .ci/run runs them (`pytest -m slow`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    "board": "ms",
    "ceiling": "events_per_s",
    "close": "seconds",
    "insights": "ms",
    "leaderboard": "ms",
    "memory": "rss_mb",
    "platforms": "discord_events_per_s",
    "votes": "events_per_s",
}
#: every figure the README names for a benchmark that reports several
ALL_KEYS = {
    "platforms": {
        "discord_events_per_s",
        "slack_events_per_s",
        "slack_bare_events_per_s",
        "engine_events_per_s",
        "ceiling_events_per_s",
        "discord_p99_ms",
        "slack_p99_ms",
    },
}

pytestmark = pytest.mark.slow  # left out of `make test`; .ci/run runs it (pytest -m slow)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_benchmark_runs_quick_and_ends_with_its_json(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) >= 2, "a human summary comes before the figures"
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict)
    for key in ALL_KEYS.get(name, set()) | {KEYS[name]}:
        value = figures[key]
        assert isinstance(value, int | float) and value > 0, (key, figures)
