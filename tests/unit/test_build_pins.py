"""Every build installs the same versions: uv.lock drives make, .ci/run and the image."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _locked_version(package: str) -> str:
    lock = tomllib.loads(_read("uv.lock"))
    return next(str(p["version"]) for p in lock["package"] if p["name"] == package)


def test_lock_matches_pyproject() -> None:
    # what `make lint` and .ci/run check; --offline: comparing the two needs no index
    result = subprocess.run(
        [str(UV), "lock", "--check", "--offline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_makefile_bootstraps_the_locked_uv_and_installs_the_lock_as_is() -> None:
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", ".venv/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"pip install --quiet 'uv=={_locked_version('uv')}'" in dry_run
    assert re.search(r"uv sync .*--frozen", dry_run)
    assert "uv lock --check" in _read(".ci/run")


def test_dockerfile_installs_the_lock_with_the_locked_uv_on_a_pinned_base() -> None:
    dockerfile = _read("Dockerfile")
    base = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert base
    for image in base:  # an exact patch release, or a digest
        assert re.fullmatch(r"python:\d+\.\d+\.\d+-[a-z-]+", image) or "@sha256:" in image, image
    copied = [line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert any("uv.lock" in sources for sources in copied)
    assert f"uv=={_locked_version('uv')}" in dockerfile
    assert re.search(r"uv sync --frozen --no-editable", dockerfile)
