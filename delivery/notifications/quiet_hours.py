"""Quiet hours: when customers are not messaged, as wall-clock times in their own timezone.

``QUIET_HOURS`` is one span ``"HH:MM-HH:MM"`` (``"21:00-08:00"`` runs past midnight); empty or
``"off"``: none. Moments are turned into the customer's local date and time with zoneinfo, and
the end of the span is built from that local date, so it follows daylight saving (the morning
after the clocks go forward is an hour earlier in UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_OFF = frozenset({"", "off", "none"})


@dataclass(frozen=True)
class QuietHours:
    """A daily span ``[start, end)`` of local time; ``end < start`` wraps past midnight."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """Read ``"21:00-08:00"``; None for no quiet hours; ValueError if malformed."""
        if text.strip().lower() in _OFF:
            return None
        match = _SPAN.match(text)
        if match is None:
            raise ValueError(f"quiet hours {text!r}: expected a span like '21:00-08:00'")
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        if max(start_h, end_h) > 23 or max(start_m, end_m) > 59:
            raise ValueError(f"quiet hours {text!r}: not a valid time span")
        start, end = dt.time(start_h, start_m), dt.time(end_h, end_m)
        if start == end:
            raise ValueError(f"quiet hours {text!r}: the span is empty")
        return cls(start=start, end=end)

    def contains(self, local: dt.time) -> bool:
        """Whether a local wall-clock time is inside the quiet span."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """``moment`` itself (in UTC) outside quiet hours, else when they end in ``zone``."""
        if moment.tzinfo is None:
            raise ValueError("quiet hours need an aware datetime")
        local = moment.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment.astimezone(dt.UTC)
        ends_on = local.date()
        if self.start > self.end and local.time() >= self.start:
            ends_on += dt.timedelta(days=1)  # the evening part: quiet until tomorrow morning
        # A wall time inside a DST gap (fold=0) resolves past the gap: 02:30 -> 03:30.
        return dt.datetime.combine(ends_on, self.end, tzinfo=zone).astimezone(dt.UTC)


def next_allowed(quiet: QuietHours | None, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """When a message due at ``moment`` may go out (UTC); ``moment`` if there are no quiet hours."""
    if quiet is None:
        return moment.astimezone(dt.UTC)
    return quiet.next_allowed(moment, zone)


def zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The zone ``name`` if it is a known IANA zone, else ``fallback``."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def parse_zone(name: str) -> ZoneInfo:
    """A known IANA zone; ValueError otherwise (for settings, which must be right)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown timezone {name!r}") from error
