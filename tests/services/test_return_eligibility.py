"""Which order lines can be returned, how many units, and until when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from delivery.db.models import Carrier, Order
from delivery.services.return_eligibility import (
    IneligibilityReason,
    LineEligibility,
    line_eligibility,
)
from delivery.vocabulary import OrderStatus, ReturnStatus, ShipmentStatus
from tests import factories
from tests.factories import NOW

WINDOW = 30


def delivered_order(
    session: Session,
    *,
    quantities: tuple[int, ...] = (1,),
    delivered_at: dt.datetime = NOW - dt.timedelta(days=3),
    carrier: Carrier | None = None,
) -> Order:
    """An order whose lines (with these quantities) were all delivered at ``delivered_at``."""
    order = factories.order(session, lines=len(quantities))
    for line, quantity in zip(order.lines, quantities, strict=True):
        line.quantity = quantity
    factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.DELIVERED,
        delivered_at=delivered_at,
        status_updated_at=delivered_at,
    )
    return order


def eligibility(session: Session, order: Order, now: dt.datetime = NOW) -> list[LineEligibility]:
    return line_eligibility(session, order, now=now, return_window_days=WINDOW)


def test_a_delivered_line_is_eligible_with_its_window(session: Session) -> None:
    order = delivered_order(session, quantities=(3,))
    line = order.lines[0]

    [result] = eligibility(session, order)

    assert result == LineEligibility(
        line_id=line.id,
        line_ref=line.line_ref,
        name=line.name,
        quantity=3,
        returnable_quantity=3,
        eligible=True,
        reason=None,
        window_closes_on=dt.date(2026, 3, 29),  # delivered 27 February, plus 30 days
    )


def test_a_line_in_a_shipment_not_yet_delivered_is_not_eligible(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.OUT_FOR_DELIVERY)

    [result] = eligibility(session, order)

    assert not result.eligible
    assert result.reason is IneligibilityReason.NOT_DELIVERED
    assert result.window_closes_on is None


def test_a_line_without_a_shipment_is_not_delivered(session: Session) -> None:
    order = factories.order(session, lines=2)
    factories.shipment(
        session,
        order,
        line_ids=[order.lines[0].id],
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=1),
    )

    shipped, unshipped = eligibility(session, order)

    assert shipped.eligible
    assert unshipped.reason is IneligibilityReason.NOT_DELIVERED


def test_a_line_the_shop_does_not_take_back_is_not_returnable(session: Session) -> None:
    order = delivered_order(session)
    order.lines[0].returnable = False

    [result] = eligibility(session, order)

    assert result.reason is IneligibilityReason.NOT_RETURNABLE
    assert not result.eligible


def test_the_window_is_open_on_its_last_day_and_closed_the_day_after(session: Session) -> None:
    last_day = delivered_order(session, delivered_at=NOW - dt.timedelta(days=WINDOW))
    day_after = delivered_order(session, delivered_at=NOW - dt.timedelta(days=WINDOW + 1))

    [open_] = eligibility(session, last_day)
    [closed] = eligibility(session, day_after)

    assert open_.eligible
    assert open_.window_closes_on == NOW.date()
    assert closed.reason is IneligibilityReason.WINDOW_CLOSED
    assert closed.window_closes_on == NOW.date() - dt.timedelta(days=1)


def test_the_window_counts_local_days_in_the_carriers_timezone(session: Session) -> None:
    helsinki = factories.carrier(session, timezone="Europe/Helsinki")  # UTC+2 in March
    # 22:30 UTC on 30 January is already 31 January in Helsinki.
    order = delivered_order(
        session, delivered_at=dt.datetime(2026, 1, 30, 22, 30, tzinfo=dt.UTC), carrier=helsinki
    )

    [result] = eligibility(session, order)

    assert result.window_closes_on == dt.date(2026, 3, 2)
    assert result.eligible  # NOW is 2 March, the last day
    [later] = eligibility(session, order, now=dt.datetime(2026, 3, 2, 21, 59, tzinfo=dt.UTC))
    assert later.eligible  # 23:59 in Helsinki
    [closed] = eligibility(session, order, now=dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC))
    assert closed.reason is IneligibilityReason.WINDOW_CLOSED  # midnight in Helsinki


def test_a_delivered_shipment_without_a_timestamp_counts_from_its_status_change(
    session: Session,
) -> None:
    order = factories.order(session)
    factories.shipment(
        session,
        order,
        status=ShipmentStatus.DELIVERED,
        delivered_at=None,
        status_updated_at=NOW - dt.timedelta(days=WINDOW + 1),
    )

    [result] = eligibility(session, order)

    assert result.reason is IneligibilityReason.WINDOW_CLOSED


def test_units_in_returns_are_no_longer_returnable(session: Session) -> None:
    order = delivered_order(session, quantities=(3,))
    line_id = order.lines[0].id

    factories.return_(session, order, items={line_id: 2})
    [partly] = eligibility(session, order)
    factories.return_(session, order, items={line_id: 1}, status=ReturnStatus.REFUNDED)
    [fully] = eligibility(session, order)

    assert (partly.eligible, partly.returnable_quantity) == (True, 1)
    assert (fully.eligible, fully.returnable_quantity) == (False, 0)
    assert fully.reason is IneligibilityReason.ALREADY_RETURNED


def test_cancelled_returns_free_their_units(session: Session) -> None:
    order = delivered_order(session, quantities=(2,))
    factories.return_(session, order, status=ReturnStatus.CANCELLED)

    [result] = eligibility(session, order)

    assert (result.eligible, result.returnable_quantity) == (True, 2)


def test_returns_of_other_orders_do_not_count(session: Session) -> None:
    order = delivered_order(session, quantities=(2,))
    other = delivered_order(session, quantities=(2,))
    factories.return_(session, other)

    [result] = eligibility(session, order)

    assert result.returnable_quantity == 2


def test_a_cancelled_order_has_nothing_eligible(session: Session) -> None:
    order = delivered_order(session, quantities=(1, 2))
    order.status = OrderStatus.CANCELLED

    results = eligibility(session, order)

    assert [r.eligible for r in results] == [False, False]
    assert {r.reason for r in results} == {IneligibilityReason.ORDER_CANCELLED}


def test_each_line_is_judged_on_its_own_shipment(session: Session) -> None:
    order = factories.order(session, lines=3)
    first, second, third = order.lines
    third.returnable = False
    factories.shipment(
        session,
        order,
        line_ids=[first.id, third.id],
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=2),
    )
    factories.shipment(session, order, line_ids=[second.id], status=ShipmentStatus.IN_TRANSIT)

    results = eligibility(session, order)

    assert [r.line_id for r in results] == [first.id, second.id, third.id]
    assert [r.reason for r in results] == [
        None,
        IneligibilityReason.NOT_DELIVERED,
        IneligibilityReason.NOT_RETURNABLE,
    ]
