"""`cocreate VERB ...` run in the test process through ``bot.cli.main``: the same parser,
settings and exit codes as the command, without a Python start-up each time."""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main

DROPPED = ("DISCORD_", "SLACK_", "COCREATE_", "HTTP_", "OPS_", "LOG_")


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The process environment a test's `cocreate` sees: no tokens or settings from outside,
    the database in ``tmp_path``, ports 0, JSON logs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(DROPPED) and k not in {"DATABASE_URL", "TIMEZONE"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'cocreate.sqlite3'}",
        HTTP_PORT="0",
        OPS_PORT="0",
        LOG_FORMAT="json",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Cocreate = Callable[..., Result]


@pytest.fixture
def cocreate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cocreate]:
    """``cocreate(*args, stdin="", unset=(), **env)``: the command in this process, in
    ``tmp_path`` with ``cli_env``, reading ``stdin``; its exit code and output as a finished
    process would give them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    scheduler_level = logging.getLogger("apscheduler").level

    def call(*args: str, stdin: str = "", unset: tuple[str, ...] = (), **env: str) -> Result:
        with monkeypatch.context() as patch:
            patch.chdir(tmp_path)
            for key in list(os.environ):
                if key.startswith(DROPPED) or key in {"DATABASE_URL", "TIMEZONE"}:
                    patch.delenv(key)
            for key, value in cli_env(tmp_path, **env).items():
                if key not in unset:
                    patch.setenv(key, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse: --help, an unknown verb
                code = exit_.code if isinstance(exit_.code, int) else 1
            out, err = capsys.readouterr()
            return Result(code, out, err)

    try:
        yield call
    finally:  # `cocreate` installs its own log handler on the root logger: put pytest's back
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
        logging.getLogger("apscheduler").setLevel(scheduler_level)
        logging.captureWarnings(False)
