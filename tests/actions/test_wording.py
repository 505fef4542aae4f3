"""Dates, times, money and distances in the conversation's language (pure, no Rasa)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions import wording
from delivery.services.slots import Slot

# A Tuesday.
TUESDAY = dt.date(2026, 3, 3)
SLOT = Slot(TUESDAY, dt.time(9), dt.time(13))
ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("language", "day", "short_day"),
    [
        ("en", "Tuesday 3 March", "Tue 3 Mar"),
        ("it", "martedì 3 marzo", "mar 3 mar"),
        ("pl", "wtorek, 3 marca", "wt., 3 mar"),
        ("fi", "tiistai 3. maaliskuuta", "ti 3.3."),
        ("ar", "الثلاثاء، 3 مارس", "الثلاثاء، 3 مارس"),
    ],
)
def test_days(language: str, day: str, short_day: str) -> None:
    assert wording.day(TUESDAY, language) == day
    assert wording.short_day(TUESDAY, language) == short_day


@pytest.mark.parametrize(
    ("language", "window", "label"),
    [
        ("en", "9:00–13:00", "Tue 3 Mar, 9:00–13:00"),
        ("it", "9:00–13:00", "mar 3 mar, 9:00–13:00"),
        ("pl", "9:00–13:00", "wt., 3 mar, 9:00–13:00"),
        ("fi", "9.00–13.00", "ti 3.3. 9.00–13.00"),
        ("ar", "9:00–13:00", "الثلاثاء، 3 مارس، 9:00–13:00"),
    ],
)
def test_windows_and_slot_labels(language: str, window: str, label: str) -> None:
    assert wording.window(SLOT.start, SLOT.end, language) == window
    assert wording.slot_label(SLOT, language) == label


def test_windows_keep_minutes_and_the_afternoon() -> None:
    assert wording.window(dt.time(13, 30), dt.time(18, 5), "en") == "13:30–18:05"


@pytest.mark.parametrize(
    ("date", "language", "expected"),
    [
        (TUESDAY, "en", "today"),
        (dt.date(2026, 3, 4), "en", "tomorrow"),
        (dt.date(2026, 3, 2), "en", "yesterday"),
        (dt.date(2026, 3, 5), "en", "Thursday 5 March"),
        (dt.date(2026, 2, 28), "en", "Saturday 28 February"),
        # No relative words in Babel's data: other languages get the day itself.
        (TUESDAY, "it", "martedì 3 marzo"),
        (dt.date(2026, 3, 4), "fi", "keskiviikko 4. maaliskuuta"),
    ],
)
def test_relative_days(date: dt.date, language: str, expected: str) -> None:
    assert wording.relative_day(date, TUESDAY, language) == expected


@pytest.mark.parametrize(
    ("minor_units", "currency", "language", "expected"),
    [
        (1250, "EUR", "en", "€12.50"),
        (1250, "EUR", "it", "12,50\xa0€"),
        (1250, "eur", "fi", "12,50\xa0€"),
        (123456, "PLN", "pl", "1\u00a0234,56\xa0zł"),
        (500, "JPY", "en", "JP¥500"),  # no minor units
        (0, "EUR", "en", "€0.00"),
    ],
)
def test_money(minor_units: int, currency: str, language: str, expected: str) -> None:
    assert wording.money(minor_units, currency, language) == expected


@pytest.mark.parametrize(
    ("km", "language", "expected"),
    [
        (0.347, "en", "350 m"),
        (0.0, "en", "0 m"),
        (0.9996, "en", "1 km"),
        (1.25, "en", "1.2 km"),
        (12.34, "en", "12.3 km"),
        (1.25, "it", "1,2 km"),
        (0.35, "ar", "350 مترًا"),
    ],
)
def test_distances(km: float, language: str, expected: str) -> None:
    assert wording.distance(km, language) == expected


def test_a_negative_distance_is_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        wording.distance(-1, "en")


@pytest.mark.parametrize(("language", "expected"), [("en", "14:05"), ("fi", "14.05")])
def test_time_of_is_in_the_zone_given(language: str, expected: str) -> None:
    moment = dt.datetime(2026, 3, 3, 13, 5, tzinfo=dt.UTC)
    assert wording.time_of(moment, ROME, language) == expected


def test_time_of_early_morning_has_no_leading_zero() -> None:
    moment = dt.datetime(2026, 7, 1, 6, 30, tzinfo=dt.UTC)  # summer time in Rome
    assert wording.time_of(moment, ROME, "en") == "8:30"


def test_time_of_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        wording.time_of(dt.datetime(2026, 3, 3, 13, 5), ROME, "en")


@pytest.mark.parametrize("language", ["xx", "", "de", "EN", "en-US", "en_GB"])
def test_unknown_or_regional_languages_are_english(language: str) -> None:
    assert wording.day(TUESDAY, language) == "Tuesday 3 March"
    assert wording.slot_label(SLOT, language) == "Tue 3 Mar, 9:00–13:00"
    assert wording.relative_day(TUESDAY, TUESDAY, language) == "today"


def test_a_regional_code_counts_as_its_language() -> None:
    assert wording.day(TUESDAY, "it-IT") == "martedì 3 marzo"
    assert wording.distance(1.25, "pl_PL") == "1,2 km"
