"""The simulation clock's work: each tick moves a few parcels one scan on, sometimes with trouble.

A parcel follows its route (label, collected, hubs, depot, out for delivery, delivered; or the
pickup point's ending). On the way it may be delayed or meet an exception (damaged, address
problem: afterwards it is returned to the sender or goes on), and out for delivery it may find
nobody home (tried again the next delivery day; after two failures it waits at the nearest
pickup point). Every choice comes from one ``random.Random(seed)`` over parcels in a stable
order, so the same seed, world and times give the same story. Frozen parcels (the showcase's)
are never moved.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zlib
from collections import deque
from dataclasses import dataclass

from delivery.demo.carriers import (
    EVENT_DESCRIPTION,
    HUB_CITIES,
    SENDER_CITY,
    CarrierSpec,
    EventKind,
)
from delivery.demo.timeline import ONE_DAY, Route
from delivery.vocabulary import ShipmentStatus
from democarrier.model import Estimate, Parcel, SimEvent, World
from democarrier.points import nearest_point

E = EventKind
#: Scans in the carrier's network, where delays and exceptions happen.
_IN_NETWORK = frozenset({E.LABEL, E.COLLECTED, E.HUB_IN, E.HUB_OUT, E.DEPOT})
_EXCEPTIONS = (E.DAMAGED, E.ADDRESS_PROBLEM)
#: After this many failed attempts the parcel waits at the nearest pickup point.
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class Rules:
    """How many parcels a tick moves, and how likely each kind of trouble is per step."""

    moves_per_tick: int = 4
    delay: float = 0.06  # in the network: delayed, new estimate
    exception: float = 0.03  # in the network: damaged or an address problem
    failed_attempt: float = 0.2  # out for delivery: nobody home
    returned_after_exception: float = 0.25  # after an exception: sent back instead of going on


@dataclass(frozen=True)
class Change:
    """One new event of one parcel, as it goes out in a webhook."""

    parcel: Parcel
    event: SimEvent
    before: ShipmentStatus
    after: ShipmentStatus
    eta: Estimate | None


class FrozenParcel(Exception):
    """The showcase's parcels keep the story the README tells."""


class Simulator:
    """Moves the world's parcels; ``first_event_number`` starts the carriers' event ids."""

    def __init__(
        self, world: World, *, rules: Rules | None = None, seed: int = 42, first_event_number: int
    ) -> None:
        self.world = world
        self.rules = rules or Rules()
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible demo, not a secret
        self._numbers = itertools.count(first_event_number)
        self.ticks = 0
        self.recent: deque[Change] = deque(maxlen=20)

    def tick(self, now: dt.datetime) -> list[Change]:
        """Move up to ``moves_per_tick`` parcels one step each."""
        self.ticks += 1
        movable = self.world.movable()
        chosen = self.rng.sample(movable, min(self.rules.moves_per_tick, len(movable)))
        return [self.step(parcel, now) for parcel in chosen]

    def step(self, parcel: Parcel, now: dt.datetime) -> Change:
        """The parcel's next event (trouble included, as the dice say)."""
        self._check(parcel)
        return self.inject(parcel, self._next_kind(parcel), now)

    def inject(self, parcel: Parcel, kind: EventKind, now: dt.datetime) -> Change:
        """Record ``kind`` for the parcel now, and bring its estimate up to date."""
        self._check(parcel)
        before = parcel.status
        if kind is E.AT_POINT and parcel.point_name is None:
            parcel.point_name = self._point_for(parcel)
        last = parcel.last
        at = now.astimezone(dt.UTC).replace(microsecond=0)
        if last is not None and at <= last.occurred_at:
            at = last.occurred_at + dt.timedelta(seconds=1)  # a parcel's events never tie
        event = SimEvent(
            event_id=_event_id(parcel.carrier, next(self._numbers)),
            code=parcel.carrier.raw_codes[kind],
            kind=kind,
            description=EVENT_DESCRIPTION[kind],
            location=_route(parcel).location(kind),
            occurred_at=at,
        )
        parcel.events.append(event)
        if kind is E.NOBODY_HOME:
            parcel.failed_attempts += 1
        parcel.eta = self._estimate(parcel, kind, at)
        change = Change(parcel, event, before, parcel.status, parcel.eta)
        self.recent.append(change)
        return change

    def _check(self, parcel: Parcel) -> None:
        if parcel.frozen:
            raise FrozenParcel(f"{parcel.tracking_number} is a showcase parcel")
        if parcel.finished:
            raise ValueError(f"{parcel.tracking_number} is already {parcel.status.value}")

    def _next_kind(self, parcel: Parcel) -> EventKind:
        position, last = parcel.position, parcel.last
        if position is None or last is None:
            return E.LABEL
        roll = self.rng.random()  # one roll per step, used or not: a stable sequence
        if last.kind in _EXCEPTIONS:
            return E.RETURNED if roll < self.rules.returned_after_exception else _next(parcel)
        if last.kind is E.NOBODY_HOME:
            gone_to_point = parcel.failed_attempts >= MAX_ATTEMPTS
            return E.AT_POINT if gone_to_point and self._point_for(parcel) else E.OUT_FOR_DELIVERY
        if last.kind is E.OUT_FOR_DELIVERY:
            return E.NOBODY_HOME if roll < self.rules.failed_attempt else E.DELIVERED
        if position in _IN_NETWORK and last.kind is not E.DELAYED:
            if roll < self.rules.delay:
                return E.DELAYED
            if roll < self.rules.delay + self.rules.exception:
                return self.rng.choice(_EXCEPTIONS)
        return _next(parcel)

    def _estimate(self, parcel: Parcel, kind: EventKind, at: dt.datetime) -> Estimate | None:
        carrier = parcel.carrier
        today = at.astimezone(carrier.zone).date()
        window = (parcel.eta.window if parcel.eta else None) or carrier.time_windows[0]
        if kind in (E.DAMAGED, E.ADDRESS_PROBLEM, E.AT_POINT, E.RETURNED) or parcel.finished:
            return None  # under investigation, waiting for the customer, or over
        if kind is E.OUT_FOR_DELIVERY:
            return Estimate(today, *window)
        if kind is E.NOBODY_HOME:
            return Estimate(_delivery_day(carrier, today + ONE_DAY), *window)
        if kind is E.DELAYED:
            base = max(parcel.eta.date if parcel.eta else today, today)
            later = base + self.rng.choice((1, 2)) * ONE_DAY
            return Estimate(_delivery_day(carrier, later), *window)
        if parcel.eta is None or parcel.eta.date < today:
            return Estimate(_delivery_day(carrier, today + ONE_DAY), *window)
        return parcel.eta

    def _point_for(self, parcel: Parcel) -> str | None:
        point = nearest_point(self.world.points.get(parcel.carrier.code, []), parcel)
        return point.name if point is not None else None


def _next(parcel: Parcel) -> EventKind:
    """The scan after the parcel's position on its route."""
    route = parcel.route
    position = parcel.position
    if position not in route:  # e.g. taken to a point after failed attempts
        return E.PICKED_UP if position is E.AT_POINT else route[-1]
    return route[min(route.index(position) + 1, len(route) - 1)]


def _delivery_day(carrier: CarrierSpec, day: dt.date) -> dt.date:
    while day.isoweekday() not in carrier.weekdays:
        day += ONE_DAY
    return day


def _route(parcel: Parcel) -> Route:
    hubs = HUB_CITIES.get(parcel.country) or (parcel.city,)
    hub = hubs[zlib.crc32(parcel.tracking_number.encode()) % len(hubs)]  # same hub every scan
    sender = SENDER_CITY.get(parcel.country, parcel.city)
    return Route(sender, hub, parcel.city, parcel.point_name)


def _event_id(carrier: CarrierSpec, number: int) -> str:
    """Boreal numbers its events; Swift's ids are text."""
    return str(number) if carrier.code == "boreal" else f"evt_demo_{number}"
