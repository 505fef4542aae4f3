"""The format's strict scalar parsers and format checks."""

from __future__ import annotations

import datetime as dt

import pytest

from delivery.importer import values


def test_date_times_need_an_offset_and_come_back_in_utc() -> None:
    parsed = values.parse_datetime("2026-03-02T10:00:00+01:00")
    assert parsed == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert parsed.tzinfo is dt.UTC
    assert values.parse_datetime("2026-03-02T10:00Z") == dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    ["2026-03-02T10:00:00", "2026-03-02 10:00:00Z", "2026-02-30T10:00:00Z", "02/03/2026", ""],
)
def test_bad_date_times(text: str) -> None:
    assert not values.is_datetime(text)
    with pytest.raises(ValueError, match=r"."):
        values.parse_datetime(text)


@pytest.mark.parametrize("text", ["2026-3-2", "20260302", "2026-02-30", "2026-03-02T00:00Z"])
def test_bad_dates(text: str) -> None:
    assert not values.is_date(text)


def test_good_values() -> None:
    assert values.parse_date("2026-03-02") == dt.date(2026, 3, 2)
    assert values.parse_time("09:30") == dt.time(9, 30)
    assert values.window({"start": "09:00", "end": "13:00"}) == (dt.time(9), dt.time(13))
    assert values.window(None) == (None, None)
    assert values.is_email("ada@example.com")
    assert values.is_url("https://shop.example/a.jpg")


@pytest.mark.parametrize("text", ["ada", "ada@", "a b@example.com"])
def test_bad_emails(text: str) -> None:
    assert not values.is_email(text)


@pytest.mark.parametrize("text", ["ftp://x.example/a", "https://", "https://a b.example"])
def test_bad_urls(text: str) -> None:
    assert not values.is_url(text)


def test_format_checks_ignore_other_types() -> None:
    assert (
        values.is_date(5) and values.is_datetime(None) and values.is_email(1) and values.is_url(2)
    )


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("Europe/Rome", True),
        ("UTC", True),
        ("Mars/Base", False),
        ("Europe", False),
        ("../x", False),
    ],
)
def test_timezones(name: str, known: bool) -> None:
    assert values.is_known_timezone(name) is known
