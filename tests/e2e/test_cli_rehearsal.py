"""`cocreate run`'s console rehearses time: `advance` moves a clock the scheduler follows."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from tests.e2e.test_cli_failures import clean_env

__all__ = ["clean_env"]  # the fixture: nothing configured but a database in tmp_path

REHEARSAL = """\
as mod /cocreate setup
as mod /campaign create name:Rehearsal mode:pick starts:2h voting:1d
advance 1h
advance 1h
as alice /campaign list
advance 1d
quit
"""


def test_advance_in_a_console_session_runs_the_schedule(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(REHEARSAL))
    started = datetime.now(UTC)
    assert main(["run"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    # what each `advance` printed, up to the next line typed
    steps = [part.split("\n> ")[0] for part in out.split("> advance ")[1:]]
    assert len(steps) == 3, out
    # an hour in: nothing yet; two hours in: the scheduler opened the round
    assert "1 hour ahead of real time until the console is restarted" in steps[0]
    assert "is open" not in steps[0]
    assert "2 hours ahead of real time" in steps[1]
    assert "**Rehearsal** is open" in steps[1]
    # a day later it closed
    assert "1 day 2 hours ahead of real time" in steps[2]
    assert "**Rehearsal** is closed" in steps[2]
    shown = steps[2].split("(the clock is now ")[1][:16]
    moved = datetime.strptime(shown, "%Y-%m-%d %H:%M").replace(tzinfo=UTC) - started
    assert timedelta(hours=25, minutes=59) <= moved <= timedelta(hours=26, minutes=2)
