"""The layers, as the import contracts in pyproject.toml state them, hold; and the checker
(import-linter's ``lint-imports``, which `make lint` and CI run) does catch a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("bot", "adapters", "storage", "config")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


#: one forbidden import per contract: (module, line added, what the report must name)
VIOLATIONS = (
    ("adapters/slack/home.py", "import storage.sqlite.store", "adapters.slack.home -> storage"),
    ("bot/engine.py", "import discord", "bot.engine -> discord"),
    ("storage/sqlite/ideas.py", "import adapters.memory.platform", "storage.sqlite.ideas ->"),
    ("config/community.py", "import storage.sqlite.db", "config.community -> storage"),
)


def test_the_checker_fails_on_a_deliberate_violation(tmp_path: Path) -> None:
    """A copy of the tree with a forbidden import added under each layer: every contract
    breaks, and the report names each offending import (one run, to stay fast)."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for module, line, _ in VIOLATIONS:
        target = tmp_path / module
        target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 4 broken" in result.stdout, result.stdout
    for _, _, broken in VIOLATIONS:
        assert broken in result.stdout
