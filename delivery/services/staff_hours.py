"""When people answer handed-off conversations: ``STAFF_HOURS`` in ``STAFF_TIMEZONE``.

The text is a comma-separated list of entries, each days then one or more time spans::

    mon-fri 09:00-18:00, sat 10:00-14:00
    mon-fri 09:00-13:00 14:00-18:00        (a lunch break)
    mon-thu 09:00-18:00, 19:00-21:00       (an entry without days continues the one before)
    mon wed saturday 09:00-12:00           (several days; full names too)
    fri-mon 08:00-12:00, sun 22:00-02:00   (ranges wrap round the week; spans past midnight)

Hours are local wall-clock times, so they follow the zone's daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from delivery.settings import Settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {name: i for i, name in enumerate(DAYS)} | {
    full: i
    for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_EVERY_DAY = frozenset({"daily", "everyday"})
_DAY_SECONDS = 24 * 3600
_WEEK_SECONDS = 7 * _DAY_SECONDS
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_DAY_RANGE = re.compile(r"([a-z]+)(?:-([a-z]+))?")

#: Seconds since Monday 00:00 local: [start, end) intervals, sorted, not overlapping.
Interval = tuple[int, int]


@dataclass(frozen=True)
class StaffHours:
    """The weekly hours staff answer, in one timezone."""

    intervals: tuple[Interval, ...]
    tz: ZoneInfo

    @classmethod
    def parse(cls, text: str, tz: str = "Europe/Rome") -> StaffHours:
        """Read hours like ``"mon-fri 09:00-18:00, sat 10:00-14:00"``; ValueError if malformed."""
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {tz!r}") from error
        if not text.strip():
            raise ValueError(
                "staff hours are empty: say when staff answer, e.g. 'mon-fri 09:00-18:00'"
            )
        intervals: list[Interval] = []
        days: list[int] | None = None
        for entry in (part.strip() for part in text.lower().split(",")):
            if not entry:
                raise ValueError(f"staff hours {text!r}: an empty entry (two commas?)")
            entry_days, spans = _split_entry(entry)
            if entry_days:
                days = entry_days
            elif days is None:
                raise ValueError(f"staff hours {text!r}: {entry!r} does not say which days")
            for day in days:
                for start, end in spans:
                    intervals.extend(_week_intervals(day, start, end))
        return cls(intervals=_merged(intervals), tz=zone)

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffHours:
        return cls.parse(settings.staff_hours, settings.staff_timezone)

    def is_open(self, now: dt.datetime) -> bool:
        """Whether staff are answering at ``now`` (an aware datetime)."""
        second = _second_of_week(_aware(now).astimezone(self.tz))
        return any(start <= second < end for start, end in self.intervals)

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        """When staff next answer, in UTC: ``now`` itself while they are answering."""
        if self.is_open(now):
            return now.astimezone(dt.UTC)
        today = now.astimezone(self.tz).date()
        candidates = []
        for offset in range(8):  # a week and a day reaches every weekly opening
            date = today + dt.timedelta(days=offset)
            for start, _ in self.intervals:
                if start // _DAY_SECONDS != date.weekday():
                    continue
                local = dt.datetime.combine(date, _time_of(start % _DAY_SECONDS), tzinfo=self.tz)
                # A start inside a daylight-saving gap moves on by the gap (02:30 -> 03:30).
                opening = local.astimezone(dt.UTC)
                if opening >= now:
                    candidates.append(opening)
        return min(candidates)


def _split_entry(entry: str) -> tuple[list[int], list[tuple[int, int]]]:
    """An entry's days (empty when it names none) and its spans in seconds of the day."""
    matches = list(_SPAN.finditer(entry))
    day_text = entry[: matches[0].start()] if matches else entry
    between = _SPAN.sub(" ", entry[len(day_text) :]).strip()
    if not matches or between:
        raise ValueError(
            f"staff hours entry {entry!r}: expected days and times like 'mon-fri 09:00-18:00'"
        )
    spans = [_span(match) for match in matches]
    days: list[int] = []
    for word in day_text.replace("+", " ").replace("&", " ").split():
        days.extend(_days(word, entry))
    return days, spans


def _days(word: str, entry: str) -> list[int]:
    if word in _EVERY_DAY:
        return list(range(7))
    match = _DAY_RANGE.fullmatch(word)
    first = _DAY_NAMES.get(match.group(1)) if match else None
    last = _DAY_NAMES.get(match.group(2) or match.group(1)) if match else None
    if first is None or last is None:
        raise ValueError(f"staff hours entry {entry!r}: {word!r} is not a day or a day range")
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _span(match: re.Match[str]) -> tuple[int, int]:
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(f"staff hours: {match.group(0)!r} is not a valid time span")
    start, end = start_h * 3600 + start_m * 60, end_h * 3600 + end_m * 60
    if start == end:
        raise ValueError(f"staff hours: {match.group(0)!r} is empty")
    return start, end


def _week_intervals(day: int, start: int, end: int) -> list[Interval]:
    """One span on ``day`` as seconds of the week; past midnight and Sunday night it wraps."""
    base = day * _DAY_SECONDS
    if end < start:  # overnight: runs into the next day
        end += _DAY_SECONDS
    begin, finish = base + start, base + end
    if finish <= _WEEK_SECONDS:
        return [(begin, finish)]
    return [(begin, _WEEK_SECONDS), (0, finish - _WEEK_SECONDS)]


def _merged(intervals: list[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _second_of_week(local: dt.datetime) -> int:
    return local.weekday() * _DAY_SECONDS + local.hour * 3600 + local.minute * 60 + local.second


def _time_of(second_of_day: int) -> dt.time:
    return dt.time(second_of_day // 3600, second_of_day % 3600 // 60)


def _aware(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None:
        raise ValueError("staff hours need an aware datetime")
    return now
