"""Staff hours: parsing, open or closed at an instant, and the next opening across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from delivery.services.staff_hours import StaffHours
from delivery.settings import Settings

ROME = ZoneInfo("Europe/Rome")
WEEKDAYS = StaffHours.parse("mon-fri 09:00-18:00, sat 10:00-14:00", "Europe/Rome")


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ROME)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        (rome(2026, 3, 2, 8, 59), False),  # Monday, before opening
        (rome(2026, 3, 2, 9, 0), True),  # opening minute
        (rome(2026, 3, 4, 12, 30), True),  # Wednesday midday
        (rome(2026, 3, 6, 17, 59), True),  # Friday, last minute
        (rome(2026, 3, 6, 18, 0), False),  # closing time is closed
        (rome(2026, 3, 7, 10, 0), True),  # Saturday morning
        (rome(2026, 3, 7, 14, 0), False),  # Saturday afternoon
        (rome(2026, 3, 8, 12, 0), False),  # Sunday
    ],
)
def test_open_by_local_wall_clock(local: dt.datetime, open_: bool) -> None:
    assert WEEKDAYS.is_open(local) is open_
    assert WEEKDAYS.is_open(local.astimezone(dt.UTC)) is open_  # any offset, same instant


def test_the_same_utc_instant_is_open_or_not_with_the_seasons() -> None:
    # 08:30 UTC is 09:30 in Rome in winter (open) ...
    assert WEEKDAYS.is_open(utc(2026, 1, 12, 8, 30))
    # ... and 16:30 UTC is 18:30 in summer (closed), but 17:30 in winter (open).
    assert not WEEKDAYS.is_open(utc(2026, 7, 13, 16, 30))
    assert WEEKDAYS.is_open(utc(2026, 1, 12, 16, 30))


def test_while_open_the_next_opening_is_now() -> None:
    now = utc(2026, 3, 4, 10, 0)
    assert WEEKDAYS.next_opening(now) == now
    assert WEEKDAYS.next_opening(rome(2026, 3, 4, 11, 0)).tzinfo == dt.UTC


def test_overnight_the_next_opening_is_the_morning() -> None:
    # Tuesday 20:00 in Rome (winter, UTC+1) -> Wednesday 09:00 local = 08:00 UTC.
    assert WEEKDAYS.next_opening(rome(2026, 3, 3, 20, 0)) == utc(2026, 3, 4, 8, 0)
    # Early morning the same day.
    assert WEEKDAYS.next_opening(rome(2026, 3, 4, 6, 15)) == utc(2026, 3, 4, 8, 0)


def test_over_the_weekend_the_next_opening_is_saturday_then_monday() -> None:
    assert WEEKDAYS.next_opening(rome(2026, 3, 6, 18, 0)) == utc(2026, 3, 7, 9, 0)  # Sat 10:00
    assert WEEKDAYS.next_opening(rome(2026, 3, 7, 15, 0)) == utc(2026, 3, 9, 8, 0)  # Mon 09:00


def test_the_next_opening_after_the_clocks_go_forward() -> None:
    # Rome moves to summer time on Sunday 29 March 2026: Friday closes at 18:00 CET (17:00
    # UTC), Monday opens at 09:00 CEST, which is 07:00 UTC, not 08:00.
    assert WEEKDAYS.next_opening(rome(2026, 3, 28, 15, 0)) == utc(2026, 3, 30, 7, 0)


def test_the_next_opening_after_the_clocks_go_back() -> None:
    # Back to winter time on Sunday 25 October 2026: Monday 09:00 CET is 08:00 UTC.
    assert WEEKDAYS.next_opening(rome(2026, 10, 24, 15, 0)) == utc(2026, 10, 26, 8, 0)


def test_an_opening_inside_the_skipped_hour_moves_on_by_the_gap() -> None:
    hours = StaffHours.parse("sun 02:30-05:00", "Europe/Rome")
    # 02:30 does not exist on 29 March 2026 in Rome: it is 03:30 CEST (01:30 UTC).
    assert hours.next_opening(rome(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 30)


def test_hours_for_another_timezone() -> None:
    hours = StaffHours.parse("mon-fri 09:00-17:00", "America/New_York")
    assert hours.next_opening(utc(2026, 3, 2, 12, 0)) == utc(2026, 3, 2, 14, 0)


def test_several_spans_a_day_and_continued_entries() -> None:
    hours = StaffHours.parse("Mon-Thu 09:00-13:00 14:00-18:00, 19:00-20:00", "Europe/Rome")
    assert hours.is_open(rome(2026, 3, 2, 12, 0))
    assert not hours.is_open(rome(2026, 3, 2, 13, 30))  # lunch
    assert hours.next_opening(rome(2026, 3, 2, 13, 30)) == rome(2026, 3, 2, 14, 0)
    assert hours.is_open(rome(2026, 3, 5, 19, 30))  # the entry without days: Mon-Thu too
    assert not hours.is_open(rome(2026, 3, 6, 10, 0))  # Friday


def test_single_days_full_names_and_wrapping_ranges() -> None:
    hours = StaffHours.parse("Saturday 10:00-12:00, fri-mon 20:00-21:00, wed 07:00-08:00")
    assert hours.is_open(rome(2026, 3, 7, 11, 0))
    for day in (6, 7, 8, 9):  # Friday to Monday
        assert hours.is_open(rome(2026, 3, day, 20, 30))
    assert not hours.is_open(rome(2026, 3, 10, 20, 30))  # Tuesday
    assert hours.is_open(rome(2026, 3, 4, 7, 30))


def test_a_span_past_midnight_runs_into_the_next_day() -> None:
    hours = StaffHours.parse("sun 22:00-02:00", "Europe/Rome")
    assert hours.is_open(rome(2026, 3, 8, 23, 0))
    assert hours.is_open(rome(2026, 3, 9, 1, 59))  # Monday night, still Sunday's shift
    assert not hours.is_open(rome(2026, 3, 9, 2, 0))
    assert hours.next_opening(rome(2026, 3, 9, 2, 0)) == rome(2026, 3, 15, 22, 0)


def test_around_the_clock() -> None:
    hours = StaffHours.parse("daily 00:00-24:00", "UTC")
    now = utc(2026, 3, 8, 3, 0)
    assert hours.is_open(now) and hours.next_opening(now) == now


def test_the_settings_defaults_parse() -> None:
    hours = StaffHours.from_settings(Settings())
    assert hours.is_open(rome(2026, 3, 2, 10, 0))
    assert not hours.is_open(rome(2026, 3, 7, 10, 0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("mon-fri", "expected days and times"),
        ("mon-fri 9-18", "expected days and times"),
        ("mon-fri 09:00-18:00 and more", "expected days and times"),
        ("funday 09:00-18:00", "'funday' is not a day"),
        ("mon-xyz 09:00-18:00", "not a day"),
        ("09:00-18:00", "does not say which days"),
        ("mon 25:00-26:00", "not a valid time span"),
        ("mon 09:60-10:00", "not a valid time span"),
        ("mon 09:00-24:30", "not a valid time span"),
        ("mon 10:00-10:00", "empty"),
        ("mon 09:00-12:00,, tue 09:00-12:00", "empty entry"),
    ],
)
def test_malformed_hours_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StaffHours.parse(text)


def test_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        StaffHours.parse("mon-fri 09:00-18:00", "Europe/Atlantis")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        WEEKDAYS.is_open(dt.datetime(2026, 3, 2, 10, 0))
