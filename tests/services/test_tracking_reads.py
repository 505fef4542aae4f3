"""The Core read path tells exactly the story the ORM path tells, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from delivery.db.models import Order, Shipment
from delivery.services.orders import find_order
from delivery.services.tracking import OrderTracking, order_tracking
from delivery.services.tracking_reads import load_order_record, track_order_number
from delivery.vocabulary import OrderStatus, ShipmentStatus
from tests import factories
from tests.factories import NOW
from tests.services.test_orders import _big_order, counting_statements

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _orm(session: Session, number: str, now: dt.datetime = NOW) -> OrderTracking:
    session.expire_all()
    found = find_order(session, number)
    assert found is not None
    return order_tracking(session, found, now=now)


def _core(session: Session, number: str, now: dt.datetime = NOW) -> OrderTracking:
    session.expunge_all()  # nothing cached: every value comes from the database
    tracked = track_order_number(session, number, now=now)
    assert tracked is not None
    return tracked


def _event(session: Session, shipment: Shipment, status: ShipmentStatus, at: dt.datetime) -> None:
    factories.tracking_event(
        session,
        shipment,
        status=status,
        raw_code=status.value.upper(),
        description=f"{status.value} happened",
        location="Leeds depot",
        occurred_at=at,
        recorded_at=at,
    )


# --- orders in every kind of state --------------------------------------------------------------


def split_shipments(session: Session) -> Order:
    order = factories.order(session, lines=4)
    lines = list(order.lines)
    first = factories.shipment(session, order, line_ids=[lines[0].id, lines[1].id])
    second = factories.shipment(
        session, order, line_ids=[lines[2].id], status=ShipmentStatus.OUT_FOR_DELIVERY
    )
    _event(session, first, ShipmentStatus.INFO_RECEIVED, NOW - 2 * DAY)
    _event(session, first, ShipmentStatus.IN_TRANSIT, NOW - DAY)
    _event(session, second, ShipmentStatus.IN_TRANSIT, NOW - DAY)
    _event(session, second, ShipmentStatus.OUT_FOR_DELIVERY, NOW - HOUR)
    return order  # the fourth line is still being prepared


def pickup_point(session: Session) -> Order:
    carrier = factories.carrier(session, tracking_url_template=None)
    point = factories.pickup_point(session, carrier)
    order = factories.order(session, lines=2)
    shipment = factories.shipment(
        session,
        order,
        carrier_=carrier,
        pickup_point_id=point.id,
        status=ShipmentStatus.READY_FOR_PICKUP,
        status_updated_at=NOW - 3 * HOUR,
    )
    _event(session, shipment, ShipmentStatus.IN_TRANSIT, NOW - DAY)
    _event(session, shipment, ShipmentStatus.READY_FOR_PICKUP, NOW - 3 * HOUR)
    return order


def failed_attempt(session: Session) -> Order:
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        status=ShipmentStatus.FAILED_ATTEMPT,
        promised_date=(NOW - DAY).date(),
        eta_date=(NOW + DAY).date(),
    )
    _event(session, shipment, ShipmentStatus.OUT_FOR_DELIVERY, NOW - DAY - 4 * HOUR)
    _event(session, shipment, ShipmentStatus.FAILED_ATTEMPT, NOW - DAY)
    return order


def held_at_depot(session: Session) -> Order:
    order = factories.order(session)
    shipment = factories.shipment(session, order, status=ShipmentStatus.READY_FOR_PICKUP)
    _event(session, shipment, ShipmentStatus.FAILED_ATTEMPT, NOW - DAY)
    _event(session, shipment, ShipmentStatus.READY_FOR_PICKUP, NOW - 2 * HOUR)
    return order


def delayed(session: Session) -> Order:
    carrier = factories.carrier(session, timezone="America/New_York")
    order = factories.order(session)
    shipment = factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.DELAYED,
        promised_date=NOW.date(),
        eta_date=(NOW + 2 * DAY).date(),
        eta_window_start=None,
        eta_window_end=None,
    )
    _event(session, shipment, ShipmentStatus.DELAYED, NOW - 2 * HOUR)
    return order


def running_late_without_news(session: Session) -> Order:
    order = factories.order(session)
    factories.shipment(session, order, promised_date=(NOW - 2 * DAY).date(), eta_date=None)
    return order


def delivered(session: Session) -> Order:
    order = factories.order(session)
    shipment = factories.shipment(
        session, order, status=ShipmentStatus.DELIVERED, delivered_at=NOW - 5 * HOUR
    )
    _event(session, shipment, ShipmentStatus.OUT_FOR_DELIVERY, NOW - 8 * HOUR)
    _event(session, shipment, ShipmentStatus.DELIVERED, NOW - 5 * HOUR)
    return order


def exception_and_return(session: Session) -> Order:
    order = factories.order(session, lines=2)
    lines = list(order.lines)
    lost = factories.shipment(
        session, order, line_ids=[lines[0].id], status=ShipmentStatus.EXCEPTION
    )
    back = factories.shipment(
        session, order, line_ids=[lines[1].id], status=ShipmentStatus.RETURNED_TO_SENDER
    )
    _event(session, lost, ShipmentStatus.EXCEPTION, NOW - 6 * HOUR)
    _event(session, back, ShipmentStatus.RETURNED_TO_SENDER, NOW - 6 * HOUR)
    return order


def no_shipments_yet(session: Session) -> Order:
    return factories.order(session, lines=3)


def no_lines(session: Session) -> Order:
    return factories.order(session, lines=0, customer_=factories.customer(session, name=" "))


def cancelled(session: Session) -> Order:
    order = factories.order(session, lines=2, status=OrderStatus.CANCELLED)
    factories.shipment(session, order, line_ids=[order.lines[0].id])
    return order


ORDERS: list[Callable[[Session], Order]] = [
    split_shipments,
    pickup_point,
    failed_attempt,
    held_at_depot,
    delayed,
    running_late_without_news,
    delivered,
    exception_and_return,
    no_shipments_yet,
    no_lines,
    cancelled,
]


@pytest.mark.parametrize("make", ORDERS, ids=[make.__name__ for make in ORDERS])
def test_core_path_tells_the_same_story_as_the_orm_path(
    session: Session, make: Callable[[Session], Order]
) -> None:
    number = make(session).number
    for now in (NOW, NOW + 3 * DAY):  # also once the promises are in the past
        assert _core(session, number, now) == _orm(session, number, now)


def test_the_stories_really_differ_between_orders(session: Session) -> None:
    # Guards the equality test: two different orders must not compare equal.
    first, second = split_shipments(session), delayed(session)
    assert _core(session, first.number) != _core(session, second.number)
    assert _core(session, first.number).has_problem is False
    assert _core(session, second.number).has_problem is True


def test_the_record_holds_aware_utc_datetimes(session: Session) -> None:
    number = delivered(session).number
    session.expunge_all()
    record = load_order_record(session, number)
    assert record is not None
    [shipment] = record.shipments
    moments = [record.placed_at, shipment.status_updated_at, shipment.delivered_at]
    moments += [event.occurred_at for event in shipment.events]
    assert all(m is not None and m.utcoffset() == dt.timedelta(0) for m in moments)


def test_the_number_is_found_however_it_was_typed(session: Session) -> None:
    order = factories.order(session, number="#100 777")
    assert _core(session, " 100777 ").order_id == order.id


@pytest.mark.parametrize("number", ["#999999", "", "  #  "])
def test_an_unknown_number_is_none(session: Session, number: str) -> None:
    factories.order(session)
    assert track_order_number(session, number, now=NOW) is None


def test_no_orm_objects_are_built(session: Session) -> None:
    number = split_shipments(session).number
    session.expunge_all()
    track_order_number(session, number, now=NOW)
    assert len(session.identity_map) == 0


def _statements(session: Session, number: str) -> int:
    session.expunge_all()
    with counting_statements(session) as statements:
        assert track_order_number(session, number, now=NOW) is not None
    return len(statements)


def test_the_core_path_takes_a_fixed_number_of_queries(session: Session) -> None:
    small = _big_order(session, shipments=1, lines_each=1, events_each=1)
    large = _big_order(session, shipments=3, lines_each=4, events_each=25)
    nothing_shipped = no_shipments_yet(session)
    # order + customer + lines, then shipments + carrier + pickup point + events
    assert _statements(session, small.number) == _statements(session, large.number) == 2
    assert _statements(session, nothing_shipped.number) == 2
    assert _core(session, large.number) == _orm(session, large.number)


def test_only_the_owner_s_order_is_found_when_a_customer_is_given(session: Session) -> None:
    order = factories.order(session, number="100778")
    stranger = factories.customer(session, email="someone.else@example.com")
    owner_view = track_order_number(session, "100778", now=NOW, customer_id=order.customer_id)
    assert owner_view is not None
    assert owner_view.order_id == order.id
    assert track_order_number(session, "100778", now=NOW, customer_id=stranger.id) is None
