"""Delivery and pickup slots: a date and a local time window, under a carrier's rules.

The carrier's rules decide which slots exist at all (weekdays, windows, how far ahead, the
cut-off); callers then remove the ones that are full (reschedules count shipments, return
pickups count returns).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from delivery.db.models import Carrier
from delivery.services.tracking_inputs import CarrierView

_SLOT_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})-(\d{2}:\d{2})$")


@dataclass(frozen=True, order=True)
class Slot:
    """A local date and window, e.g. Wednesday 4 March, 09:00-13:00, in the carrier's zone."""

    date: dt.date
    start: dt.time
    end: dt.time

    @property
    def key(self) -> str:
        """A compact, stable text form used in button payloads: '2026-03-04T09:00-13:00'."""
        return f"{self.date.isoformat()}T{self.start:%H:%M}-{self.end:%H:%M}"

    @classmethod
    def from_key(cls, key: str) -> Slot:
        """Parse :attr:`key`; raises ValueError for anything else (payloads are user input)."""
        match = _SLOT_KEY.match(key.strip())
        if match is None:
            raise ValueError(f"not a slot: {key!r}")
        date, start, end = match.groups()
        slot = cls(
            dt.date.fromisoformat(date), dt.time.fromisoformat(start), dt.time.fromisoformat(end)
        )
        if slot.start >= slot.end:
            raise ValueError(f"slot ends before it starts: {key!r}")
        return slot

    def starts_at(self, zone: ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start, tzinfo=zone)


def carrier_zone(carrier: CarrierView) -> ZoneInfo:
    return ZoneInfo(carrier.timezone)


def carrier_windows(carrier: Carrier) -> list[tuple[dt.time, dt.time]]:
    return [
        (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
        for start, end in carrier.delivery_windows
    ]


def local_today(carrier: CarrierView, now: dt.datetime) -> dt.date:
    return now.astimezone(carrier_zone(carrier)).date()


def cutoff_before(carrier: Carrier, starts_at: dt.datetime) -> dt.datetime:
    """The last moment the carrier accepts a change to a visit starting at ``starts_at``."""
    return starts_at - dt.timedelta(hours=carrier.reschedule_cutoff_hours)


def slot_cutoff(carrier: Carrier, slot: Slot) -> dt.datetime:
    return cutoff_before(carrier, slot.starts_at(carrier_zone(carrier)))


def respects_cutoff(carrier: Carrier, slot: Slot, now: dt.datetime) -> bool:
    """True when ``slot`` starts at least the carrier's cut-off after ``now`` (exactly is fine)."""
    return now <= slot_cutoff(carrier, slot)


def candidate_slots(
    carrier: Carrier, *, earliest: dt.date, days_ahead: int, now: dt.datetime
) -> list[Slot]:
    """Every slot the carrier's rules allow from ``earliest`` for ``days_ahead`` more days.

    Only delivery weekdays and windows count, and a slot must respect the cut-off from ``now``.
    Capacity is not considered here.
    """
    windows = carrier_windows(carrier)
    weekdays = set(carrier.delivery_weekdays)
    slots: list[Slot] = []
    for offset in range(days_ahead + 1):
        day = earliest + dt.timedelta(days=offset)
        if day.isoweekday() not in weekdays:
            continue
        for start, end in windows:
            slot = Slot(day, start, end)
            if respects_cutoff(carrier, slot, now):
                slots.append(slot)
    return slots
