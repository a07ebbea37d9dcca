"""The README stays true to the code: every command, setting and process variable is there."""

from __future__ import annotations

from pathlib import Path

from config.community import setting_keys
from config.settings import Settings
from tests.command_model import command_model

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_two_setup_commands_at_the_top() -> None:
    head = README.split("## ", 1)[0]
    assert "make run" in head and "make test" in head


def test_every_command_is_documented() -> None:
    missing = [
        f"/{c.topic} {c.verb}"
        for c in command_model()
        if f"/{c.topic} {c.verb}" not in README and f"`/{c.topic} {c.verb}`" not in README
    ]
    assert missing == []


def test_every_community_setting_is_documented() -> None:
    missing = []
    for key in setting_keys():
        if key.startswith("points."):
            rule = key.split(".")[1]
            if f"`{rule}`" not in README:
                missing.append(key)
        elif f"`{key}`" not in README:
            missing.append(key)
    assert missing == []


def test_every_process_setting_is_documented() -> None:
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in README]
    assert missing == []
