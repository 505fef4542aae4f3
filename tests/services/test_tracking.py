"""An order's tracking story: timeline, dates, lateness, problems and what comes next."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from delivery.db.models import Order, Shipment
from delivery.services.orders import find_order
from delivery.services.problems import CustomerOption, DeliveryDate, NextStep, ProblemKind
from delivery.services.tracking import (
    EventInfo,
    Item,
    OrderTracking,
    PickupPointInfo,
    ShipmentTracking,
    TimelineStep,
    order_tracking,
)
from delivery.vocabulary import OrderStatus, PickupPointKind, ShipmentStatus, TimelineStage
from tests import factories
from tests.factories import NOW

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
TODAY = NOW.date()  # Monday 2 March 2026; London is on UTC in March
ALL_OPTIONS = (
    CustomerOption.RESCHEDULE,
    CustomerOption.PICKUP_POINT,
    CustomerOption.TALK_TO_PERSON,
)
ONLY_A_PERSON = (CustomerOption.TALK_TO_PERSON,)


def _track(session: Session, order: Order, *, now: dt.datetime = NOW) -> OrderTracking:
    """Track ``order`` as the assistant would: looked up afresh by its number."""
    session.expire_all()
    found = find_order(session, order.number)
    assert found is not None
    return order_tracking(session, found, now=now)


def _one(session: Session, order: Order, *, now: dt.datetime = NOW) -> ShipmentTracking:
    [shipment] = _track(session, order, now=now).shipments
    return shipment


def _event(
    session: Session,
    shipment: Shipment,
    status: ShipmentStatus,
    at: dt.datetime,
    description: str | None = None,
    location: str | None = None,
) -> None:
    factories.tracking_event(
        session,
        shipment,
        status=status,
        raw_code=status.value.upper(),
        description=description,
        location=location,
        occurred_at=at,
        recorded_at=at,
    )


def _reached(tracked: ShipmentTracking) -> list[tuple[TimelineStage, bool, bool]]:
    return [(step.stage, step.reached, step.current) for step in tracked.timeline]


# --- the everyday answer ----------------------------------------------------------------------


def test_parcel_in_transit(session: Session) -> None:
    buyer = factories.customer(session, name="Ada Lovelace")
    carrier = factories.carrier(session, code="royalmail", name="Royal Mail")
    order = factories.order(session, customer_=buyer, number="#100234", lines=2)
    shipment = factories.shipment(session, order, carrier_=carrier, tracking_number="RM123GB")
    _event(session, shipment, ShipmentStatus.INFO_RECEIVED, NOW - 2 * DAY, "Label created")
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - 20 * HOUR, "At hub", "Leeds")
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - 5 * HOUR, "On its way", "London")

    tracking = _track(session, order)

    assert tracking.order_id == order.id
    assert tracking.order_number == "#100234"
    assert tracking.order_status is OrderStatus.OPEN
    assert tracking.placed_at == order.placed_at
    assert tracking.customer_first_name == "Ada"
    assert tracking.preparing == ()
    assert tracking.stage is TimelineStage.IN_TRANSIT
    assert not tracking.has_problem
    [tracked] = tracking.shipments
    assert (tracked.carrier_code, tracked.carrier_name) == ("royalmail", "Royal Mail")
    assert tracked.tracking_number == "RM123GB"
    assert tracked.tracking_url == "https://track.example/RM123GB"
    assert tracked.status is ShipmentStatus.IN_TRANSIT
    assert tracked.stage is TimelineStage.IN_TRANSIT
    assert tracked.timeline == (
        TimelineStep(TimelineStage.ORDERED, True, False, order.placed_at),
        TimelineStep(TimelineStage.SHIPPED, True, False, NOW - DAY),
        TimelineStep(TimelineStage.IN_TRANSIT, True, True, NOW - 20 * HOUR),
        TimelineStep(TimelineStage.OUT_FOR_DELIVERY, False, False, None),
        TimelineStep(TimelineStage.DELIVERED, False, False, None),
    )
    promised = DeliveryDate(TODAY + 2 * DAY, dt.time(9), dt.time(13))
    assert (tracked.promised, tracked.eta) == (promised, promised)
    assert tracked.delivered_at is None
    assert tracked.pickup_point is None
    assert [item.name for item in tracked.items] == ["Item 1", "Item 2"]
    assert tracked.items[0] == Item(order.lines[0].id, "Item 1", 1)
    assert (tracked.is_late, tracked.days_late, tracked.problem) == (False, 0, None)
    assert tracked.events[0] == EventInfo(
        ShipmentStatus.IN_TRANSIT, "IN_TRANSIT", "On its way", "London", NOW - 5 * HOUR
    )
    assert [e.occurred_at for e in tracked.events] == [
        NOW - 5 * HOUR,
        NOW - 20 * HOUR,
        NOW - 2 * DAY,
    ]


def test_the_story_is_immutable_and_nothing_is_written(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.DELAYED)
    tracking = _track(session, order)
    assert not session.new and not session.dirty and not session.deleted
    with pytest.raises(dataclasses.FrozenInstanceError):
        tracking.stage = TimelineStage.DELIVERED  # type: ignore[misc]


@pytest.mark.parametrize(
    ("status", "shipped", "earlier_event", "stage"),
    [
        (ShipmentStatus.PENDING, False, None, TimelineStage.ORDERED),
        (ShipmentStatus.INFO_RECEIVED, False, None, TimelineStage.ORDERED),
        (ShipmentStatus.INFO_RECEIVED, True, None, TimelineStage.SHIPPED),
        (ShipmentStatus.IN_TRANSIT, True, None, TimelineStage.IN_TRANSIT),
        (ShipmentStatus.OUT_FOR_DELIVERY, True, None, TimelineStage.OUT_FOR_DELIVERY),
        (ShipmentStatus.READY_FOR_PICKUP, True, None, TimelineStage.OUT_FOR_DELIVERY),
        (ShipmentStatus.DELIVERED, True, None, TimelineStage.DELIVERED),
        (ShipmentStatus.FAILED_ATTEMPT, True, None, TimelineStage.OUT_FOR_DELIVERY),
        # Problem statuses keep the stage reached so far.
        (ShipmentStatus.DELAYED, True, None, TimelineStage.SHIPPED),
        (ShipmentStatus.DELAYED, False, None, TimelineStage.ORDERED),
        (ShipmentStatus.EXCEPTION, True, ShipmentStatus.IN_TRANSIT, TimelineStage.IN_TRANSIT),
        (
            ShipmentStatus.RETURNED_TO_SENDER,
            True,
            ShipmentStatus.OUT_FOR_DELIVERY,
            TimelineStage.OUT_FOR_DELIVERY,
        ),
    ],
)
def test_stage_for_each_status(
    session: Session,
    status: ShipmentStatus,
    shipped: bool,
    earlier_event: ShipmentStatus | None,
    stage: TimelineStage,
) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        status=status,
        shipped_at=NOW - DAY if shipped else None,
        delivered_at=NOW - HOUR if status is ShipmentStatus.DELIVERED else None,
    )
    if earlier_event is not None:
        _event(session, shipment, earlier_event, NOW - 10 * HOUR)
    _event(session, shipment, status, NOW - HOUR)
    tracked = _one(session, order)
    assert tracked.stage is stage
    furthest = list(TimelineStage).index(stage)
    assert _reached(tracked) == [
        (step, i <= furthest, i == furthest) for i, step in enumerate(TimelineStage)
    ]


def test_earlier_stages_count_as_reached_without_a_time(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.OUT_FOR_DELIVERY, shipped_at=None)
    tracked = _one(session, order)
    assert [(s.stage, s.reached, s.at) for s in tracked.timeline[1:4]] == [
        (TimelineStage.SHIPPED, True, None),
        (TimelineStage.IN_TRANSIT, True, None),
        (TimelineStage.OUT_FOR_DELIVERY, True, None),
    ]


def test_out_for_delivery_time_is_the_latest_run(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(session, order, status=ShipmentStatus.OUT_FOR_DELIVERY)
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - 2 * DAY)
    _event(session, shipment, ShipmentStatus.OUT_FOR_DELIVERY, NOW - DAY - 2 * HOUR)
    _event(session, shipment, ShipmentStatus.FAILED_ATTEMPT, NOW - DAY + 4 * HOUR)
    _event(session, shipment, ShipmentStatus.OUT_FOR_DELIVERY, NOW - 2 * HOUR)
    tracked = _one(session, order)
    times = {step.stage: step.at for step in tracked.timeline}
    assert times[TimelineStage.IN_TRANSIT] == NOW - 2 * DAY
    assert times[TimelineStage.OUT_FOR_DELIVERY] == NOW - 2 * HOUR


# --- orders with several shipments, or none yet -----------------------------------------------


def test_split_shipments_and_items_still_preparing(session: Session) -> None:
    order = factories.order(session, lines=4)
    first, second, third, fourth = order.lines
    delivered = factories.shipment(
        session,
        order,
        line_ids=[first.id],
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - DAY,
        promised_date=TODAY - DAY,
    )
    moving = factories.shipment(session, order, line_ids=[second.id, third.id])
    tracking = _track(session, order)
    assert [s.shipment_id for s in tracking.shipments] == [delivered.id, moving.id]
    assert [s.stage for s in tracking.shipments] == [
        TimelineStage.DELIVERED,
        TimelineStage.IN_TRANSIT,
    ]
    assert [[i.line_id for i in s.items] for s in tracking.shipments] == [
        [first.id],
        [second.id, third.id],
    ]
    assert tracking.preparing == (Item(fourth.id, "Item 4", 1),)
    assert tracking.stage is TimelineStage.ORDERED  # something has not even left yet


def test_order_stage_is_the_least_advanced_shipment(session: Session) -> None:
    order = factories.order(session, lines=2)
    first, second = order.lines
    factories.shipment(session, order, line_ids=[first.id], status=ShipmentStatus.OUT_FOR_DELIVERY)
    factories.shipment(session, order, line_ids=[second.id], status=ShipmentStatus.IN_TRANSIT)
    tracking = _track(session, order)
    assert tracking.preparing == ()
    assert tracking.stage is TimelineStage.IN_TRANSIT


def test_order_without_shipments_is_being_prepared(session: Session) -> None:
    order = factories.order(session, lines=2)
    tracking = _track(session, order)
    assert tracking.shipments == ()
    assert [item.name for item in tracking.preparing] == ["Item 1", "Item 2"]
    assert tracking.stage is TimelineStage.ORDERED
    assert not tracking.has_problem


def test_cancelled_order_prepares_nothing_and_offers_no_changes(session: Session) -> None:
    order = factories.order(session, lines=2, status=OrderStatus.CANCELLED)
    factories.shipment(session, order, line_ids=[order.lines[0].id], status=ShipmentStatus.DELAYED)
    tracking = _track(session, order)
    assert tracking.order_status is OrderStatus.CANCELLED
    assert tracking.preparing == ()
    problem = tracking.shipments[0].problem
    assert problem is not None
    assert problem.options == ONLY_A_PERSON


# --- delivered, on time or late ---------------------------------------------------------------


def test_delivered_on_time(session: Session) -> None:
    order = factories.order(session)
    delivered_at = NOW - 3 * HOUR
    factories.shipment(
        session,
        order,
        status=ShipmentStatus.DELIVERED,
        promised_date=TODAY,
        delivered_at=delivered_at,
    )
    tracked = _one(session, order)
    assert tracked.stage is TimelineStage.DELIVERED
    assert tracked.timeline[-1] == TimelineStep(TimelineStage.DELIVERED, True, True, delivered_at)
    assert tracked.delivered_at == delivered_at
    assert (tracked.is_late, tracked.days_late, tracked.problem) == (False, 0, None)


def test_delivered_late_counts_as_late(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(
        session,
        order,
        status=ShipmentStatus.DELIVERED,
        promised_date=TODAY - 3 * DAY,
        delivered_at=NOW - DAY,
    )
    tracked = _one(session, order)
    assert (tracked.is_late, tracked.days_late) == (True, 2)
    assert tracked.problem is None  # the journey is over: nothing comes next


def test_lateness_uses_the_carriers_local_date(session: Session) -> None:
    # 10:00 UTC on 2 March is 23:00 on 2 March in Auckland (UTC+13); an hour later it is
    # 3 March there while still 2 March in UTC.
    carrier = factories.carrier(session, timezone="Pacific/Auckland")
    order = factories.order(session)
    factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.OUT_FOR_DELIVERY,
        promised_date=TODAY,
        eta_date=TODAY,
    )
    assert _one(session, order, now=NOW).is_late is False
    later = _one(session, order, now=NOW + HOUR)
    assert (later.is_late, later.days_late) == (True, 1)
    assert later.problem is not None and later.problem.kind is ProblemKind.DELAYED


def test_delivered_after_local_midnight_is_late(session: Session) -> None:
    carrier = factories.carrier(session, timezone="Pacific/Auckland")
    order = factories.order(session)
    factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.DELIVERED,
        promised_date=TODAY,
        delivered_at=NOW + 2 * HOUR,  # 2 March in UTC, 3 March in Auckland
    )
    tracked = _one(session, order, now=NOW + 3 * HOUR)
    assert (tracked.is_late, tracked.days_late) == (True, 1)


# --- problems ---------------------------------------------------------------------------------


def test_eta_past_the_promise_is_a_delay_even_in_transit(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        promised_date=TODAY + DAY,
        eta_date=TODAY + 3 * DAY,
        eta_window_start=dt.time(13),
        eta_window_end=dt.time(18),
    )
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - 3 * HOUR, "Missed trunk", "Leeds")
    tracking = _track(session, order)
    [tracked] = tracking.shipments
    assert tracking.has_problem
    assert (tracked.is_late, tracked.days_late) == (True, 2)
    problem = tracked.problem
    assert problem is not None
    assert problem.kind is ProblemKind.DELAYED
    assert problem.next_step is NextStep.NEW_ETA_GIVEN
    assert problem.promised_date == TODAY + DAY
    assert problem.eta == DeliveryDate(TODAY + 3 * DAY, dt.time(13), dt.time(18))
    assert problem.days_late == 2
    assert (problem.happened_at, problem.description, problem.location) == (
        NOW - 3 * HOUR,
        "Missed trunk",
        "Leeds",
    )
    assert problem.options == ALL_OPTIONS


def test_delayed_by_the_carrier_with_a_new_eta(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        status=ShipmentStatus.DELAYED,
        promised_date=TODAY + DAY,
        eta_date=TODAY + 2 * DAY,
    )
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - DAY, "At hub", "Leeds")
    _event(session, shipment, ShipmentStatus.DELAYED, NOW - 2 * HOUR, "Storm Eowyn", "M6")
    problem = _one(session, order).problem
    assert problem is not None
    assert (problem.kind, problem.next_step) == (ProblemKind.DELAYED, NextStep.NEW_ETA_GIVEN)
    assert (problem.happened_at, problem.description, problem.location) == (
        NOW - 2 * HOUR,
        "Storm Eowyn",
        "M6",
    )
    assert problem.days_late == 1


def test_delayed_without_a_new_date_awaits_the_carrier(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.DELAYED)  # ETA = promise
    tracked = _one(session, order)
    assert tracked.is_late is False
    assert tracked.problem is not None
    assert tracked.problem.next_step is NextStep.AWAITING_CARRIER_UPDATE
    # No event: the status change is what happened, and when.
    assert tracked.problem.happened_at == NOW - 5 * HOUR
    assert tracked.problem.description is None


def test_promised_day_passed_without_news_is_late_from_today(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order, promised_date=TODAY - 3 * DAY, eta_date=TODAY - 3 * DAY)
    tracked = _one(session, order)
    assert (tracked.is_late, tracked.days_late) == (True, 3)
    assert tracked.problem is not None
    assert tracked.problem.kind is ProblemKind.DELAYED
    assert tracked.problem.next_step is NextStep.AWAITING_CARRIER_UPDATE


def test_on_the_promised_day_it_is_not_late_yet(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order, promised_date=TODAY, eta_date=TODAY)
    tracked = _one(session, order)
    assert (tracked.is_late, tracked.problem) == (False, None)


def test_failed_attempt_with_redelivery(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        status=ShipmentStatus.FAILED_ATTEMPT,
        promised_date=TODAY,
        eta_date=TODAY + DAY,
    )
    _event(session, shipment, ShipmentStatus.OUT_FOR_DELIVERY, NOW - 3 * HOUR, "With courier")
    _event(session, shipment, ShipmentStatus.FAILED_ATTEMPT, NOW - HOUR, "Nobody home", "Door")
    tracked = _one(session, order)
    assert tracked.stage is TimelineStage.OUT_FOR_DELIVERY
    assert tracked.timeline[3] == TimelineStep(
        TimelineStage.OUT_FOR_DELIVERY, True, True, NOW - 3 * HOUR
    )
    problem = tracked.problem
    assert problem is not None
    assert (problem.kind, problem.next_step) == (
        ProblemKind.FAILED_ATTEMPT,
        NextStep.REDELIVERY_SCHEDULED,
    )
    assert (problem.happened_at, problem.description, problem.location) == (
        NOW - HOUR,
        "Nobody home",
        "Door",
    )
    assert problem.eta is not None and problem.eta.date == TODAY + DAY
    assert problem.days_late == 1
    assert problem.options == ALL_OPTIONS


def test_failed_attempt_without_a_new_date_awaits_the_carrier(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session, order, status=ShipmentStatus.FAILED_ATTEMPT, promised_date=TODAY, eta_date=TODAY
    )
    _event(session, shipment, ShipmentStatus.FAILED_ATTEMPT, NOW - HOUR, "Nobody home")
    problem = _one(session, order).problem
    assert problem is not None
    assert problem.next_step is NextStep.AWAITING_CARRIER_UPDATE


def test_held_at_the_depot_after_a_failed_attempt(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session, order, status=ShipmentStatus.READY_FOR_PICKUP, promised_date=TODAY - DAY
    )
    _event(session, shipment, ShipmentStatus.FAILED_ATTEMPT, NOW - DAY, "Nobody home")
    _event(session, shipment, ShipmentStatus.READY_FOR_PICKUP, NOW - 3 * HOUR, "Held", "Depot")
    tracked = _one(session, order)
    problem = tracked.problem
    assert problem is not None
    assert (problem.kind, problem.next_step) == (
        ProblemKind.FAILED_ATTEMPT,
        NextStep.COLLECT_FROM_DEPOT,
    )
    assert (problem.description, problem.location) == ("Held", "Depot")
    assert problem.options == ONLY_A_PERSON  # it is waiting: nothing to reschedule
    assert (tracked.is_late, tracked.days_late) == (True, 1)  # it reached the depot today


def test_exception_is_being_investigated(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(session, order, status=ShipmentStatus.EXCEPTION)
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - DAY)
    _event(session, shipment, ShipmentStatus.EXCEPTION, NOW - HOUR, "Parcel damaged", "Leeds")
    tracked = _one(session, order)
    assert tracked.stage is TimelineStage.IN_TRANSIT
    problem = tracked.problem
    assert problem is not None
    assert (problem.kind, problem.next_step) == (
        ProblemKind.EXCEPTION,
        NextStep.CARRIER_INVESTIGATING,
    )
    assert (problem.description, problem.location) == ("Parcel damaged", "Leeds")
    assert problem.options == ONLY_A_PERSON


def test_returned_to_sender(session: Session) -> None:
    order = factories.order(session)
    shipment = factories.shipment(
        session, order, status=ShipmentStatus.RETURNED_TO_SENDER, promised_date=TODAY - 5 * DAY
    )
    _event(session, shipment, ShipmentStatus.RETURNED_TO_SENDER, NOW - DAY, "Refused")
    tracked = _one(session, order)
    assert (tracked.is_late, tracked.days_late) == (False, 0)
    assert tracked.problem is not None
    assert tracked.problem.kind is ProblemKind.RETURNED_TO_SENDER
    assert tracked.problem.next_step is NextStep.RETURN_TO_SHOP
    assert tracked.problem.options == ONLY_A_PERSON


def test_late_out_for_delivery_cannot_be_changed(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(
        session,
        order,
        status=ShipmentStatus.OUT_FOR_DELIVERY,
        promised_date=TODAY - DAY,
        eta_date=TODAY,
    )
    problem = _one(session, order).problem
    assert problem is not None
    assert problem.kind is ProblemKind.DELAYED
    assert problem.options == ONLY_A_PERSON


def test_no_pickup_point_option_when_the_carrier_has_none(session: Session) -> None:
    carrier = factories.carrier(session, supports_pickup_points=False)
    order = factories.order(session)
    factories.shipment(session, order, carrier_=carrier, status=ShipmentStatus.DELAYED)
    problem = _one(session, order).problem
    assert problem is not None
    assert problem.options == (CustomerOption.RESCHEDULE, CustomerOption.TALK_TO_PERSON)


# --- pickup points ----------------------------------------------------------------------------


def test_chosen_pickup_point_is_shown_and_home_delivery_cannot_be_moved(session: Session) -> None:
    carrier = factories.carrier(session)
    point = factories.pickup_point(
        session,
        carrier,
        code="PP-LOCKER-1",
        kind=PickupPointKind.LOCKER,
        name="Victoria locker",
        street="1 Station Rd",
        postcode="SW1V 1JU",
        city="London",
    )
    order = factories.order(session)
    factories.shipment(
        session,
        order,
        carrier_=carrier,
        pickup_point_id=point.id,
        status=ShipmentStatus.DELAYED,
        eta_date=TODAY + 4 * DAY,
    )
    tracked = _one(session, order)
    assert tracked.pickup_point == PickupPointInfo(
        "PP-LOCKER-1",
        PickupPointKind.LOCKER,
        "Victoria locker",
        "1 Station Rd",
        "SW1V 1JU",
        "London",
    )
    assert tracked.problem is not None
    # Another pickup point may still be chosen; there is no doorstep window to move.
    assert tracked.problem.options == (
        CustomerOption.PICKUP_POINT,
        CustomerOption.TALK_TO_PERSON,
    )


@pytest.mark.parametrize(("arrived_on", "days_late"), [(TODAY - DAY, 0), (TODAY, 1)])
def test_waiting_at_the_chosen_point_is_late_only_if_it_arrived_late(
    session: Session, arrived_on: dt.date, days_late: int
) -> None:
    carrier = factories.carrier(session)
    point = factories.pickup_point(session, carrier)
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        carrier_=carrier,
        pickup_point_id=point.id,
        status=ShipmentStatus.READY_FOR_PICKUP,
        promised_date=TODAY - DAY,
    )
    arrived_at = dt.datetime.combine(arrived_on, dt.time(8), tzinfo=dt.UTC)
    _event(session, shipment, ShipmentStatus.READY_FOR_PICKUP, arrived_at, "Ready", point.name)
    tracked = _one(session, order)
    assert tracked.stage is TimelineStage.OUT_FOR_DELIVERY
    assert tracked.days_late == days_late
    assert tracked.problem is None  # it is there: the customer can collect it


def test_days_waiting_at_the_point_before_collection_are_not_lateness(session: Session) -> None:
    carrier = factories.carrier(session)
    point = factories.pickup_point(session, carrier)
    order = factories.order(session)
    arrived_at = dt.datetime.combine(TODAY - 4 * DAY, dt.time(8), tzinfo=dt.UTC)
    shipment = factories.shipment(
        session,
        order,
        carrier_=carrier,
        pickup_point_id=point.id,
        status=ShipmentStatus.DELIVERED,
        promised_date=TODAY - 4 * DAY,
        delivered_at=arrived_at + 3 * DAY,  # collected three days after it arrived on time
    )
    _event(session, shipment, ShipmentStatus.READY_FOR_PICKUP, arrived_at, "Ready", point.name)
    assert _one(session, order).days_late == 0
