"""The `cocreate` command line. Most verbs run in-process through ``bot.cli.main`` (the same
parser, settings and exit codes, without a Python start-up each); `cocreate run` on piped input
and its SIGTERM stop run as real processes, the way people and the container run them."""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from tests.cli_runner import Cocreate, cli_env

TIMEOUT = 60


def cocreate_process(
    tmp_path: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=cli_env(tmp_path, **env),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


def test_help_lists_every_verb_and_each_verb_has_help(tmp_path: Path, cocreate: Cocreate) -> None:
    result = cocreate("--help")
    assert result.returncode == 0, result.stderr
    for verb in ("run", "demo", "migrate", "export", "healthcheck", "--config"):
        assert verb in result.stdout
    export = cocreate("export", "--help")
    assert export.returncode == 0
    for option in ("--format", "--out", "--community", "csv", "json"):
        assert option in export.stdout
    assert "--database" in cocreate("demo", "--help").stdout
    assert cocreate("frobnicate").returncode == 2


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path, cocreate: Cocreate) -> None:
    result = cocreate("--config", str(tmp_path / "nope.toml"), "migrate")
    assert result.returncode == 2
    assert "config file" in result.stderr and "was not found" in result.stderr


def test_config_file_settings_are_used(tmp_path: Path, cocreate: Cocreate) -> None:
    db = tmp_path / "from-toml.sqlite3"
    config = tmp_path / "cocreate.toml"
    config.write_text(f'database_url = "sqlite:///{db}"\n', encoding="utf-8")
    result = cocreate("--config", str(config), "migrate", unset=("DATABASE_URL",))
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_migrate_applies_once_then_is_up_to_date(tmp_path: Path, cocreate: Cocreate) -> None:
    first = cocreate("migrate")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied migrations: 1, 2")
    second = cocreate("migrate")
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("up to date")


def test_demo_runs_a_whole_cycle_deterministically(tmp_path: Path, cocreate: Cocreate) -> None:
    first = cocreate("demo")
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert "> as alice: /idea submit" in out
    assert "(only alice sees) You can't vote for your own idea here." in out
    assert "already handled, nothing changed" in out
    assert "Thanks! Your answer to prompt #1 is saved" in out
    assert "== Results: Winter flavour ==" in out
    assert "1st    2  Gingerbread cold brew  Bob     3 votes" in out
    assert "== Leaderboard, all time ==" in out
    assert out.index("Results: Winter flavour") < out.index("Leaderboard, all time")
    assert "Traceback" not in first.stderr
    assert cocreate("demo").stdout == out


def test_demo_keeps_its_database_only_where_asked_and_fresh(
    tmp_path: Path, cocreate: Cocreate
) -> None:
    target = tmp_path / "kept.sqlite3"
    assert cocreate("demo", "--database", str(target)).returncode == 0
    assert target.exists()
    again = cocreate("demo", "--database", str(target))
    assert again.returncode == 2
    assert "fresh database" in again.stderr


SESSION = """\
as alice /idea submit title:"Oat latte" description:"=1+1 creamy"
as bob /idea submit title:"Cold brew"
as bob react 👍 1
as alice react 👍 1
replay
as mod /prompt create kind:rating question:"Rate us" anonymous:yes
as mod /prompt create kind:nps question:"Recommend us?"
as carol answer 1 4
as carol answer 2 9
quit
"""


@pytest.mark.slow  # a real process: run by .ci/run's slow pass
def test_run_reads_a_piped_session_and_quits(tmp_path: Path) -> None:
    # a real process with no platform credentials: the console on a pipe
    # (tests/adapters/discord/test_cli_run.py starts `cocreate run` with a Discord token)
    result = cocreate_process(tmp_path, "run", stdin=SESSION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "> as bob: react 👍 1" in result.stdout
    assert "(bob's 👍 on #1 counts)" in result.stdout
    assert "You can't vote for your own idea here." in result.stdout
    assert "Traceback" not in result.stderr


def test_export_writes_csv_and_json_from_a_console_session(
    tmp_path: Path, cocreate: Cocreate
) -> None:
    session = cocreate("run", stdin=SESSION)  # the console reads the session, then `quit`
    assert session.returncode == 0, session.stdout + session.stderr
    assert "(bob's 👍 on #1 counts)" in session.stdout
    csv_dir, json_dir = tmp_path / "csv", tmp_path / "json"
    done = cocreate("export", "--format", "csv", "--out", str(csv_dir))
    assert done.returncode == 0, done.stderr
    assert f"wrote {csv_dir / 'ideas.csv'} (2 rows)" in done.stdout

    def rows(name: str) -> list[dict[str, str]]:
        with (csv_dir / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    ideas = rows("ideas")
    assert [(i["idea_id"], i["title"], i["author_id"]) for i in ideas] == [
        ("1", "Oat latte", "alice"),
        ("2", "Cold brew", "bob"),
    ]
    assert ideas[0]["description"] == "'=1+1 creamy"  # never run as a spreadsheet formula
    assert [(v["idea_id"], v["voter_id"], v["value"]) for v in rows("votes")] == [("1", "bob", "1")]
    responses = {r["prompt_id"]: r for r in rows("responses")}
    assert (responses["1"]["member_id"], responses["1"]["member_name"]) == ("", "")
    assert responses["1"]["created_at"] == ""
    assert (responses["2"]["member_id"], responses["2"]["answer"]) == ("carol", "9")
    balances = {b["member_id"]: int(b["balance"]) for b in rows("balances")}
    assert balances == {"alice": 12, "bob": 11, "carol": 10}
    ledger = rows("ledger")
    for member, balance in balances.items():
        assert sum(int(e["amount"]) for e in ledger if e["member_id"] == member) == balance

    done = cocreate(
        "export",
        "--format",
        "json",
        "--out",
        str(json_dir),
        "--community",
        "console:local",
    )
    assert done.returncode == 0, done.stderr
    tables = {
        n: json.loads((json_dir / f"{n}.json").read_text(encoding="utf-8"))
        for n in ("ideas", "votes", "responses", "ledger", "balances")
    }
    assert [i["title"] for i in tables["ideas"]] == ["Oat latte", "Cold brew"]
    assert tables["ideas"][0]["description"] == "=1+1 creamy"
    assert [r["answer"] for r in tables["responses"]] == [["4"], ["9"]]
    assert tables["responses"][0]["member_id"] == ""
    assert len(tables["ledger"]) == len(ledger)

    other = cocreate(
        "export",
        "--format",
        "json",
        "--out",
        str(tmp_path / "none"),
        "--community",
        "discord:123",
    )
    assert other.returncode == 2
    assert other.stderr == (
        "cocreate: There is no community discord:123 in this database; nothing was exported.\n"
    )
    assert not (tmp_path / "none").exists()


def test_healthcheck_fails_when_nothing_listens(tmp_path: Path, cocreate: Cocreate) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = cocreate("healthcheck", HTTP_PORT=str(port))
    assert result.returncode == 1


def _get(url: str) -> tuple[int, Message]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


@pytest.mark.slow  # a real process: run by .ci/run's slow pass
def test_run_keeps_serving_after_piped_input_ends_until_sigterm(
    tmp_path: Path, cocreate: Cocreate
) -> None:
    with socket.socket() as sock, socket.socket() as ops:
        sock.bind(("127.0.0.1", 0))
        ops.bind(("127.0.0.1", 0))
        port, ops_port = str(sock.getsockname()[1]), str(ops.getsockname()[1])
    log_path = tmp_path / "run.log"
    with log_path.open("w", encoding="utf-8") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=cli_env(tmp_path, HTTP_PORT=port, OPS_PORT=ops_port),
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        try:
            assert proc.stdin is not None
            proc.stdin.write('as alice /idea submit title:"Oat latte"\n')
            proc.stdin.close()
            deadline = time.monotonic() + TIMEOUT
            while "still serving" not in log_path.read_text(encoding="utf-8"):
                assert proc.poll() is None, log_path.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "never said it is still serving"
                time.sleep(0.1)
            assert cocreate("healthcheck", HTTP_PORT=port).returncode == 0
            # metrics on the operations port only; the public one answers 404 with its headers
            assert _get(f"http://127.0.0.1:{ops_port}/metrics")[0] == 200
            status, headers = _get(f"http://127.0.0.1:{port}/metrics")
            assert status == 404 and headers["X-Frame-Options"] == "DENY"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    logs = log_path.read_text(encoding="utf-8")
    assert "Idea #1 “Oat latte” is posted" in logs
    assert "console input closed; still serving" in logs
    assert "Traceback" not in logs
