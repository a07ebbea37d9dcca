from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.timeparse import MAX_AHEAD, describe, parse_duration, parse_when

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        (" 45 minutes ", timedelta(minutes=45)),
        ("2 Days", timedelta(days=2)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing"),
        ("soon", "could not read"),
        ("30", "could not read"),
        ("1.5h", "could not read"),
        ("-5m", "could not read"),
        ("5 fortnights", "Unknown time unit"),
        ("0m", "longer than zero"),
        ("400d", "too far ahead"),
    ],
)
def test_bad_durations_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_duration(text)


def test_duration_limit_can_be_lifted() -> None:
    assert parse_duration("400d", limit=None) == timedelta(days=400)


def test_when_from_a_duration_is_after_now() -> None:
    assert parse_when("2h", NOW, "UTC") == NOW + timedelta(hours=2)


def test_naive_datetime_is_read_in_the_community_timezone() -> None:
    # 18:00 in Paris in January is 17:00 UTC
    when = parse_when("2026-01-10 18:00", NOW, "Europe/Paris")
    assert when == datetime(2026, 1, 10, 17, 0, tzinfo=UTC)
    assert when.tzinfo is UTC
    assert parse_when("2026-01-10T18:00", NOW, "Europe/Paris") == when


def test_daylight_saving_is_applied_to_the_date_given() -> None:
    # Summer time in Paris: UTC+2
    when = parse_when("2026-06-01 18:00", NOW, "Europe/Paris")
    assert when == datetime(2026, 6, 1, 16, 0, tzinfo=UTC)


def test_explicit_offset_wins_over_the_community_timezone() -> None:
    when = parse_when("2026-01-10T18:00+00:00", NOW, "Asia/Tokyo")
    assert when == datetime(2026, 1, 10, 18, 0, tzinfo=UTC)
    assert parse_when("2026-01-10T18:00Z", NOW, "Asia/Tokyo") == when


def test_bare_date_is_midnight_local() -> None:
    when = parse_when("2026-01-10", NOW, "America/New_York")
    assert when == datetime(2026, 1, 10, 5, 0, tzinfo=UTC)


def test_a_skipped_wall_clock_time_is_refused() -> None:
    # Paris jumps from 02:00 to 03:00 on 29 March 2026
    with pytest.raises(UserError, match="does not exist"):
        parse_when("2026-03-29 02:30", NOW, "Europe/Paris")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-01-05 08:00", "already passed"),
        ("2026-13-01", "could not read"),
        ("2026-01-10 25:00", "could not read"),
        ("18:00", "could not read"),
        ("2028-01-01", "too far ahead"),
        ("next tuesday", "could not read"),
    ],
)
def test_bad_times_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_when(text, NOW, "UTC")


def test_past_times_allowed_when_asked() -> None:
    assert parse_when("2026-01-01", NOW, "UTC", future=False) == datetime(2026, 1, 1, tzinfo=UTC)


def test_limit_is_inclusive() -> None:
    assert parse_when(f"{MAX_AHEAD.days}d", NOW, "UTC") == NOW + MAX_AHEAD


def test_describe_shows_the_community_wall_clock() -> None:
    assert describe(datetime(2026, 1, 10, 17, 0, tzinfo=UTC), "Europe/Paris") == (
        "2026-01-10 18:00 Europe/Paris"
    )
