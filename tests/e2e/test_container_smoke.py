"""What the container does, without Docker: install the package non-editable into a fresh venv
from uv.lock as the Dockerfile does (``uv sync --frozen --no-editable``), start ``cocreate run``
with no platform tokens and no terminal, wait for ``cocreate healthcheck`` to pass, then stop it
with SIGTERM as ``docker stop`` would.

The source is copied the way the Dockerfile copies it, so a file the image needs but the
Dockerfile leaves out fails here too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _copied() -> list[str]:
    """The sources of the Dockerfile's COPY lines, read from it so the two cannot drift."""
    names: list[str] = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            names.extend(part.rstrip("/") for part in line.split()[1:-1])
    return names


COPIED = _copied()
UV = Path(sys.executable).parent / "uv"
INSTALL_TIMEOUT = 900
READY_TIMEOUT = 60
STOP_TIMEOUT = 10

pytestmark = [
    pytest.mark.slow,
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_env(workdir: Path, port: int, ops_port: int) -> dict[str, str]:
    """The container's environment: no tokens, no config file, no path back into the repo."""
    dropped = ("DISCORD_", "SLACK_", "COCREATE_", "HTTP_", "OPS_", "LOG_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(dropped)
        and k not in {"DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "TIMEZONE"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'data' / 'cocreate.sqlite3'}",
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        OPS_PORT=str(ops_port),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("container")
    src = base / "src"
    src.mkdir()
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    venv_dir = base / "venv"
    # the uv the lock pins (the dev venv's own; tests/unit/test_build_pins.py keeps the
    # Dockerfile's equal to it), creating the venv itself, as in the image
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(
        UV_PROJECT_ENVIRONMENT=str(venv_dir), UV_PYTHON_DOWNLOADS="never", UV_LINK_MODE="copy"
    )
    install = subprocess.run(
        [str(UV), "sync", "--quiet", "--frozen", "--no-editable", "--python", sys.executable],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return venv_dir


def test_install_is_not_editable_and_ships_migrations(venv: Path, tmp_path: Path) -> None:
    code = (
        "import bot, storage, pathlib; "
        "print(bot.__file__); "
        "print(len(list((pathlib.Path(storage.__file__).parent / 'migrations').glob('*.sql'))))"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        env=_clean_env(tmp_path, 0, 0),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert Path(out[0]).is_relative_to(venv), out[0]
    assert int(out[1]) > 0


def _healthcheck(venv: Path, workdir: Path, env: dict[str, str]) -> int:
    result = subprocess.run(
        [str(venv / "bin" / "cocreate"), "healthcheck"],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.returncode


def test_run_serves_healthz_and_stops_cleanly_on_sigterm(venv: Path, tmp_path: Path) -> None:
    port, ops_port = _free_port(), _free_port()
    env = _clean_env(tmp_path, port, ops_port)
    (tmp_path / "data").mkdir()
    assert _healthcheck(venv, tmp_path, env) != 0, "healthcheck passed with nothing listening"

    log_path = tmp_path / "cocreate.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [str(venv / "bin" / "cocreate"), "run"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            healthy = False
            while time.monotonic() < deadline and proc.poll() is None:
                if _healthcheck(venv, tmp_path, env) == 0:
                    healthy = True
                    break
                time.sleep(0.5)
            logs = log_path.read_text(errors="replace")
            assert proc.poll() is None, f"cocreate run exited with {proc.returncode}:\n{logs}"
            assert healthy, f"not healthy within {READY_TIMEOUT}s:\n{logs}"

            url = f"http://127.0.0.1:{ops_port}/metrics"  # the operations side only
            with urllib.request.urlopen(url, timeout=10) as resp:
                assert resp.status == 200
                assert "# TYPE cocreate_events_handled_total counter" in resp.read().decode()
            with pytest.raises(urllib.error.HTTPError) as public:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10)
            assert public.value.code == 404

            proc.send_signal(signal.SIGTERM)
            returncode = proc.wait(timeout=STOP_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    logs = log_path.read_text(errors="replace")
    assert returncode == 0, f"exit code {returncode} after SIGTERM:\n{logs}"
    assert "Traceback" not in logs, logs
    assert (tmp_path / "data" / "cocreate.sqlite3").exists()
