"""Time arithmetic for demo parcels: a carrier's local calendar and ordered event histories.

Every history is built so that its events are strictly increasing and all before ``now``; the
builders in :mod:`delivery.demo.scenarios` only say which events happen and when the decisive
ones (out for delivery, delivered, ...) take place.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from delivery.demo.carriers import HUB_CITIES, SENDER_CITY, CarrierSpec, EventKind
from delivery.demo.plans import EventPlan

ONE_DAY = dt.timedelta(days=1)


class CarrierClock:
    """``now`` and the calendar as one carrier sees them (its zone, its delivery weekdays)."""

    def __init__(self, carrier: CarrierSpec, now: dt.datetime) -> None:
        self.carrier = carrier
        self.now = now
        self.zone = carrier.zone
        self.today = now.astimezone(self.zone).date()
        self._weekdays = frozenset(carrier.weekdays)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def at(self, day: dt.date, time: dt.time, plus: dt.timedelta = dt.timedelta()) -> dt.datetime:
        """The UTC instant of local ``time`` on ``day`` (plus an offset)."""
        return dt.datetime.combine(day, time, tzinfo=self.zone).astimezone(dt.UTC) + plus

    def delivers_on(self, day: dt.date) -> bool:
        return day.isoweekday() in self._weekdays

    def next_day(self, day: dt.date) -> dt.date:
        """The first delivery day on or after ``day``."""
        while not self.delivers_on(day):
            day += ONE_DAY
        return day

    def previous_day(self, day: dt.date) -> dt.date:
        """The last delivery day on or before ``day``."""
        while not self.delivers_on(day):
            day -= ONE_DAY
        return day


@dataclass(frozen=True)
class Route:
    """Where a parcel's scans happen: the sender's town, a hub, the local depot, the city."""

    sender: str
    hub: str
    city: str
    point_name: str | None = None

    @classmethod
    def to(cls, rng: random.Random, country: str, city: str, point_name: str | None) -> Route:
        return cls(SENDER_CITY[country], rng.choice(HUB_CITIES[country]), city, point_name)

    def location(self, kind: EventKind) -> str:
        if kind in (EventKind.LABEL, EventKind.COLLECTED, EventKind.RETURNED):
            return self.sender
        if kind in (EventKind.HUB_IN, EventKind.HUB_OUT, EventKind.DELAYED):
            return f"{self.hub} hub"
        if kind in (EventKind.DEPOT, EventKind.DAMAGED, EventKind.ADDRESS_PROBLEM):
            return f"{self.city} depot"
        if kind in (EventKind.AT_POINT, EventKind.PICKED_UP) and self.point_name:
            return f"{self.point_name}, {self.city}"
        return self.city


def minutes(rng: random.Random, low: float, high: float) -> dt.timedelta:
    """A random whole number of seconds between ``low`` and ``high`` minutes."""
    return dt.timedelta(seconds=int(rng.uniform(low * 60, high * 60)))


def history(
    rng: random.Random,
    route: Route,
    *,
    placed_at: dt.datetime,
    middle: Sequence[EventKind],
    ends: Sequence[tuple[EventKind, dt.datetime]],
) -> list[EventPlan] | None:
    """LABEL soon after ``placed_at``, the ``middle`` scans spread up to the first of ``ends``,
    then ``ends`` at their given times. None when ``ends`` leave no room after the order."""
    if not ends:
        return []
    first_end = ends[0][1]
    room = first_end - placed_at
    if room < dt.timedelta(minutes=30) or any(a[1] >= b[1] for a, b in itertools.pairwise(ends)):
        return None
    label_at = placed_at + min(minutes(rng, 20, 300), room / 4)
    span = (first_end - label_at).total_seconds()
    offsets = sorted(rng.uniform(0.05, 0.95) for _ in middle)
    events = [EventPlan(EventKind.LABEL, label_at, route.location(EventKind.LABEL))]
    for kind, offset in zip(middle, offsets, strict=True):
        at = label_at + dt.timedelta(seconds=int(span * offset))
        if at <= events[-1].at:
            at = events[-1].at + dt.timedelta(seconds=1)
        events.append(EventPlan(kind, at, route.location(kind)))
    events.extend(EventPlan(kind, at, route.location(kind)) for kind, at in ends)
    return events
