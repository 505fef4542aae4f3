"""The demo carriers' delivery slots, and the changes they accept: reschedules, return pickups.

A slot exists on the carrier's delivery weekdays, in its windows, from today to
``reschedule_max_days_ahead`` days after tomorrow, and only until its cut-off (the window's
start minus ``reschedule_cutoff_hours``). Each has the carrier's ``slot_capacity``, less a
made-up load of other shippers' parcels (fixed per slot, so a few slots are always full) and
what was booked here. Changes are idempotent by the caller's key.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from delivery.demo.carriers import CarrierSpec
from delivery.vocabulary import ShipmentStatus
from democarrier.model import Estimate, Parcel

MAX_DAYS = 31
#: What a parcel must be for its delivery to be moved (not on the van, not delivered, not
#: waiting at a point).
CHANGEABLE = frozenset(
    {
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELAYED,
        ShipmentStatus.FAILED_ATTEMPT,
        ShipmentStatus.EXCEPTION,
    }
)


class Refusal(StrEnum):
    NOT_CHANGEABLE = "not_changeable"  # out for delivery, delivered, at a point, ...
    CUTOFF_PASSED = "cutoff_passed"
    NOT_OFFERED = "not_offered"  # not a day, window or date the carrier delivers in
    FULL = "full"
    KEY_REUSED = "key_reused"  # the idempotency key was used for another change


class Refused(Exception):
    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class OfferedSlot:
    date: dt.date
    start: dt.time
    end: dt.time
    remaining: int


@dataclass(frozen=True)
class Confirmation:
    reference: str
    subject: str  # the tracking number, or the shop's return reference
    date: dt.date
    start: dt.time
    end: dt.time
    created_at: dt.datetime


def offered_slots(
    carrier: CarrierSpec, *, from_date: dt.date, days: int, now: dt.datetime, taken: Counter[str]
) -> list[OfferedSlot]:
    """Every slot from ``from_date`` for ``days`` days (full ones included, remaining 0)."""
    today = now.astimezone(carrier.zone).date()
    horizon = today + dt.timedelta(days=1 + carrier.reschedule_max_days_ahead)
    first = max(from_date, today)
    slots = []
    for offset in range(max(1, min(days, MAX_DAYS))):
        day = first + dt.timedelta(days=offset)
        if day > horizon:
            break
        if day.isoweekday() not in carrier.weekdays:
            continue
        for start, end in carrier.time_windows:
            if now > _cutoff(carrier, day, start):
                continue
            left = carrier.slot_capacity - _load(carrier, day, start) - taken[_key(day, start)]
            slots.append(OfferedSlot(day, start, end, max(0, left)))
    return slots


class Bookings:
    """The changes one carrier accepted, by idempotency key, and the places they took."""

    def __init__(self, carrier: CarrierSpec) -> None:
        self.carrier = carrier
        self.taken: Counter[str] = Counter()
        self._answers: dict[str, Confirmation] = {}
        self._numbers = 0

    def slots(self, *, from_date: dt.date, days: int, now: dt.datetime) -> list[OfferedSlot]:
        return offered_slots(
            self.carrier, from_date=from_date, days=days, now=now, taken=self.taken
        )

    def reschedule(
        self,
        parcel: Parcel,
        slot: tuple[dt.date, dt.time, dt.time],
        *,
        key: str,
        now: dt.datetime,
        reference: Callable[[int, dt.date], str],
    ) -> Confirmation:
        """Move the parcel's delivery to ``slot``; the same key answers the same again."""
        earlier = self._replayed(key, parcel.tracking_number)
        if earlier is not None:
            return earlier
        if parcel.status not in CHANGEABLE or parcel.point_name:
            raise Refused(
                Refusal.NOT_CHANGEABLE,
                f"A parcel that is {parcel.status.value.replace('_', ' ')}"
                + (" to a pickup point" if parcel.point_name else "")
                + " cannot be rescheduled.",
            )
        confirmation = self._book(parcel.tracking_number, slot, key, now, reference)
        parcel.eta = Estimate(confirmation.date, confirmation.start, confirmation.end)
        return confirmation

    def book_pickup(
        self,
        subject: str,
        slot: tuple[dt.date, dt.time, dt.time],
        *,
        key: str,
        now: dt.datetime,
        reference: Callable[[int, dt.date], str],
    ) -> Confirmation:
        """Book a collection in ``slot`` (a return's reference is ``subject`` and ``key``)."""
        earlier = self._replayed(key, subject)
        return earlier or self._book(subject, slot, key, now, reference)

    def _replayed(self, key: str, subject: str) -> Confirmation | None:
        earlier = self._answers.get(key)
        if earlier is not None and earlier.subject != subject:
            raise Refused(Refusal.KEY_REUSED, "This idempotency key was used for another change.")
        return earlier

    def _book(
        self,
        subject: str,
        slot: tuple[dt.date, dt.time, dt.time],
        key: str,
        now: dt.datetime,
        reference: Callable[[int, dt.date], str],
    ) -> Confirmation:
        day, start, end = slot
        if (start, end) not in self.carrier.time_windows or day.isoweekday() not in (
            self.carrier.weekdays
        ):
            raise Refused(Refusal.NOT_OFFERED, f"{self.carrier.name} does not deliver then.")
        if now > _cutoff(self.carrier, day, start):
            raise Refused(Refusal.CUTOFF_PASSED, "Changes to that window are closed.")
        offered = {(s.date, s.start): s for s in self.slots(from_date=day, days=1, now=now)}
        found = offered.get((day, start))
        if found is None:
            raise Refused(Refusal.NOT_OFFERED, "That date is too far ahead.")
        if found.remaining <= 0:
            raise Refused(Refusal.FULL, "That window is full.")
        self._numbers += 1
        self.taken[_key(day, start)] += 1
        at = now.astimezone(dt.UTC).replace(microsecond=0)
        confirmation = Confirmation(reference(self._numbers, day), subject, day, start, end, at)
        self._answers[key] = confirmation
        return confirmation


def _cutoff(carrier: CarrierSpec, day: dt.date, start: dt.time) -> dt.datetime:
    starts_at = dt.datetime.combine(day, start, tzinfo=carrier.zone)
    return starts_at - dt.timedelta(hours=carrier.reschedule_cutoff_hours)


def _load(carrier: CarrierSpec, day: dt.date, start: dt.time) -> int:
    """Other shippers' parcels in the slot: fixed per slot, about one slot in five full."""
    spread = carrier.slot_capacity * 5 // 4 + 1
    load = zlib.crc32(f"{carrier.code}|{day}|{start}".encode()) % spread
    return min(load, carrier.slot_capacity)


def _key(day: dt.date, start: dt.time) -> str:
    return f"{day.isoformat()}T{start:%H:%M}"
