"""Random demo orders: what was bought, which story each parcel is in, splits and returns."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable

from delivery.demo.carriers import CarrierSpec, carriers_for
from delivery.demo.catalogue import CURRENCY_BY_COUNTRY, PRODUCTS, Product
from delivery.demo.pickup_points import PointRecord
from delivery.demo.plans import CustomerRecord, LinePlan, OrderPlan, ShipmentPlan
from delivery.demo.returns import ReferenceBook, booked_return
from delivery.demo.scenarios import (
    PLACED_HOURS_AGO,
    POINT_SHARE,
    STORY_WEIGHTS,
    Parcel,
    Story,
    build_shipment,
)
from delivery.demo.timeline import CarrierClock, Route
from delivery.vocabulary import OrderStatus, ShipmentStatus

LINE_COUNT_WEIGHTS = {1: 40, 2: 30, 3: 20, 4: 10}
SPLIT_SHARE = 0.35  # of orders with two or more lines: sent as two parcels
RETURN_SHARE = {Story.DELIVERED_RECENTLY: 0.15, Story.DELIVERED_LONG_AGO: 0.1}
TRANSIT_DAYS = (1, 2, 2, 3)
_TRIES = 4
#: Stories a second parcel may be in when it travels apart from the first.
_ACTIVE = frozenset(
    {
        Story.PENDING,
        Story.INFO_RECEIVED,
        Story.IN_TRANSIT,
        Story.OUT_FOR_DELIVERY,
        Story.DELAYED,
        Story.DAMAGED,
        Story.ADDRESS_PROBLEM,
        Story.FAILED_ATTEMPT,
        Story.READY_FOR_PICKUP,
    }
)
_STORIES = tuple(STORY_WEIGHTS)
_STORY_WEIGHTS = tuple(STORY_WEIGHTS.values())


class OrderFactory:
    """Draws random orders for given customers; one instance per generation run."""

    def __init__(
        self,
        rng: random.Random,
        now: dt.datetime,
        points: Iterable[PointRecord],
        references: ReferenceBook,
    ) -> None:
        self.rng = rng
        self.now = now
        self.references = references
        self._clocks: dict[str, CarrierClock] = {}
        self._points: dict[tuple[str, str], list[PointRecord]] = defaultdict(list)
        for point in points:
            if point.active and not point.full:
                self._points[point.carrier_code, point.city].append(point)

    def clock(self, carrier: CarrierSpec) -> CarrierClock:
        if carrier.code not in self._clocks:
            self._clocks[carrier.code] = CarrierClock(carrier, self.now)
        return self._clocks[carrier.code]

    def random_order(self, number: str, customer: CustomerRecord) -> OrderPlan:
        rng = self.rng
        story = rng.choices(_STORIES, weights=_STORY_WEIGHTS)[0]
        currency = CURRENCY_BY_COUNTRY[customer.city.country]
        lines = self._lines()
        for attempt in range(_TRIES * 2):
            if attempt == _TRIES:
                story = (
                    Story.IN_TRANSIT
                )  # e.g. nothing is out for delivery on the carrier's day off
            placed_at = self._placed_at(story)
            if story is Story.CANCELLED:
                return OrderPlan(
                    number, customer, placed_at, currency, lines, [], status=OrderStatus.CANCELLED
                )
            carrier = rng.choice(carriers_for(customer.city.country))
            first = self._shipment(story, carrier, customer, placed_at)
            if first is not None:
                break
        else:  # pragma: no cover - in transit always fits its own time range
            raise RuntimeError(f"no plan for order {number}")
        order = OrderPlan(number, customer, placed_at, currency, lines, [first])
        self._maybe_split(order, story, first)
        self._maybe_return(order, story)
        return order

    def ready_at_point(
        self, number: str, customer: CustomerRecord, point: PointRecord
    ) -> OrderPlan:
        """An order waiting at ``point`` (used to fill the points meant to be full)."""
        carrier = next(
            c for c in carriers_for(customer.city.country) if c.code == point.carrier_code
        )
        for _ in range(_TRIES * 4):
            placed_at = self._placed_at(Story.READY_FOR_PICKUP)
            parcel = self._parcel(carrier, customer, placed_at, point)
            shipment = build_shipment(Story.READY_FOR_PICKUP, parcel)
            if shipment is not None:
                lines = self._lines()
                shipment.line_indexes = list(range(len(lines)))
                currency = CURRENCY_BY_COUNTRY[customer.city.country]
                return OrderPlan(number, customer, placed_at, currency, lines, [shipment])
        raise RuntimeError(f"no ready-for-pickup plan for order {number}")  # pragma: no cover

    def _lines(self) -> list[LinePlan]:
        count = self.rng.choices(
            tuple(LINE_COUNT_WEIGHTS), weights=tuple(LINE_COUNT_WEIGHTS.values())
        )[0]
        products: list[Product] = self.rng.sample(PRODUCTS, count)
        return [
            LinePlan(p, 1 if self.rng.random() < 0.85 else self.rng.randint(2, 3)) for p in products
        ]

    def _placed_at(self, story: Story) -> dt.datetime:
        low, high = PLACED_HOURS_AGO[story]
        ago = dt.timedelta(seconds=int(self.rng.uniform(low, high) * 3600))
        return (self.now - ago).replace(microsecond=0)

    def _parcel(
        self,
        carrier: CarrierSpec,
        customer: CustomerRecord,
        placed_at: dt.datetime,
        point: PointRecord | None,
    ) -> Parcel:
        rng = self.rng
        window = None if point is not None else rng.choice(carrier.time_windows)
        route = Route.to(
            rng, customer.city.country, customer.city.name, point.name if point else None
        )
        return Parcel(
            rng, self.clock(carrier), route, placed_at, window, point, rng.choice(TRANSIT_DAYS)
        )

    def _shipment(
        self, story: Story, carrier: CarrierSpec, customer: CustomerRecord, placed_at: dt.datetime
    ) -> ShipmentPlan | None:
        point = None
        candidates = self._points.get((carrier.code, customer.city.name))
        if candidates and self.rng.random() < POINT_SHARE.get(story, 0.0):
            point = self.rng.choice(candidates)
        return build_shipment(story, self._parcel(carrier, customer, placed_at, point))

    def _maybe_split(self, order: OrderPlan, story: Story, first: ShipmentPlan) -> None:
        count = len(order.lines)
        first.line_indexes = list(range(count))
        if count < 2 or self.rng.random() >= SPLIT_SHARE:
            return
        carriers = carriers_for(order.customer.city.country)
        carrier = self.rng.choice(carriers) if len(carriers) > 1 else first.carrier
        second_story = story
        if story in _ACTIVE and self.rng.random() < 0.5:
            second_story = Story.DELIVERED_RECENTLY  # the first half already arrived
        second = self._shipment(second_story, carrier, order.customer, order.placed_at)
        if second is None and second_story is not story:
            second = self._shipment(story, carrier, order.customer, order.placed_at)
        if second is None:
            return
        cut = self.rng.randint(1, count - 1)
        first.line_indexes, second.line_indexes = list(range(cut)), list(range(cut, count))
        order.shipments.append(second)

    def _maybe_return(self, order: OrderPlan, story: Story) -> None:
        if self.rng.random() >= RETURN_SHARE.get(story, 0.0):
            return
        for shipment in order.shipments:
            if shipment.status is ShipmentStatus.DELIVERED:
                plan = booked_return(
                    self.rng, self.clock(shipment.carrier), shipment, order.lines, self.references
                )
                if plan is not None:
                    order.returns.append(plan)
                    return
