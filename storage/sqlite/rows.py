"""Conversions between Python values and SQLite columns."""

from __future__ import annotations

from datetime import UTC, datetime


def ts(when: datetime) -> str:
    """UTC ISO-8601 with microseconds: sorts correctly as text."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)  # Python 3.11 reads the "Z"; far faster than strptime


def req_ts(text: str) -> datetime:
    parsed = parse_ts(text)
    assert parsed is not None
    return parsed
