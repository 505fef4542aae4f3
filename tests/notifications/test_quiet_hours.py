"""Quiet hours in the customer's timezone: evening news waits for the morning, across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from delivery.notifications.quiet_hours import QuietHours, next_allowed, parse_zone, zone_or

LONDON = ZoneInfo("Europe/London")
ROME = ZoneInfo("Europe/Rome")
TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT = QuietHours(dt.time(21), dt.time(8))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_span_is_parsed() -> None:
    assert QuietHours.parse("21:00-08:00") == NIGHT
    assert QuietHours.parse(" 9:30 - 12:00 ") == QuietHours(dt.time(9, 30), dt.time(12))


@pytest.mark.parametrize("text", ["", "  ", "off", "None"])
def test_no_quiet_hours(text: str) -> None:
    assert QuietHours.parse(text) is None


@pytest.mark.parametrize("text", ["21-08", "21:00", "25:00-08:00", "21:00-08:60", "08:00-08:00"])
def test_malformed_spans_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ("20:59", False),
        ("21:00", True),
        ("23:59", True),
        ("00:00", True),
        ("07:59", True),
        ("08:00", False),
    ],
)
def test_an_overnight_span_covers_both_sides_of_midnight(local: str, quiet: bool) -> None:
    assert NIGHT.contains(dt.time.fromisoformat(local)) is quiet


def test_a_daytime_span() -> None:
    lunch = QuietHours(dt.time(12), dt.time(14))
    assert (
        lunch.contains(dt.time(11, 59)),
        lunch.contains(dt.time(12)),
        lunch.contains(dt.time(14)),
    ) == (
        False,
        True,
        False,
    )
    assert lunch.next_allowed(utc(2026, 3, 2, 13, 0), LONDON) == utc(2026, 3, 2, 14, 0)


def test_outside_quiet_hours_it_goes_now() -> None:
    assert NIGHT.next_allowed(utc(2026, 3, 2, 10, 0), LONDON) == utc(2026, 3, 2, 10, 0)


def test_an_evening_message_waits_for_the_next_morning() -> None:
    assert NIGHT.next_allowed(utc(2026, 3, 2, 22, 15), LONDON) == utc(2026, 3, 3, 8, 0)


def test_an_early_morning_message_waits_until_the_quiet_hours_end() -> None:
    assert NIGHT.next_allowed(utc(2026, 3, 3, 5, 0), LONDON) == utc(2026, 3, 3, 8, 0)


def test_it_is_the_customers_own_clock() -> None:
    # 13:00 UTC is 22:00 in Tokyo: quiet until 08:00 there, 23:00 UTC.
    assert NIGHT.next_allowed(utc(2026, 3, 2, 13, 0), TOKYO) == utc(2026, 3, 2, 23, 0)
    assert NIGHT.next_allowed(utc(2026, 3, 2, 13, 0), LONDON) == utc(2026, 3, 2, 13, 0)


def test_the_morning_after_the_clocks_go_forward_is_an_hour_earlier_in_utc() -> None:
    # Rome, Saturday 28 March 2026 22:00 CET (21:00 UTC); on Sunday at 02:00 CET becomes CEST.
    assert NIGHT.next_allowed(utc(2026, 3, 28, 21, 0), ROME) == utc(2026, 3, 29, 6, 0)
    # The evening before an ordinary night: 08:00 CET is 07:00 UTC.
    assert NIGHT.next_allowed(utc(2026, 3, 27, 21, 0), ROME) == utc(2026, 3, 28, 7, 0)


def test_the_morning_after_the_clocks_go_back_is_an_hour_later_in_utc() -> None:
    # London, Saturday 24 October 2026 22:00 BST (21:00 UTC); Sunday 08:00 is GMT again.
    assert NIGHT.next_allowed(utc(2026, 10, 24, 21, 0), LONDON) == utc(2026, 10, 25, 8, 0)


def test_an_end_inside_the_dst_gap_moves_on_by_the_gap() -> None:
    # London skips 01:00-02:00 on 29 March 2026: quiet until "01:30" ends at 02:30 BST.
    short_night = QuietHours(dt.time(21), dt.time(1, 30))
    assert short_night.next_allowed(utc(2026, 3, 28, 23, 0), LONDON) == utc(2026, 3, 29, 1, 30)
    assert utc(2026, 3, 29, 1, 30).astimezone(LONDON).time() == dt.time(2, 30)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        NIGHT.next_allowed(dt.datetime(2026, 3, 2, 22, 0), LONDON)


def test_without_quiet_hours_the_moment_stands() -> None:
    evening = dt.datetime(2026, 3, 2, 23, 0, tzinfo=ROME)
    assert next_allowed(None, evening, ROME) == utc(2026, 3, 2, 22, 0)
    assert next_allowed(NIGHT, evening, ROME) == utc(2026, 3, 3, 7, 0)


def test_an_unknown_zone_falls_back() -> None:
    assert zone_or("Mars/Olympus", LONDON) is LONDON
    assert zone_or(None, LONDON) is LONDON
    assert zone_or("Asia/Tokyo", LONDON) == TOKYO
    with pytest.raises(ValueError, match="unknown timezone"):
        parse_zone("Mars/Olympus")
