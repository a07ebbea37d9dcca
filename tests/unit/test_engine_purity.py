"""The engine imports no platform library and no storage driver."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "aiosqlite", "sqlite3", "adapters", "storage")


def test_core_modules_load_without_platform_or_storage_code() -> None:
    code = (
        "import sys, pkgutil, importlib, bot\n"
        "skip = {'bot.cli', 'bot.__main__'}\n"
        "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        "    if m.name not in skip: importlib.import_module(m.name)\n"
        f"bad = [n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_no_core_source_mentions_a_platform_import() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name in {"cli.py", "__main__.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        for name in ("import discord", "from discord", "slack_bolt", "import aiosqlite"):
            assert name not in text, f"{path} mentions {name}"
