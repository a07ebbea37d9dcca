"""Recurring schedules and wall-clock arithmetic in a community timezone (pure, no engine)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.recurrence import Recurrence, add_local, parse_recurrence, resolve

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "days", "at", "canonical"),
    [
        ("monday 09:00", {MON}, time(9, 0), "mon 09:00"),
        ("every mon,thu 18:30", {MON, THU}, time(18, 30), "mon,thu 18:30"),
        ("weekdays 09:00", {MON, TUE, WED, THU, FRI}, time(9, 0), "weekdays 09:00"),
        ("daily 12:00", set(range(7)), time(12, 0), "daily 12:00"),
        ("weekends 10:00", {SAT, SUN}, time(10, 0), "weekends 10:00"),
        ("Mondays at 9:05", {MON}, time(9, 5), "mon 09:05"),
        ("Every Thu, Mon 18:30", {MON, THU}, time(18, 30), "mon,thu 18:30"),
        ("tuesday and friday 07:15", {TUE, FRI}, time(7, 15), "tue,fri 07:15"),
    ],
)
def test_parse_accepts_readable_schedules_and_round_trips(
    text: str, days: set[int], at: time, canonical: str
) -> None:
    recurrence = parse_recurrence(text)
    assert recurrence.days == frozenset(days)
    assert recurrence.at == at
    assert recurrence.text == canonical
    # the stored form reads back to the very same schedule
    assert parse_recurrence(recurrence.text) == recurrence
    assert parse_recurrence(recurrence.text).text == canonical


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("monday", "needs a time of day"),
        ("funday 09:00", "“funday”"),
        ("monday 25:00", "“25:00” is not a time of day"),
        ("monday 09:60", "is not a time of day"),
        ("09:00", "needs at least one day"),
        ("", "needs a time of day"),
    ],
)
def test_parse_refuses_with_a_helpful_message(text: str, needle: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_recurrence(text)
    message = caught.value.message
    assert needle in message
    assert "monday 09:00" in message  # every refusal shows what would have worked


def test_describe_reads_as_a_sentence() -> None:
    assert parse_recurrence("monday 09:00").describe() == "every Monday at 09:00"
    assert parse_recurrence("mon,thu 18:30").describe() == "every Monday and Thursday at 18:30"
    assert parse_recurrence("weekdays 09:00").describe() == "every weekday at 09:00"
    assert parse_recurrence("daily 12:00").describe() == "every day at 12:00"


# -- next_after ------------------------------------------------------------------------------
def test_next_after_is_strictly_after() -> None:
    monday = parse_recurrence("monday 09:00")
    # 2026-01-05 is a Monday; in UTC the occurrence is at 09:00
    at_occurrence = utc(2026, 1, 5, 9, 0)
    assert monday.next_after(at_occurrence - timedelta(seconds=1), "UTC") == at_occurrence
    assert monday.next_after(at_occurrence, "UTC") == utc(2026, 1, 12, 9, 0)
    assert monday.next_after(at_occurrence + timedelta(seconds=1), "UTC") == utc(2026, 1, 12, 9)


def test_next_after_picks_the_nearest_listed_day() -> None:
    twice = parse_recurrence("mon,thu 18:30")
    assert twice.next_after(utc(2026, 1, 5, 18, 30), "UTC") == utc(2026, 1, 8, 18, 30)
    assert twice.next_after(utc(2026, 1, 8, 18, 30), "UTC") == utc(2026, 1, 12, 18, 30)
    weekdays = parse_recurrence("weekdays 09:00")
    # Friday after nine: the next one is Monday, not Saturday
    assert weekdays.next_after(utc(2026, 1, 9, 10, 0), "UTC") == utc(2026, 1, 12, 9, 0)


def test_next_after_is_on_the_community_wall_clock() -> None:
    monday = parse_recurrence("monday 09:00")
    # winter: Paris is UTC+1, New York UTC-5
    assert monday.next_after(utc(2026, 1, 1), PARIS) == utc(2026, 1, 5, 8, 0)
    assert monday.next_after(utc(2026, 1, 1), NEW_YORK) == utc(2026, 1, 5, 14, 0)
    # Sunday 23:30 in New York is already Monday in UTC, but the local Monday is still ahead
    assert monday.next_after(utc(2026, 1, 5, 4, 30), NEW_YORK) == utc(2026, 1, 5, 14, 0)
    # Monday 08:30 UTC is 09:30 in Paris: this week's has passed there
    assert monday.next_after(utc(2026, 1, 5, 8, 30), PARIS) == utc(2026, 1, 12, 8, 0)


def test_next_after_keeps_the_local_time_across_dst_in_paris() -> None:
    monday = parse_recurrence("monday 09:00")
    before = monday.next_after(utc(2026, 3, 20), PARIS)
    assert before == utc(2026, 3, 23, 8, 0)  # CET, UTC+1
    after = monday.next_after(before, PARIS)
    assert after == utc(2026, 3, 30, 7, 0)  # CEST, UTC+2: still 09:00 on the wall
    assert after - before == timedelta(days=7) - timedelta(hours=1)
    # and back in autumn (clocks go back on Sunday 2026-10-25)
    assert monday.next_after(utc(2026, 10, 20), PARIS) == utc(2026, 10, 26, 8, 0)


def test_next_after_across_dst_in_new_york() -> None:
    # New York springs forward on Sunday 2026-03-08
    monday = parse_recurrence("monday 09:00")
    assert monday.next_after(utc(2026, 3, 1), NEW_YORK) == utc(2026, 3, 2, 14, 0)
    assert monday.next_after(utc(2026, 3, 3), NEW_YORK) == utc(2026, 3, 9, 13, 0)


def test_a_time_skipped_in_spring_moves_forward_by_the_gap() -> None:
    sunday = parse_recurrence("sunday 02:30")
    got = sunday.next_after(utc(2026, 3, 28), PARIS)
    # 02:30 does not exist on 2026-03-29 in Paris: it reads 03:30 CEST, 01:30 UTC
    assert got == utc(2026, 3, 29, 1, 30)
    assert got.astimezone(ZoneInfo(PARIS)).strftime("%H:%M") == "03:30"
    # strictly after that occurrence comes the next Sunday, at 02:30 CEST
    assert sunday.next_after(got, PARIS) == utc(2026, 4, 5, 0, 30)


def test_a_time_repeated_in_autumn_is_the_first_of_the_two() -> None:
    sunday = parse_recurrence("sunday 02:30")
    first = sunday.next_after(utc(2026, 10, 24), PARIS)
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not 02:30 CET (01:30 UTC)
    # the second 02:30 is not another occurrence
    assert sunday.next_after(first, PARIS) == utc(2026, 11, 1, 1, 30)


def test_resolve_gaps_forward_and_folds_first() -> None:
    assert resolve(datetime(2026, 3, 29, 2, 30), PARIS) == utc(2026, 3, 29, 1, 30)
    assert resolve(datetime(2026, 10, 25, 2, 30), PARIS) == utc(2026, 10, 25, 0, 30)
    assert resolve(datetime(2026, 1, 5, 9, 0), PARIS) == utc(2026, 1, 5, 8, 0)


# -- add_local -------------------------------------------------------------------------------
def test_add_local_counts_whole_days_on_the_wall_clock() -> None:
    start = utc(2026, 3, 23, 8, 0)  # Monday 09:00 in Paris (CET)
    end = add_local(start, timedelta(days=7), PARIS)
    assert end == utc(2026, 3, 30, 7, 0)  # Monday 09:00 in Paris (CEST)
    assert end - start == timedelta(hours=167)
    # in UTC there is no change, so seven days are 168 hours
    assert add_local(start, timedelta(days=7), "UTC") - start == timedelta(hours=168)


def test_add_local_the_part_below_a_day_is_elapsed_time() -> None:
    start = utc(2026, 3, 23, 8, 0)
    assert add_local(start, timedelta(days=7, hours=2), PARIS) == utc(2026, 3, 30, 9, 0)
    # hours across the change are elapsed hours: Saturday 23:00 CET + 5h is 05:00 CEST
    saturday = utc(2026, 3, 28, 22, 0)
    assert add_local(saturday, timedelta(hours=5), PARIS) == utc(2026, 3, 29, 3, 0)
    assert add_local(saturday, timedelta(hours=5), PARIS) - saturday == timedelta(hours=5)


def test_add_local_in_autumn_makes_a_longer_week() -> None:
    start = utc(2026, 10, 19, 7, 0)  # Monday 09:00 CEST
    end = add_local(start, timedelta(days=7), PARIS)
    assert end == utc(2026, 10, 26, 8, 0)  # Monday 09:00 CET
    assert end - start == timedelta(hours=169)


# -- shortest_gap ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "gap"),
    [
        ("mon,thu 18:30", timedelta(days=3)),
        ("daily 12:00", timedelta(days=1)),
        ("monday 09:00", timedelta(days=7)),
        ("weekdays 09:00", timedelta(days=1)),
        ("weekends 10:00", timedelta(days=1)),
        ("tue,fri 07:15", timedelta(days=3)),
    ],
)
def test_shortest_gap(text: str, gap: timedelta) -> None:
    assert parse_recurrence(text).shortest_gap() == gap


def test_recurrence_is_a_value() -> None:
    assert Recurrence(frozenset({MON}), time(9)) == parse_recurrence("monday 09:00")
    assert hash(Recurrence(frozenset({MON}), time(9))) == hash(parse_recurrence("mon 9:00"))
