"""`cocreate run` with a Discord token starts the Discord adapter (here against the fake
Discord), reports it in /healthz, never logs the token, and stops cleanly on SIGTERM; and
`cocreate discord-invite` prints the invite URL."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.discord.invite import permissions
from tests.adapters.discord.fake import FakeDiscord
from tests.cli_runner import Cocreate

# a real process (started, killed or signalled): run by .ci/run's slow pass, not make test
pytestmark = pytest.mark.slow

SECRET = "sekrit-discord-token-42"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    dropped = ("DISCORD_", "SLACK_", "COCREATE_", "HTTP_", "OPS_", "LOG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cocreate.sqlite3'}", LOG_FORMAT="json")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _health(port: int) -> dict[str, object] | None:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            return dict(await response.json()) if response.status == 200 else None
    except aiohttp.ClientError:
        return None


async def test_run_starts_discord_and_stops_on_sigterm(tmp_path: Path) -> None:
    fake = FakeDiscord()
    fake.token = SECRET
    await fake.start()
    port, ops_port = _free_port(), _free_port()
    log_path = tmp_path / "run.log"
    env = _env(
        tmp_path,
        DISCORD_TOKEN=SECRET,
        DISCORD_API_BASE_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_IDS=fake.guild_id,
        HTTP_PORT=str(port),
        OPS_PORT=str(ops_port),
    )
    with log_path.open("w", encoding="utf-8") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
        )  # fmt: skip
        try:
            await asyncio.wait_for(fake.gateway.ready.wait(), 30)
            health: dict[str, object] | None = None
            for _ in range(300):
                health = await _health(ops_port)  # which checks pass: the operations side
                if health and health.get("checks", {}).get("discord"):  # type: ignore[union-attr]
                    break
                await asyncio.sleep(0.05)
            assert health and health["checks"] == {
                "storage": True,
                "discord": True,
                "scheduler": True,
            }
            mod = fake.member("Mod", admin=True)
            answer = await (await fake.slash(mod, "cocreate help")).answered()
            assert "Cocreate" in answer.text
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 20) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await fake.stop()
    logs = log_path.read_text(encoding="utf-8")
    assert SECRET not in logs
    assert "Traceback" not in logs
    assert '"adapter": "discord"' in logs


def test_discord_invite_prints_the_url(cocreate: Cocreate) -> None:
    bot_id = "987654321012345678"
    token = base64.b64encode(bot_id.encode()).decode().rstrip("=") + ".x.y"
    run = cocreate("discord-invite", DISCORD_TOKEN=token)  # in-process: no start-up to pay
    assert run.returncode == 0, run.stderr
    url = run.stdout.splitlines()[0]
    assert f"client_id={bot_id}" in url
    assert f"permissions={permissions().value}" in url
    assert "scope=bot+applications.commands" in url
    assert "manage messages" in run.stdout
    missing = cocreate("discord-invite")
    assert missing.returncode == 2 and "--client-id" in missing.stderr
