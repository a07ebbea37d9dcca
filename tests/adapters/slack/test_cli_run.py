"""`cocreate run` with Slack credentials: a real process serving /slack/events and /healthz,
talking to the fake Slack Web API."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from config.settings import Settings
from tests.adapters.slack.conftest import SECRET, sign, until
from tests.adapters.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

ROOT = Path(__file__).parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def wait_healthy(url: str, proc: asyncio.subprocess.Process) -> dict[str, object]:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert proc.returncode is None, "cocreate run exited early"
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return dict(await response.json())
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("never became healthy")


@pytest.mark.slow  # a real process: run by .ci/run's slow pass
async def test_cocreate_run_serves_slack_events_and_healthz(
    tmp_path: Path, fake: FakeSlack
) -> None:
    fake.add_user("UANA", "Ana")
    port, ops_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "HTTP_", "OPS_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        OPS_PORT=str(ops_port),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE_URL=fake.api_url,
        LOG_FORMAT="json",
        PYTHONPATH=str(ROOT),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        health = await wait_healthy(f"http://127.0.0.1:{ops_port}", proc)
        assert health["checks"] == {"storage": True, "slack": True, "scheduler": True}
        body = urlencode(
            {
                "team_id": TEAM,
                "channel_id": "C1",
                "user_id": "UANA",
                "command": "/idea",
                "text": 'submit "From the process"',
                "trigger_id": "trigger-run-1",
                "response_url": fake.response_url("UANA"),
            }
        )
        stamp = int(time.time())
        headers = {
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(url + "/slack/events", data=body, headers=headers) as r:
                assert r.status == 200
            async with session.post(url + "/slack/events", data=body, headers={}) as r:
                assert r.status == 401
        await until(lambda: bool(fake.called("chat.postMessage")), 10)
        posted = fake.called("chat.postMessage")
        assert posted and posted[0].args["channel"] == "C1"
        assert "From the process" in posted[0].args["text"]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert BOT_TOKEN not in err.decode() + out.decode(), "the token is never logged"


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, True),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, True),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}, True),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, False),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, False),
        ({"SLACK_SIGNING_SECRET": "s"}, False),
    ],
)
def test_slack_starts_with_a_way_to_act_and_a_way_to_hear(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], enabled: bool
) -> None:
    for name in list(os.environ):
        if name.startswith("SLACK_") or name == "COCREATE_CONFIG":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings().slack_enabled is enabled
