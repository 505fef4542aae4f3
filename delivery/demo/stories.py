"""The showcase orders of :mod:`delivery.demo.showcase`, told exactly as their stories say.

Every date is relative to the carrier's local "today" when the generator runs, so "out for
delivery today" stays true whenever the demo is seeded. Nothing here is random: the showcase is
the same for every seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from delivery.demo.carriers import BOREAL, SENDER_CITY, SWIFT, VELOCE, CarrierSpec, EventKind
from delivery.demo.catalogue import CURRENCY_BY_COUNTRY, PRODUCT_BY_SKU
from delivery.demo.plans import (
    CustomerRecord,
    EventPlan,
    LinePlan,
    OrderPlan,
    ReturnPlan,
    ShipmentPlan,
    Window,
)
from delivery.demo.showcase import SHOWCASE_ORDERS, ShowcaseOrder
from delivery.demo.timeline import ONE_DAY, CarrierClock, Route
from delivery.vocabulary import ReturnReason, ReturnStatus, ShipmentStatus

E = EventKind
MORNING: Window = (dt.time(9), dt.time(13))
AFTERNOON: Window = (dt.time(13), dt.time(18))
EVENING: Window = (dt.time(18), dt.time(22))
VELOCE_MIDDAY: Window = (dt.time(12), dt.time(16))

SHOWCASE_RETURN_REFERENCE = "R-RETRN8"  # the format of delivery.services.returns


class _Teller:
    """Builds one showcase order's parcels from local day offsets and clock times."""

    def __init__(self, now: dt.datetime, customer: CustomerRecord) -> None:
        self.now = now
        self.customer = customer

    def clock(self, carrier: CarrierSpec) -> CarrierClock:
        return CarrierClock(carrier, self.now)

    def at(self, carrier: CarrierSpec, day: dt.date, hhmm: str) -> dt.datetime:
        return self.clock(carrier).at(day, dt.time.fromisoformat(hhmm))

    def events(
        self, carrier: CarrierSpec, hub_city: str, steps: list[tuple[E, dt.date, str]]
    ) -> list[EventPlan]:
        home = self.customer.home
        route = Route(SENDER_CITY[home.country], hub_city, home.city)
        return [
            EventPlan(kind, self.at(carrier, day, hhmm), route.location(kind))
            for kind, day, hhmm in steps
        ]

    def shipment(
        self,
        carrier: CarrierSpec,
        status: ShipmentStatus,
        events: list[EventPlan],
        *,
        promised: dt.date,
        window: Window | None,
        eta: dt.date | None,
        lines: list[int],
        delivered_at: dt.datetime | None = None,
    ) -> ShipmentPlan:
        return ShipmentPlan(
            carrier=carrier,
            status=status,
            promised_date=promised,
            promised_window=window,
            original_promised_date=promised,
            eta_date=eta,
            eta_window=window if eta is not None else None,
            delivered_at=delivered_at,
            status_updated_at=events[-1].at,
            events=events,
            line_indexes=lines,
        )

    def order(
        self,
        showcase: ShowcaseOrder,
        placed_at: dt.datetime,
        skus: list[str],
        shipments: list[ShipmentPlan],
    ) -> OrderPlan:
        country = self.customer.city.country
        lines = [LinePlan(PRODUCT_BY_SKU[sku], 1) for sku in skus]
        return OrderPlan(
            showcase.number,
            self.customer,
            placed_at,
            CURRENCY_BY_COUNTRY[country],
            lines,
            shipments,
        )


class _Days:
    """``d(-2)``: the carrier's local date two days before today."""

    def __init__(self, clock: CarrierClock) -> None:
        self.today = clock.today

    def __call__(self, offset: int) -> dt.date:
        return self.today + offset * ONE_DAY


def _days(clock: CarrierClock, offset: int) -> dt.date:
    return _Days(clock)(offset)


def _in_transit_tomorrow(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(SWIFT)
    d = _Days(c)
    events = t.events(
        SWIFT,
        "Birmingham",
        [
            (E.LABEL, d(-2), "15:03"),
            (E.COLLECTED, d(-2), "18:40"),
            (E.HUB_IN, d(-1), "02:15"),
            (E.HUB_OUT, d(-1), "05:50"),
        ],
    )
    parcel = t.shipment(
        SWIFT,
        ShipmentStatus.IN_TRANSIT,
        events,
        promised=d(1),
        window=MORNING,
        eta=d(1),
        lines=[0, 1],
    )
    return t.order(s, t.at(SWIFT, d(-2), "14:12"), ["KNT-MER-GRY", "SCF-WOL-RED"], [parcel])


def _delayed(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(VELOCE)
    d = _Days(c)
    events = t.events(
        VELOCE,
        "Bologna",
        [
            (E.LABEL, d(-6), "11:40"),
            (E.COLLECTED, d(-5), "17:30"),
            (E.HUB_IN, d(-4), "03:10"),
            (E.DELAYED, d(-2), "07:15"),
        ],
    )
    eta = c.next_day(d(1))
    parcel = t.shipment(
        VELOCE,
        ShipmentStatus.DELAYED,
        events,
        promised=d(-2),
        window=VELOCE_MIDDAY,
        eta=eta,
        lines=[0, 1],
    )
    return t.order(s, t.at(VELOCE, d(-6), "10:25"), ["JNS-SLM-IND", "TEE-ORG-WHT"], [parcel])


def _failed_attempt(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(BOREAL)
    d = _Days(c)
    events = t.events(
        BOREAL,
        "Łódź",
        [
            (E.LABEL, d(-4), "10:20"),
            (E.COLLECTED, d(-3), "16:00"),
            (E.HUB_IN, d(-2), "01:30"),
            (E.HUB_OUT, d(-2), "04:10"),
            (E.DEPOT, d(-1), "04:55"),
            (E.OUT_FOR_DELIVERY, d(-1), "12:05"),
            (E.NOBODY_HOME, d(-1), "19:42"),
        ],
    )
    parcel = t.shipment(
        BOREAL,
        ShipmentStatus.FAILED_ATTEMPT,
        events,
        promised=d(-1),
        window=EVENING,
        eta=d(1),
        lines=[0],
    )
    return t.order(s, t.at(BOREAL, d(-4), "09:05"), ["HDP-WLS-BLK"], [parcel])


def _out_for_delivery(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(BOREAL)
    d = _Days(c)
    events = t.events(
        BOREAL,
        "Vantaa",
        [
            (E.LABEL, d(-2), "08:10"),
            (E.COLLECTED, d(-2), "15:30"),
            (E.HUB_IN, d(-2), "19:00"),
            (E.DEPOT, d(-1), "22:40"),
            (E.OUT_FOR_DELIVERY, d(0), "11:20"),
        ],
    )
    # The van left at 11:20, or just before now when the demo is seeded earlier in the day.
    out = events[-1]
    latest = max(
        min(out.at, t.now - dt.timedelta(minutes=5)), events[-2].at + dt.timedelta(minutes=1)
    )
    events[-1] = EventPlan(out.kind, latest, out.location)
    parcel = t.shipment(
        BOREAL,
        ShipmentStatus.OUT_FOR_DELIVERY,
        events,
        promised=d(0),
        window=AFTERNOON,
        eta=d(0),
        lines=[0, 1],
    )
    return t.order(s, t.at(BOREAL, d(-3), "20:47"), ["BAG-BPK-GRN", "BOT-STL-750"], [parcel])


def _delivered_five_days_ago(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(SWIFT)
    d = _Days(c)
    events = t.events(
        SWIFT,
        "Warrington",
        [
            (E.LABEL, d(-8), "20:15"),
            (E.COLLECTED, d(-7), "14:00"),
            (E.HUB_IN, d(-7), "23:10"),
            (E.HUB_OUT, d(-6), "04:30"),
            (E.DEPOT, d(-6), "21:00"),
            (E.OUT_FOR_DELIVERY, d(-5), "07:20"),
            (E.DELIVERED, d(-5), "11:24"),
        ],
    )
    parcel = t.shipment(
        SWIFT,
        ShipmentStatus.DELIVERED,
        events,
        promised=d(-5),
        window=MORNING,
        eta=d(-5),
        lines=[0, 1, 2],
        delivered_at=events[-1].at,
    )
    # The earrings are pierced jewellery: not returnable, the shirt and the belt are.
    return t.order(
        s, t.at(SWIFT, d(-8), "19:30"), ["SHI-LIN-BLU", "BLT-LEA-BRN", "EAR-SLV-HOP"], [parcel]
    )


def _split(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    v, w = t.clock(VELOCE), t.clock(SWIFT)
    day = v.previous_day(_days(v, -2))  # delivered on the carrier's last working day but one
    first = t.events(
        VELOCE,
        "Bologna",
        [
            (E.LABEL, day - 3 * ONE_DAY, "13:30"),
            (E.COLLECTED, day - 2 * ONE_DAY, "10:15"),
            (E.HUB_IN, day - 2 * ONE_DAY, "22:40"),
            (E.DEPOT, day - ONE_DAY, "19:05"),
            (E.OUT_FOR_DELIVERY, day, "07:10"),
            (E.DELIVERED, day, "10:48"),
        ],
    )
    delivered = t.shipment(
        VELOCE,
        ShipmentStatus.DELIVERED,
        first,
        promised=day,
        window=(dt.time(8), dt.time(12)),
        eta=day,
        lines=[0, 1],
        delivered_at=first[-1].at,
    )
    # The sunglasses were back-ordered and left a day ago with the other carrier.
    d = _Days(w)
    second = t.events(
        SWIFT,
        "Verona",
        [(E.LABEL, d(-1), "09:00"), (E.COLLECTED, d(-1), "15:40"), (E.HUB_IN, d(-1), "22:30")],
    )
    promise = w.next_day(d(2))
    moving = t.shipment(
        SWIFT,
        ShipmentStatus.IN_TRANSIT,
        second,
        promised=promise,
        window=AFTERNOON,
        eta=promise,
        lines=[2],
    )
    placed_at = t.at(VELOCE, day - 3 * ONE_DAY, "12:10")
    return t.order(s, placed_at, ["DRS-SUM-FLR", "CAP-BAS-BEI", "SUN-POL-TOR"], [delivered, moving])


def _damaged(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(BOREAL)
    d = _Days(c)
    events = t.events(
        BOREAL,
        "Łódź",
        [
            (E.LABEL, d(-3), "14:30"),
            (E.COLLECTED, d(-2), "09:10"),
            (E.HUB_IN, d(-2), "18:20"),
            (E.HUB_OUT, d(-2), "23:45"),
            (E.DEPOT, d(-1), "05:10"),
            (E.DAMAGED, d(-1), "08:35"),
        ],
    )
    parcel = t.shipment(
        BOREAL,
        ShipmentStatus.EXCEPTION,
        events,
        promised=d(0),
        window=AFTERNOON,
        eta=None,
        lines=[0, 1],
    )
    return t.order(s, t.at(BOREAL, d(-3), "13:00"), ["LMP-DSK-BRS", "MUG-CER-BLU"], [parcel])


def _delivered_with_return(t: _Teller, s: ShowcaseOrder) -> OrderPlan:
    c = t.clock(SWIFT)
    day = c.previous_day(_days(c, -7))
    events = t.events(
        SWIFT,
        "Birmingham",
        [
            (E.LABEL, day - 3 * ONE_DAY, "10:02"),
            (E.COLLECTED, day - 2 * ONE_DAY, "16:45"),
            (E.HUB_IN, day - ONE_DAY, "01:20"),
            (E.DEPOT, day - ONE_DAY, "20:30"),
            (E.OUT_FOR_DELIVERY, day, "07:35"),
            (E.DELIVERED, day, "14:37"),
        ],
    )
    parcel = t.shipment(
        SWIFT,
        ShipmentStatus.DELIVERED,
        events,
        promised=day,
        window=AFTERNOON,
        eta=day,
        lines=[0, 1],
        delivered_at=events[-1].at,
    )
    order = t.order(
        s, t.at(SWIFT, day - 3 * ONE_DAY, "09:15"), ["SNK-RUN-WHT", "SCK-SPT-3PK"], [parcel]
    )
    booked = t.at(SWIFT, _days(c, -1), "20:10")
    order.returns.append(
        ReturnPlan(
            reference=SHOWCASE_RETURN_REFERENCE,
            carrier=SWIFT,
            status=ReturnStatus.SCHEDULED,
            reason=ReturnReason.DOES_NOT_FIT,
            comment="Half a size too small",
            pickup_date=c.next_day(_days(c, 2)),
            pickup_window=MORNING,
            created_at=booked,
            updated_at=booked,
            lines=((0, 1),),
        )
    )
    return order


_TELLERS: dict[str, Callable[[_Teller, ShowcaseOrder], OrderPlan]] = {
    "100001": _in_transit_tomorrow,
    "100002": _delayed,
    "100003": _failed_attempt,
    "100004": _out_for_delivery,
    "100005": _delivered_five_days_ago,
    "100006": _split,
    "100007": _damaged,
    "100008": _delivered_with_return,
}


def showcase_orders(now: dt.datetime, customers: list[CustomerRecord]) -> list[OrderPlan]:
    """The showcase orders, in showcase order, for the customers of :func:`showcase_customers`."""
    by_email = {customer.email: customer for customer in customers}
    return [_TELLERS[s.number](_Teller(now, by_email[s.email]), s) for s in SHOWCASE_ORDERS]
