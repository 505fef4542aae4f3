"""Weekly opening hours of pickup points and lockers: open now? when next?

Pure functions over the JSON stored on :class:`~delivery.db.models.PickupPoint`:
``{"mon": [["08:00", "20:00"]], ..., "sun": []}`` in local time. A day that is missing or empty
is closed; "24:00" closes at midnight (lockers open round the clock say ``[["00:00", "24:00"]]``)
and a closing time at or before the opening time runs past midnight into the next day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * _DAY_MINUTES

#: Normalised hours: every day in order, each with its (opens, closes) "HH:MM" pairs.
WeeklyHours = dict[str, list[tuple[str, str]]]


def parse_hours(raw: Mapping[str, Any] | None) -> WeeklyHours:
    """Validate stored hours; raises ValueError on anything but days of "HH:MM" pairs."""
    raw = raw or {}
    unknown = set(raw) - set(DAYS)
    if unknown:
        raise ValueError(f"unknown days in opening hours: {sorted(unknown)}")
    hours: WeeklyHours = {}
    for day in DAYS:
        pairs: list[tuple[str, str]] = []
        for pair in raw.get(day) or []:
            if len(pair) != 2:
                raise ValueError(f"not an (opens, closes) pair on {day}: {pair!r}")
            opens, closes = str(pair[0]), str(pair[1])
            for text in (opens, closes):
                _minutes(text)  # raises ValueError for anything but "HH:MM"
            pairs.append((opens, closes))
        hours[day] = pairs
    return hours


def is_open(hours: WeeklyHours, local: dt.datetime) -> bool:
    """Is the point open at ``local`` (a datetime in the point's own timezone)?

    Opening time included, closing time excluded: at 20:00 sharp a point closing at 20:00 is shut.
    """
    moment = _minute_of_week(local)
    # An interval from Sunday night into Monday morning also covers moment + one week.
    return any(
        start <= at < end
        for start, end in _intervals(hours)
        for at in (moment, moment + _WEEK_MINUTES)
    )


def next_opening(hours: WeeklyHours, local: dt.datetime) -> dt.datetime | None:
    """When the point next opens after ``local``, in ``local``'s timezone; None if never."""
    moment = _minute_of_week(local)
    starts = [start for start, _ in _intervals(hours)]
    upcoming = [s for s in starts if s > moment] + [s + _WEEK_MINUTES for s in starts]
    if not upcoming:
        return None
    minutes_ahead = min(upcoming)
    week_start = local.date() - dt.timedelta(days=local.weekday())
    day = week_start + dt.timedelta(days=minutes_ahead // _DAY_MINUTES)
    minute = minutes_ahead % _DAY_MINUTES
    # combine() keeps wall-clock time in the zone, so a DST change in between is handled.
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=local.tzinfo)


def _intervals(hours: WeeklyHours) -> list[tuple[int, int]]:
    """Opening intervals in minutes from Monday 00:00 (ends may pass the end of the week)."""
    intervals = []
    for index, day in enumerate(DAYS):
        for opens, closes in hours.get(day, []):
            start = index * _DAY_MINUTES + _minutes(opens)
            end = index * _DAY_MINUTES + _minutes(closes)
            if end <= start:
                end += _DAY_MINUTES
            intervals.append((start, end))
    return intervals


def _minute_of_week(local: dt.datetime) -> int:
    return local.weekday() * _DAY_MINUTES + local.hour * 60 + local.minute


def _minutes(text: str) -> int:
    if text == "24:00":
        return _DAY_MINUTES
    return _minute_of_day(dt.time.fromisoformat(text))


def _minute_of_day(value: dt.time) -> int:
    return value.hour * 60 + value.minute
