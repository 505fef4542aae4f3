"""How the notification queue behaves: quiet hours, the fallback timezone, retries, leases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from delivery.notifications.quiet_hours import QuietHours, parse_zone, zone_or
from delivery.settings import Settings

_DEFAULT_QUIET = QuietHours(dt.time(21, 0), dt.time(8, 0))


@dataclass(frozen=True)
class QueuePolicy:
    """The queue's settings; the defaults are those of :class:`~delivery.settings.Settings`."""

    quiet_hours: QuietHours | None = _DEFAULT_QUIET
    default_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    max_attempts: int = 5
    retry_base: dt.timedelta = dt.timedelta(seconds=30)
    retry_max: dt.timedelta = dt.timedelta(hours=1)
    lease: dt.timedelta = dt.timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> QueuePolicy:
        """The policy the settings describe; ValueError for malformed quiet hours or zone."""
        return cls(
            quiet_hours=QuietHours.parse(settings.quiet_hours),
            default_zone=parse_zone(settings.notification_default_timezone),
            max_attempts=settings.notification_max_attempts,
            retry_base=dt.timedelta(seconds=settings.notification_retry_seconds),
            retry_max=dt.timedelta(seconds=settings.notification_retry_max_seconds),
            lease=dt.timedelta(seconds=settings.notification_lease_seconds),
        )

    def zone_for(self, customer_timezone: str | None) -> ZoneInfo:
        """The customer's zone, or the default one when theirs is missing or unknown."""
        return zone_or(customer_timezone, self.default_zone)

    def backoff(self, attempts: int) -> dt.timedelta:
        """The wait before retrying after ``attempts`` failed tries: doubling, capped."""
        exponent = min(max(attempts - 1, 0), 30)  # 2**30 base waits is past any sane cap
        return min(self.retry_max, self.retry_base * (1 << exponent))
