"""Opening hours: parsing, open now, next opening (pure, no database)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from delivery.services.opening_hours import is_open, next_opening, parse_hours

ROME = ZoneInfo("Europe/Rome")
SHOP = parse_hours(
    {day: [["08:00", "12:30"], ["15:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [["09:00", "13:00"]], "sun": []}
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """March 2026 in Rome: the 2nd is a Monday, the 8th a Sunday."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ROME)


def test_parse_fills_every_day_in_order() -> None:
    hours = parse_hours({"mon": [["08:00", "20:00"]]})
    assert list(hours) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert hours["mon"] == [("08:00", "20:00")]
    assert hours["tue"] == []
    assert parse_hours(None)["sun"] == []


@pytest.mark.parametrize(
    "raw",
    [
        {"monday": [["08:00", "20:00"]]},
        {"mon": [["08:00"]]},
        {"mon": [["8 am", "20:00"]]},
        {"mon": [["08:00", "25:00"]]},
    ],
)
def test_malformed_hours_raise(raw: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        parse_hours(raw)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2, 7, 59), False),
        (at(2, 8, 0), True),  # opening time included
        (at(2, 12, 29), True),
        (at(2, 12, 30), False),  # closing time excluded
        (at(2, 15, 0), True),
        (at(7, 12, 59), True),  # Saturday morning
        (at(7, 13, 0), False),
        (at(8, 11, 0), False),  # Sunday
    ],
)
def test_is_open(moment: dt.datetime, expected: bool) -> None:
    assert is_open(SHOP, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2, 6, 0), at(2, 8, 0)),  # before opening
        (at(2, 13, 0), at(2, 15, 0)),  # lunch break
        (at(6, 19, 0), at(7, 9, 0)),  # Friday evening -> Saturday
        (at(7, 13, 0), at(9, 8, 0)),  # Saturday afternoon -> Monday
        (at(8, 23, 59), at(9, 8, 0)),  # Sunday night -> Monday (the next week)
    ],
)
def test_next_opening(moment: dt.datetime, expected: dt.datetime) -> None:
    assert next_opening(SHOP, moment) == expected


def test_next_opening_keeps_wall_time_across_a_dst_change() -> None:
    # Clocks go forward in Rome on Sunday 29 March 2026.
    opened = next_opening(SHOP, dt.datetime(2026, 3, 28, 14, 0, tzinfo=ROME))
    assert opened == dt.datetime(2026, 3, 30, 8, 0, tzinfo=ROME)
    assert opened is not None
    assert opened.utcoffset() == dt.timedelta(hours=2)


def test_never_open_has_no_next_opening() -> None:
    assert next_opening(parse_hours({}), at(2, 10)) is None


def test_round_the_clock_and_past_midnight() -> None:
    locker = parse_hours({day: [["00:00", "24:00"]] for day in ("mon", "sun")})
    assert is_open(locker, at(2, 23, 59))
    assert is_open(locker, at(8, 0, 0))
    assert not is_open(locker, at(3, 0, 0))
    bar = parse_hours({"sun": [["18:00", "02:00"]]})
    assert is_open(bar, at(8, 23, 0))
    assert is_open(bar, at(9, 1, 59))  # Monday morning, still Sunday's opening
    assert not is_open(bar, at(9, 2, 0))
