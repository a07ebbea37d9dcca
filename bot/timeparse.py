"""Reading "when" from people: durations (30m, 2h, 7d, 1h30m) and ISO dates or date-times.

Moderators type close times and schedules by hand, so every mistake becomes a ``UserError`` that
says what would have worked. A date-time without an offset means the community's wall-clock
time (a moderator in Paris typing 18:00 means 18:00 in Paris), so it is read in the community
timezone; the result is always an aware UTC datetime, which is what storage and the clock use.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.wording import quoted

#: How far ahead a close time or schedule may be; a typo like 700d is more likely than intent.
MAX_AHEAD = timedelta(days=366)

_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_PART = re.compile(r"(\d+)\s*([a-z]+)")
_HINT = "Use a duration like 30m, 2h, 7d or 1h30m, or a date-time like 2026-03-01 18:00."


def parse_duration(text: str, limit: timedelta | None = MAX_AHEAD) -> timedelta:
    """A positive duration from text such as ``30m``, ``2h``, ``7d``, ``1w`` or ``1h 30m``."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise UserError(f"A time is missing. {_HINT}")
    compact = cleaned.replace(" ", "")
    parts = _PART.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise UserError(f"I could not read {quoted(text.strip()[:40])} as a duration. {_HINT}")
    seconds = 0
    for number, unit in parts:
        if unit not in _UNITS:
            raise UserError(
                f"Unknown time unit {quoted(unit)} in {quoted(text.strip()[:40])}. {_HINT}"
            )
        seconds += int(number) * _UNITS[unit]
    if seconds <= 0:
        raise UserError("The duration must be longer than zero.")
    duration = timedelta(seconds=seconds)
    if limit is not None and duration > limit:
        raise UserError(f"That is too far ahead; the limit is {limit.days} days.")
    return duration


def parse_when(
    text: str,
    now: datetime,
    timezone: str,
    *,
    future: bool = True,
    limit: timedelta | None = MAX_AHEAD,
) -> datetime:
    """An aware UTC datetime from a duration after ``now`` or an ISO date or date-time.

    A bare date means midnight at its start in ``timezone``. With ``future`` (the default) the
    result must be after ``now``; ``limit`` caps how far ahead it may be.
    """
    cleaned = text.strip()
    if not cleaned:
        raise UserError(f"A time is missing. {_HINT}")
    if cleaned[0].isdigit() and ("-" in cleaned[:5] or ":" in cleaned):
        when = _parse_datetime(cleaned, timezone)
    else:
        when = now + parse_duration(cleaned, limit=None)
    when = when.astimezone(UTC)
    if future and when <= now:
        raise UserError(f"{quoted(cleaned[:40])} has already passed; pick a time in the future.")
    if limit is not None and when - now > limit:
        raise UserError(f"That is too far ahead; the limit is {limit.days} days.")
    return when


def _parse_datetime(text: str, timezone: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        raise UserError(f"I could not read {quoted(text[:40])} as a date-time. {_HINT}") from None
    if parsed.tzinfo is not None:
        return parsed
    zone = ZoneInfo(timezone)
    local = parsed.replace(tzinfo=zone)
    # Round-trip through UTC: a wall-clock time skipped by a daylight-saving jump comes back
    # different, and silently moving the moderator's time by an hour would be worse than asking.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
        raise UserError(
            f"{quoted(text[:40])} does not exist in {timezone} (the clocks change then); "
            "pick another time."
        )
    return local


def describe(when: datetime, timezone: str) -> str:
    """How a stored time is shown to members: the community's wall clock, with the zone.

    In the hour the clocks go back, the same wall-clock time happens twice; such a time also
    says which of the two it is ("02:30 Europe/Berlin (CEST, UTC+02:00)"), so "opens 02:30,
    voting opens 02:15" never reads backwards."""
    zone = ZoneInfo(timezone)
    local = when.astimezone(zone)
    shown = f"{local:%Y-%m-%d %H:%M} {timezone}"
    if ambiguous(local.replace(tzinfo=None), zone):
        offset = local.strftime("%z")
        shown += f" ({local.tzname()}, UTC{offset[:3]}:{offset[3:]})"
    return shown


def ambiguous(naive: datetime, zone: ZoneInfo) -> bool:
    """True if this wall-clock time happens twice in ``zone`` (the hour the clocks go back)."""
    first = naive.replace(tzinfo=zone, fold=0).utcoffset()
    second = naive.replace(tzinfo=zone, fold=1).utcoffset()
    return first is not None and second is not None and first > second
