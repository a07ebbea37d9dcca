"""Every way `cocreate` can fail to start or finish is one line on stderr and a non-zero exit.

In-process: ``main(argv)`` with the environment set by monkeypatch and stderr captured. The fake
platforms, which need an event loop of their own while ``main`` runs ``asyncio.run``, live on a
background thread's loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.cli import main
from config.settings import DEFAULT_DATABASE_URL
from tests.adapters.discord.fake import FakeDiscord
from tests.adapters.slack.fake_slack import FakeSlack

T = TypeVar("T")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A process environment with nothing configured but a database in ``tmp_path``."""
    for name in list(os.environ):
        dropped = ("DISCORD_", "SLACK_", "COCREATE_", "HTTP_", "OPS_", "LOG_")
        if name.startswith(dropped) or name in {
            "DATABASE_URL",
            "TIMEZONE",
        }:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cocreate.sqlite3'}")
    monkeypatch.setenv("HTTP_PORT", "0")
    monkeypatch.setenv("OPS_PORT", "0")
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path
    # main() installs its log handler on the captured stderr: put the test run's back
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


def failure(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI; it must fail with exactly one line on stderr and no traceback."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code != 0, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cocreate: ")
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BackgroundLoop:
    """An event loop on a thread, for fakes that must answer while ``main`` blocks this one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


# -- settings --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LOG_FORMAT", "fancy", 'LOG_FORMAT must be auto, json or text (it is "fancy").'),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("HTTP_PORT", "eighty", 'HTTP_PORT must be a whole number (it is "eighty").'),
        ("HTTP_PORT", "70000", 'HTTP_PORT must be at most 65535 (it is "70000").'),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE must be a time zone name"),
        ("DATABASE_URL", "mysql://u:pw@db/x", "DATABASE_URL must be a sqlite:/// URL"),
        ("DISCORD_SHARD_IDS", "one,two", "DISCORD_SHARD_IDS must be a whole number"),
    ],
)
def test_an_invalid_setting_is_one_sentence_naming_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    value: str,
    says: str,
) -> None:
    monkeypatch.setenv(name, value)
    line = failure(capsys, "run")
    assert says in line
    assert "pydantic" not in line and "validation error" not in line.lower()
    assert "pw" not in line  # a URL can carry a password: never echoed
    assert not (tmp_path / "cocreate.sqlite3").exists()


def test_a_config_file_that_is_not_toml_or_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("http_port = [\n", encoding="utf-8")
    assert "is not valid TOML" in failure(capsys, "--config", str(bad), "migrate")
    line = failure(capsys, "--config", str(tmp_path / "nope.toml"), "migrate")
    assert "config file" in line and "was not found" in line
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('timezone = "Nowhere/Land"\n', encoding="utf-8")
    assert "TIMEZONE must be" in failure(capsys, "--config", str(wrong), "migrate")


def test_a_command_line_mistake_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "invalid choice" in err


# -- the database ----------------------------------------------------------------------------
def test_a_database_directory_that_does_not_exist_is_not_created(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "typo" / "deeper"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing / 'cocreate.sqlite3'}")
    for verb in ("run", "migrate"):
        line = failure(capsys, verb)
        assert f"The directory {missing} for the database (DATABASE_URL) does not exist" in line
    assert "--database" in failure(capsys, "demo", "--database", str(missing / "d.sqlite3"))
    assert not (tmp_path / "typo").exists()


def test_the_default_database_directory_is_created_for_a_fresh_clone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", DEFAULT_DATABASE_URL)  # what `make run` uses
    assert main(["migrate"]) == 0, capsys.readouterr().err
    assert (tmp_path / "data" / "cocreate.sqlite3").is_file()


def test_a_file_that_is_not_a_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "cocreate.sqlite3").write_bytes(b"these are my notes, not a database\n" * 100)
    for verb in ("run", "migrate"):
        line = failure(capsys, verb)
        assert "cannot be opened: file is not a database (check DATABASE_URL)" in line


# -- the HTTP port ---------------------------------------------------------------------------
def test_a_port_in_use(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "WARNING")  # INFO would add the start-up progress lines
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("HTTP_PORT", str(port))
        line = failure(capsys, "run")
    assert f"port {port} on 127.0.0.1 is already in use (set HTTP_PORT" in line


def test_debug_shows_the_traceback_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "cocreate.sqlite3").write_bytes(b"not a database\n" * 100)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.splitlines()[-1].startswith("cocreate: The database file")


# -- platforms -------------------------------------------------------------------------------
def test_an_unreachable_platform_api(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    port = closed_port()
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.abc.def")
    monkeypatch.setenv("DISCORD_API_BASE_URL", f"http://127.0.0.1:{port}/api/v10")
    line = failure(capsys, "run")
    assert f"Discord cannot be reached at http://127.0.0.1:{port}/api/v10" in line
    assert "DISCORD_API_BASE_URL" in line
    monkeypatch.delenv("DISCORD_TOKEN")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")  # bolt warns that it ignores the token variable
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-abcdefgh")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret")
    monkeypatch.setenv("SLACK_API_BASE_URL", f"http://127.0.0.1:{port}/api/")
    line = failure(capsys, "run")
    assert f"Slack cannot be reached at http://127.0.0.1:{port}/api/" in line


def test_a_bad_discord_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    background = BackgroundLoop()
    fake = FakeDiscord()
    try:
        background.run(fake.start())
        monkeypatch.setenv("DISCORD_TOKEN", "MTIz.not.it")
        monkeypatch.setenv("DISCORD_API_BASE_URL", fake.api_url)
        monkeypatch.setenv("DISCORD_GATEWAY_URL", fake.gateway_url)
        line = failure(capsys, "run")
    finally:
        background.run(fake.stop())
        background.close()
    assert "Discord refused DISCORD_TOKEN" in line
    assert "MTIz.not.it" not in line


def test_a_slack_auth_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "ERROR")  # bolt warns that it ignores the token variable
    background = BackgroundLoop()
    fake = FakeSlack()
    try:
        background.run(fake.start())
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-a-real-one")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret")
        monkeypatch.setenv("SLACK_API_BASE_URL", fake.api_url)
        line = failure(capsys, "run")
    finally:
        background.run(fake.stop())
        background.close()
    assert "Slack refused the credentials (invalid_auth); check SLACK_BOT_TOKEN" in line


# -- export ----------------------------------------------------------------------------------
def test_export_to_an_unwritable_place(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello", encoding="utf-8")
    assert "is a file, not a directory" in failure(capsys, "export", "--out", str(a_file))
    line = failure(capsys, "export", "--out", str(a_file / "inside"))
    assert f"{a_file} is a file" in line
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("cocreate")) == [
        "notes.txt"
    ]


def test_export_of_an_unknown_community_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    line = failure(capsys, "export", "--out", str(out), "--community", "discord:123")
    assert line == (
        "cocreate: There is no community discord:123 in this database; nothing was exported."
    )
    assert not out.exists()
