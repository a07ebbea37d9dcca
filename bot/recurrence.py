"""Recurring schedules ("every Monday 09:00") and wall-clock arithmetic in a community timezone.

A schedule names days and a wall-clock time in the community's timezone, so "Monday 09:00" is
09:00 in Paris before and after the clocks change. Times that do not exist (the hour skipped in
spring) move forward by the gap, the way a wall clock reads after the change; times that happen
twice (the hour repeated in autumn) mean the first of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.wording import quoted

_DAY_NAMES = (
    ("monday", "mon"),
    ("tuesday", "tue", "tues"),
    ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"),
    ("friday", "fri"),
    ("saturday", "sat"),
    ("sunday", "sun"),
)
_DAYS = {name: index for index, names in enumerate(_DAY_NAMES) for name in names}
_GROUPS = {
    "day": frozenset(range(7)),
    "daily": frozenset(range(7)),
    "weekday": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
HINT = "Use a schedule like `monday 09:00`, `mon,thu 18:30`, `weekdays 09:00` or `daily 12:00`."


def resolve(naive: datetime, timezone: str) -> datetime:
    """A wall-clock time in ``timezone`` as an aware UTC datetime (gaps forward, folds first)."""
    return naive.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC)


def add_local(start: datetime, delta: timedelta, timezone: str) -> datetime:
    """``start`` + ``delta`` where whole days are calendar days on the community's wall clock.

    A seven-day window opening Monday 09:00 closes the next Monday 09:00 local time even if the
    clocks changed in between; the part below a day is elapsed time, so a 30-minute window is
    30 minutes long even across the night the clocks go back (its wall clock may read earlier).
    """
    days = timedelta(days=delta.days)
    if not days:
        return start.astimezone(UTC) + delta
    local = start.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, fold=0)
    return resolve(local + days, timezone) + (delta - days)


@dataclass(frozen=True, slots=True)
class Recurrence:
    days: frozenset[int]  # 0 = Monday
    at: time

    @property
    def text(self) -> str:
        """The canonical form stored in the database and parsed back by ``parse_recurrence``."""
        for name, group in (("daily", _GROUPS["daily"]), ("weekdays", _GROUPS["weekday"])):
            if self.days == group:
                return f"{name} {self.at:%H:%M}"
        if self.days == _GROUPS["weekend"]:
            return f"weekends {self.at:%H:%M}"
        names = ",".join(_DAY_NAMES[d][1] for d in sorted(self.days))
        return f"{names} {self.at:%H:%M}"

    def describe(self) -> str:
        if self.days == _GROUPS["daily"]:
            when = "every day"
        elif self.days == _GROUPS["weekday"]:
            when = "every weekday"
        elif self.days == _GROUPS["weekend"]:
            when = "every Saturday and Sunday"
        else:
            names = [_DAY_NAMES[d][0].capitalize() for d in sorted(self.days)]
            when = "every " + (
                names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            )
        return f"{when} at {self.at:%H:%M}"

    def next_after(self, after: datetime, timezone: str) -> datetime:
        """The first occurrence strictly after ``after`` (aware), as an aware UTC datetime."""
        local_day = after.astimezone(ZoneInfo(timezone)).date()
        for offset in range(9):
            day = local_day + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            candidate = resolve(datetime.combine(day, self.at), timezone)
            if candidate > after:
                return candidate
        raise AssertionError("a weekly schedule always occurs within nine days")  # pragma: no cover

    def shortest_gap(self) -> timedelta:
        """The shortest time between two occurrences (on the wall clock)."""
        days = sorted(self.days)
        gaps = [(b - a) % 7 or 7 for a, b in zip(days, days[1:] + days[:1], strict=True)]
        return timedelta(days=min(gaps))


def parse_recurrence(text: str) -> Recurrence:
    words = text.strip().lower().replace(",", " , ").split()
    if words and words[0] == "every":
        words = words[1:]
    if words and words[-1] not in (",",) and _TIME.match(words[-1]):
        clock = words.pop()
    else:
        raise UserError(f"A schedule needs a time of day. {HINT}")
    if words and words[-1] == "at":
        words.pop()
    match = _TIME.match(clock)
    assert match is not None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise UserError(f"{quoted(clock)} is not a time of day (00:00 to 23:59). {HINT}")
    days: set[int] = set()
    for word in words:
        if word in (",", "and"):
            continue
        key = word.removesuffix("s") if word.endswith("s") and word not in _DAYS else word
        if key in _DAYS:
            days.add(_DAYS[key])
        elif key in _GROUPS:
            days |= _GROUPS[key]
        else:
            raise UserError(f"I could not read {quoted(word)} as a day. {HINT}")
    if not days:
        raise UserError(f"A schedule needs at least one day. {HINT}")
    return Recurrence(frozenset(days), time(hour, minute))
