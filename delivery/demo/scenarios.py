"""The states a demo parcel can be in, and how each one comes about.

A :class:`Story` says what state a parcel is in *now*; its builder picks the dates (promise,
estimate, delivery) and the carrier's scans that lead there, consistent with the carrier's
delivery days and windows, all before ``now``. A builder returns None when the order's time
leaves no room for the story (the caller then draws again).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from delivery.demo.carriers import EventKind
from delivery.demo.pickup_points import PointRecord
from delivery.demo.plans import EventPlan, ShipmentPlan, Window
from delivery.demo.timeline import ONE_DAY, CarrierClock, Route, history, minutes
from delivery.vocabulary import ShipmentStatus


class Story(StrEnum):
    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELAYED = "delayed"
    DAMAGED = "damaged"
    ADDRESS_PROBLEM = "address_problem"
    FAILED_ATTEMPT = "failed_attempt"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED_RECENTLY = "delivered_recently"
    DELIVERED_LONG_AGO = "delivered_long_ago"
    RETURNED_TO_SENDER = "returned_to_sender"
    CANCELLED = "cancelled"  # the order was cancelled before anything shipped


#: How often each story is drawn for a random order (relative weights).
STORY_WEIGHTS: dict[Story, float] = {
    Story.DELIVERED_LONG_AGO: 38,
    Story.DELIVERED_RECENTLY: 20,
    Story.PENDING: 4,
    Story.INFO_RECEIVED: 5,
    Story.IN_TRANSIT: 9,
    Story.OUT_FOR_DELIVERY: 4,
    Story.DELAYED: 4,
    Story.DAMAGED: 1.5,
    Story.ADDRESS_PROBLEM: 1.5,
    Story.FAILED_ATTEMPT: 3,
    Story.READY_FOR_PICKUP: 3,
    Story.RETURNED_TO_SENDER: 2.5,
    Story.CANCELLED: 2.5,
}

#: How long ago (hours) an order in each story was placed.
PLACED_HOURS_AGO: dict[Story, tuple[float, float]] = {
    Story.PENDING: (0.2, 18),
    Story.INFO_RECEIVED: (3, 40),
    Story.IN_TRANSIT: (20, 96),
    Story.OUT_FOR_DELIVERY: (24, 96),
    Story.DELAYED: (72, 168),
    Story.DAMAGED: (48, 144),
    Story.ADDRESS_PROBLEM: (48, 144),
    Story.FAILED_ATTEMPT: (48, 144),
    Story.READY_FOR_PICKUP: (48, 168),
    # Delivered within the 30-day return window, or well outside it.
    Story.DELIVERED_RECENTLY: (72, 26 * 24),
    Story.DELIVERED_LONG_AGO: (40 * 24, 420 * 24),
    Story.RETURNED_TO_SENDER: (15 * 24, 90 * 24),
    Story.CANCELLED: (24, 120 * 24),
}

#: Stories whose parcel may go to a pickup point instead of home (and how often).
POINT_SHARE: dict[Story, float] = {
    Story.READY_FOR_PICKUP: 1.0,
    Story.DELIVERED_RECENTLY: 0.15,
    Story.DELIVERED_LONG_AGO: 0.15,
    Story.PENDING: 0.1,
    Story.INFO_RECEIVED: 0.1,
    Story.IN_TRANSIT: 0.1,
    Story.DELAYED: 0.1,
}

TRANSIT_SCANS = (EventKind.COLLECTED, EventKind.HUB_IN, EventKind.HUB_OUT, EventKind.DEPOT)
LATE_DELIVERY_SHARE = 0.08  # delivered parcels that missed their promise (for on-time stats)


@dataclass(frozen=True)
class Parcel:
    """Everything a builder needs about one parcel."""

    rng: random.Random
    clock: CarrierClock
    route: Route
    placed_at: dt.datetime
    window: Window | None  # the booked home delivery window; None for a pickup point
    point: PointRecord | None
    transit_days: int

    @property
    def now(self) -> dt.datetime:
        return self.clock.now

    @property
    def today(self) -> dt.date:
        return self.clock.today

    @property
    def placed_day(self) -> dt.date:
        return self.clock.local_date(self.placed_at)

    def planned_day(self) -> dt.date:
        """The first delivery day the carrier can manage after the order."""
        return self.clock.next_day(self.placed_day + self.transit_days * ONE_DAY)

    def in_window(self, day: dt.date, window: Window) -> dt.datetime:
        start = self.clock.at(day, window[0])
        length = (self.clock.at(day, window[1]) - start).total_seconds() / 60
        return start + minutes(self.rng, 5, length - 5)

    def morning(self, day: dt.date) -> dt.datetime:
        """The van leaves the depot: 06:00-07:40 local."""
        return self.clock.at(day, dt.time(6)) + minutes(self.rng, 0, 100)

    def plan(
        self,
        status: ShipmentStatus,
        events: list[EventPlan],
        *,
        promised: dt.date,
        eta: dt.date | None,
        delivered_at: dt.datetime | None = None,
    ) -> ShipmentPlan:
        return ShipmentPlan(
            carrier=self.clock.carrier,
            status=status,
            promised_date=promised,
            promised_window=self.window,
            original_promised_date=promised,
            eta_date=eta,
            eta_window=self.window if eta is not None else None,
            delivered_at=delivered_at,
            status_updated_at=events[-1].at if events else self.placed_at,
            events=events,
            pickup_point=self.point,
        )


def _clamp(moment: dt.datetime, low: dt.datetime, high: dt.datetime) -> dt.datetime | None:
    return None if low > high else min(max(moment, low), high)


def _pending(p: Parcel) -> ShipmentPlan | None:
    promised = p.clock.next_day(max(p.planned_day() + ONE_DAY, p.today + ONE_DAY))
    return p.plan(ShipmentStatus.PENDING, [], promised=promised, eta=promised)


def _info_received(p: Parcel) -> ShipmentPlan | None:
    label_at = _clamp(
        p.placed_at + minutes(p.rng, 20, 360), p.placed_at, p.now - minutes(p.rng, 5, 60)
    )
    if label_at is None:
        return None
    events = [EventPlan(EventKind.LABEL, label_at, p.route.location(EventKind.LABEL))]
    promised = p.clock.next_day(max(p.planned_day(), p.today + ONE_DAY))
    return p.plan(ShipmentStatus.INFO_RECEIVED, events, promised=promised, eta=promised)


def _in_transit(p: Parcel) -> ShipmentPlan | None:
    scans = TRANSIT_SCANS[: p.rng.randint(1, len(TRANSIT_SCANS))]
    last_at = p.now - minutes(p.rng, 10, 300)
    events = history(
        p.rng, p.route, placed_at=p.placed_at, middle=scans[:-1], ends=[(scans[-1], last_at)]
    )
    if events is None:
        return None
    promised = p.clock.next_day(max(p.planned_day(), p.today + ONE_DAY))
    return p.plan(ShipmentStatus.IN_TRANSIT, events, promised=promised, eta=promised)


def _out_for_delivery(p: Parcel) -> ShipmentPlan | None:
    if p.point is not None or p.window is None or not p.clock.delivers_on(p.today):
        return None
    # The van is out now, so its window has not ended yet (when one is left today).
    open_windows = [w for w in p.clock.carrier.time_windows if p.clock.at(p.today, w[1]) > p.now]
    if open_windows and p.window not in open_windows:
        p = replace(p, window=p.rng.choice(open_windows))
    out_at = min(p.morning(p.today), p.now - minutes(p.rng, 5, 60))
    events = history(
        p.rng,
        p.route,
        placed_at=p.placed_at,
        middle=TRANSIT_SCANS,
        ends=[(EventKind.OUT_FOR_DELIVERY, out_at)],
    )
    if events is None:
        return None
    return p.plan(ShipmentStatus.OUT_FOR_DELIVERY, events, promised=p.today, eta=p.today)


def _delayed(p: Parcel) -> ShipmentPlan | None:
    promise = p.planned_day()
    eta = p.clock.next_day(max(promise, p.today) + (1 + p.rng.randint(0, 1)) * ONE_DAY)
    noticed = p.clock.at(min(promise, p.today), dt.time(5, 30)) + minutes(p.rng, 0, 210)
    delay_at = _clamp(noticed, p.placed_at + dt.timedelta(hours=18), p.now - minutes(p.rng, 10, 30))
    if delay_at is None:
        return None
    events = history(
        p.rng,
        p.route,
        placed_at=p.placed_at,
        middle=TRANSIT_SCANS[:2],
        ends=[(EventKind.DELAYED, delay_at)],
    )
    if events is None:
        return None
    return p.plan(ShipmentStatus.DELAYED, events, promised=promise, eta=eta)


def _exception(kind: EventKind) -> Callable[[Parcel], ShipmentPlan | None]:
    def build(p: Parcel) -> ShipmentPlan | None:
        if p.point is not None:
            return None
        at = _clamp(
            p.placed_at + minutes(p.rng, 20 * 60, 60 * 60),
            p.placed_at + dt.timedelta(hours=6),
            p.now - minutes(p.rng, 10, 120),
        )
        if at is None:
            return None
        events = history(
            p.rng, p.route, placed_at=p.placed_at, middle=TRANSIT_SCANS, ends=[(kind, at)]
        )
        if events is None:
            return None
        # Nobody can say when it will arrive until the investigation or the customer answers.
        return p.plan(ShipmentStatus.EXCEPTION, events, promised=p.planned_day(), eta=None)

    return build


def _failed_attempt(p: Parcel) -> ShipmentPlan | None:
    if p.window is None:
        return None
    day = p.planned_day()
    attempt_at = p.in_window(day, p.window)
    if day > p.today or attempt_at > p.now - dt.timedelta(minutes=10):
        day = p.clock.previous_day(p.today - ONE_DAY)
        attempt_at = p.in_window(day, p.window)
    if day <= p.placed_day:
        return None
    ends = [(EventKind.OUT_FOR_DELIVERY, p.morning(day)), (EventKind.NOBODY_HOME, attempt_at)]
    events = history(p.rng, p.route, placed_at=p.placed_at, middle=TRANSIT_SCANS, ends=ends)
    if events is None:
        return None
    redelivery = p.clock.next_day(max(day, p.today) + ONE_DAY)
    return p.plan(ShipmentStatus.FAILED_ATTEMPT, events, promised=day, eta=redelivery)


def _ready_for_pickup(p: Parcel) -> ShipmentPlan | None:
    if p.point is None:
        return None
    day = min(p.planned_day(), p.today)
    arrival = p.clock.at(day, dt.time(8)) + minutes(p.rng, 0, 420)
    arrived_at = _clamp(
        arrival, p.placed_at + dt.timedelta(hours=18), p.now - minutes(p.rng, 10, 60)
    )
    if arrived_at is None:
        return None
    events = history(
        p.rng,
        p.route,
        placed_at=p.placed_at,
        middle=TRANSIT_SCANS,
        ends=[(EventKind.AT_POINT, arrived_at)],
    )
    if events is None:
        return None
    arrival_day = p.clock.local_date(arrived_at)
    return p.plan(ShipmentStatus.READY_FOR_PICKUP, events, promised=arrival_day, eta=arrival_day)


def _delivered(p: Parcel) -> ShipmentPlan | None:
    promise = p.planned_day()
    late = p.rng.random() < LATE_DELIVERY_SHARE
    day = p.clock.next_day(promise + ONE_DAY) if late else promise
    ends: list[tuple[EventKind, dt.datetime]] = []
    if late:
        ends.append(
            (EventKind.DELAYED, p.clock.at(promise, dt.time(5, 30)) + minutes(p.rng, 0, 20))
        )
    if p.window is None:  # to a pickup point, collected a few hours or days later
        arrived_at = p.clock.at(day, dt.time(8)) + minutes(p.rng, 0, 420)
        delivered_at = arrived_at + minutes(p.rng, 120, 80 * 60)
        ends += [(EventKind.AT_POINT, arrived_at), (EventKind.PICKED_UP, delivered_at)]
    else:
        delivered_at = p.in_window(day, p.window)
        ends += [(EventKind.OUT_FOR_DELIVERY, p.morning(day)), (EventKind.DELIVERED, delivered_at)]
    if delivered_at > p.now - dt.timedelta(minutes=30):
        return None
    events = history(p.rng, p.route, placed_at=p.placed_at, middle=TRANSIT_SCANS, ends=ends)
    if events is None:
        return None
    return p.plan(
        ShipmentStatus.DELIVERED, events, promised=promise, eta=day, delivered_at=delivered_at
    )


def _returned_to_sender(p: Parcel) -> ShipmentPlan | None:
    if p.window is None:
        return None
    first = p.planned_day()
    if p.rng.random() < 0.3:  # the address could not be found
        problem_at = p.clock.at(first, dt.time(9)) + minutes(p.rng, 0, 360)
        ends = [(EventKind.ADDRESS_PROBLEM, problem_at)]
        last_day = first
    else:  # two attempts, nobody home either time
        second = p.clock.next_day(first + ONE_DAY)
        ends = [
            (EventKind.OUT_FOR_DELIVERY, p.morning(first)),
            (EventKind.NOBODY_HOME, p.in_window(first, p.window)),
            (EventKind.OUT_FOR_DELIVERY, p.morning(second)),
            (EventKind.NOBODY_HOME, p.in_window(second, p.window)),
        ]
        last_day = second
    returned_at = p.clock.at(last_day + p.rng.randint(3, 6) * ONE_DAY, dt.time(10)) + minutes(
        p.rng, 0, 360
    )
    if returned_at > p.now - dt.timedelta(hours=1):
        return None
    ends.append((EventKind.RETURNED, returned_at))
    events = history(p.rng, p.route, placed_at=p.placed_at, middle=TRANSIT_SCANS, ends=ends)
    if events is None:
        return None
    return p.plan(ShipmentStatus.RETURNED_TO_SENDER, events, promised=first, eta=None)


BUILDERS: dict[Story, Callable[[Parcel], ShipmentPlan | None]] = {
    Story.PENDING: _pending,
    Story.INFO_RECEIVED: _info_received,
    Story.IN_TRANSIT: _in_transit,
    Story.OUT_FOR_DELIVERY: _out_for_delivery,
    Story.DELAYED: _delayed,
    Story.DAMAGED: _exception(EventKind.DAMAGED),
    Story.ADDRESS_PROBLEM: _exception(EventKind.ADDRESS_PROBLEM),
    Story.FAILED_ATTEMPT: _failed_attempt,
    Story.READY_FOR_PICKUP: _ready_for_pickup,
    Story.DELIVERED_RECENTLY: _delivered,
    Story.DELIVERED_LONG_AGO: _delivered,
    Story.RETURNED_TO_SENDER: _returned_to_sender,
}


def build_shipment(story: Story, parcel: Parcel) -> ShipmentPlan | None:
    """The parcel's plan for ``story``; None when the story cannot happen to this parcel."""
    return BUILDERS[story](parcel)
