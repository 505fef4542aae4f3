"""The format's scalar values (dates, times, date-times) and their strict parsers.

The JSON Schema's ``format`` checks and the loader use the same functions, so a value that
passed validation always parses.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from delivery.normalize import is_plausible_email

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ISO 8601 / RFC 3339 with a mandatory offset; seconds and fractions optional.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


def parse_date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return dt.date.fromisoformat(text)


def parse_datetime(text: str) -> dt.datetime:
    """An aware datetime in UTC (the offset is required)."""
    if not _DATE_TIME.match(text):
        raise ValueError(f"not an ISO 8601 date-time with offset: {text!r}")
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def parse_time(text: str) -> dt.time:
    """'09:30' -> time(9, 30); the schema's pattern has checked the shape."""
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def optional_datetime(value: str | None) -> dt.datetime | None:
    return parse_datetime(value) if value is not None else None


def optional_date(value: str | None) -> dt.date | None:
    return parse_date(value) if value is not None else None


def window(value: dict[str, str] | None) -> tuple[dt.time | None, dt.time | None]:
    if value is None:
        return None, None
    return parse_time(value["start"]), parse_time(value["end"])


@cache
def is_known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a directory
        return False
    return True


# Format checks for the JSON Schema: True for values of other types (format applies to strings).


def is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parse_date(value)
    except ValueError:
        return False
    return True


def is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parse_datetime(value)
    except ValueError:
        return False
    return True


def is_email(value: Any) -> bool:
    return not isinstance(value, str) or is_plausible_email(value)


def is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value
