from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import REDACTED, configure_logging

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
SLACK_USER = "xoxp-1111111111-2222222222-3333333333-abcdefabcdef"


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_record_has_fields_and_extras() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    logging.getLogger("cocreate.test").info("vote %s", "cast", extra={"idea_id": "42"})

    (record,) = _lines(stream)
    assert record["msg"] == "vote cast"
    assert record["level"] == "INFO"
    assert record["logger"] == "cocreate.test"
    assert record["idea_id"] == "42"
    assert record["ts"].endswith("Z")
    assert "T" in record["ts"]


def test_level_filters_lower_records() -> None:
    stream = io.StringIO()
    configure_logging("WARNING", "json", stream=stream)
    logging.getLogger("x").info("hidden")
    logging.getLogger("x").warning("shown")
    assert [r["msg"] for r in _lines(stream)] == ["shown"]


def test_unknown_level_and_format_are_rejected() -> None:
    with pytest.raises(ValueError, match="level"):
        configure_logging("LOUD")
    with pytest.raises(ValueError, match="format"):
        configure_logging("INFO", "xml")


def test_exception_is_included_in_json() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", stream=stream)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("x").exception("handler failed")
    (record,) = _lines(stream)
    assert "RuntimeError: boom" in record["exc"]
    assert "Traceback" in record["exc"]


def test_auto_picks_text_on_a_terminal_and_json_otherwise() -> None:
    tty = _TTY()
    configure_logging("INFO", "auto", stream=tty)
    logging.getLogger("x").info("hello", extra={"community": "c1"})
    line = tty.getvalue().strip()
    assert not line.startswith("{")
    assert "INFO" in line
    assert "x: hello" in line
    assert "community='c1'" in line

    pipe = io.StringIO()
    configure_logging("INFO", "auto", stream=pipe)
    logging.getLogger("x").info("hello")
    assert json.loads(pipe.getvalue())["msg"] == "hello"


def test_forced_format_ignores_the_terminal() -> None:
    tty = _TTY()
    configure_logging("INFO", "json", stream=tty)
    logging.getLogger("x").info("hello")
    assert json.loads(tty.getvalue())["msg"] == "hello"


def test_second_call_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    before = len(root.handlers)
    configure_logging("INFO", "json", stream=first)
    configure_logging("INFO", "json", stream=second)
    assert len(root.handlers) == before + 1
    logging.getLogger("x").info("once")
    assert first.getvalue() == ""
    assert len(_lines(second)) == 1


def test_given_secret_is_redacted_from_message_args_and_extras() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", secrets=["s3cret-signing", ""], stream=stream)
    log = logging.getLogger("x")
    log.info("signing with s3cret-signing")
    log.info("secret arg %s and %r", "s3cret-signing", {"k": "s3cret-signing"})
    log.info("extra", extra={"header": "v0=s3cret-signing", "nested": {"a": ["s3cret-signing"]}})

    raw = stream.getvalue()
    assert "s3cret-signing" not in raw
    first, second, third = _lines(stream)
    assert first["msg"] == f"signing with {REDACTED}"
    assert second["msg"] == f"secret arg {REDACTED} and {{'k': '{REDACTED}'}}"
    assert third["header"] == f"v0={REDACTED}"
    assert third["nested"] == {"a": [REDACTED]}


@pytest.mark.parametrize("token", [DISCORD_TOKEN, SLACK_BOT, SLACK_APP, SLACK_USER])
def test_token_shapes_are_redacted_without_being_configured(token: str) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", stream=stream)
    logging.getLogger("x").warning("Authorization: Bearer %s", token, extra={"t": token})
    assert token not in stream.getvalue()
    (record,) = _lines(stream)
    assert record["msg"] == f"Authorization: Bearer {REDACTED}"
    assert record["t"] == REDACTED


def test_ordinary_text_is_left_alone() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", secrets=["hunter2"], stream=stream)
    msg = "idea 1234567890 moved to planned by U024BE7LH in C0123456789 (v1.2.3)"
    logging.getLogger("x").info(msg)
    assert _lines(stream)[0]["msg"] == msg


def test_secret_inside_exception_is_redacted() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", secrets=["hunter2"], stream=stream)
    try:
        raise PermissionError(f"bad token hunter2 and {SLACK_BOT}")
    except PermissionError:
        logging.getLogger("x").exception("login failed")
    out = stream.getvalue()
    assert "PermissionError: bad token" in out
    assert "hunter2" not in out
    assert SLACK_BOT not in out
