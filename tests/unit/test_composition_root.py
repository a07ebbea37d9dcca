"""One composition root: only the entry points import ``bot.app``, and nothing in the core is
handed a container of services (each object's constructor lists what it uses)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
ROOT_MODULE = "bot.app"
#: the entry points: the command line, and the console (its demo and REPL sessions build an app)
ENTRY_POINTS = ("bot/app.py", "bot/cli.py", "bot/__main__.py", "adapters/console/")


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for package in ("bot", "storage", "config", "adapters"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            yield name, ast.parse(path.read_text(encoding="utf-8"), name)


def _imports(tree: ast.Module) -> Iterator[str]:
    """Every module a file imports, anywhere in it (``if TYPE_CHECKING:`` blocks included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_only_entry_points_import_the_composition_root() -> None:
    offenders = [
        name
        for name, tree in _sources()
        if not name.startswith(ENTRY_POINTS)
        and any(m == ROOT_MODULE or m.startswith(f"{ROOT_MODULE}.") for m in _imports(tree))
    ]
    assert offenders == []


def test_no_core_code_takes_or_reaches_a_services_container() -> None:
    found = []
    for name, tree in _sources():
        if not name.startswith("bot/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.arg) and node.arg == "services":
                found.append(f"{name}:{node.lineno} parameter")
            elif isinstance(node, ast.Attribute) and node.attr == "services":
                found.append(f"{name}:{node.lineno} .services")
            elif isinstance(node, ast.ClassDef) and node.name == "Services":
                found.append(f"{name}:{node.lineno} class Services")
    assert found == []
