"""Process-wide logging: JSON lines for machines, plain text for people, secrets never.

Tokens leak through logs more often than anywhere else (an exception message quoting a request,
a debug line printing a settings object), so redaction happens in one filter on the only
handler we install, for every record from every library, before anything is formatted.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[redacted]"

# Discord bot tokens: base64 user id, base64 timestamp, HMAC. Slack: xoxb-/xoxp-/xoxa-/xoxe-/xoxr-
# (bot, user, app, refresh tokens) and xapp- (Socket Mode app-level token).
TOKEN_PATTERN = re.compile(
    r"(?<![\w-])[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}"
    r"|\bxox[abeoprs]-[A-Za-z0-9-]{8,}"
    r"|\bxapp-[A-Za-z0-9-]{8,}"
)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}

_HANDLER_MARK = "_cocreate_handler"

#: the loggers whose DEBUG lines are kept (see OwnDebugFilter)
OWN_LOGGERS = frozenset({"bot", "adapters", "storage", "config", "cocreate", "__main__"})


class RedactingFilter(logging.Filter):
    """Rewrites the record in place so every handler downstream sees only redacted text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        unique = {s for s in secrets if s}
        self._secrets = sorted(unique, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_PATTERN.sub(REDACTED, text)

    def _redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self._redact_value(v) for k, v in value.items()}
        if type(value) in (list, tuple, set, frozenset):
            return type(value)(self._redact_value(v) for v in value)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        # Merge args into the message first: a token can hide in any object's __str__,
        # not only in string arguments.
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            record.msg = self._redact_value(record.msg)
            if record.args:
                record.args = self._redact_value(record.args)
        else:
            record.msg = self.redact(message)
            record.args = None
        for key, value in list(vars(record).items()):
            if key not in _RECORD_ATTRS:
                setattr(record, key, self._redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class OwnDebugFilter(logging.Filter):
    """DEBUG lines from our own code only. Libraries log whole payloads at DEBUG: the database
    driver every statement with its parameters (an anonymous answer's row next to the ledger
    entry naming its member), the platform clients every event and request (the member and the
    answer they clicked). Anonymous answers stay unlinkable in logs at every level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG or record.name.split(".")[0] in OWN_LOGGERS


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so log shippers need no parsing rules."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, tz=UTC)
        payload: dict[str, Any] = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _extras(record).items():
            payload.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines that still show the ``extra=`` fields, which carry the context."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-8s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if not extras:
            return line
        first, sep, rest = line.partition("\n")
        fields = " ".join(f"{k}={v!r}" for k, v in extras.items())
        return f"{first} [{fields}]{sep}{rest}"


def _level_number(level: str) -> int:
    number = logging.getLevelNamesMapping().get(level.strip().upper())
    if number is None:
        raise ValueError(f"unknown log level {level!r}")
    return number


def configure_logging(
    level: str,
    fmt: str = "auto",
    secrets: Iterable[str] = (),
    *,
    stream: TextIO | None = None,
) -> None:
    """Install the one root handler; calling again replaces it, so tests and reloads can't stack.

    ``stream`` defaults to stderr; ``fmt="auto"`` picks text only when that stream is a terminal.
    """
    if fmt not in {"auto", "json", "text"}:
        raise ValueError(f"unknown log format {fmt!r}; use auto, json or text")
    number = _level_number(level)
    target = stream if stream is not None else sys.stderr
    if fmt == "auto":
        isatty = getattr(target, "isatty", None)
        fmt = "text" if callable(isatty) and isatty() else "json"

    handler = logging.StreamHandler(target)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(OwnDebugFilter())
    handler.addFilter(RedactingFilter(secrets))
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(number)
    logging.captureWarnings(True)
    # APScheduler reports every alarm it rings at INFO (twice a minute with the safety sweep);
    # the scheduler logs the steps it actually runs, so only its warnings are worth keeping
    logging.getLogger("apscheduler").setLevel(max(number, logging.WARNING))
