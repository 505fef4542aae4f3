"""Order lookups: by typed number, a customer's recent orders, and re-checked button payloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from delivery.db.models import Order
from delivery.services.orders import customer_order, find_order, orders_of_customer
from delivery.services.tracking import order_tracking
from delivery.vocabulary import ShipmentStatus
from tests import factories
from tests.factories import NOW


@pytest.mark.parametrize("typed", ["#SO-100 234", "so100234", " SO 100234 ", "#so-100-234"])
def test_find_order_by_the_number_however_typed(session: Session, typed: str) -> None:
    order = factories.order(session, number="#SO-100234")
    factories.order(session, number="#SO-100235")
    assert find_order(session, typed) is order


@pytest.mark.parametrize("typed", ["SO100236", "", "  #  "])
def test_unknown_or_empty_numbers_find_nothing(session: Session, typed: str) -> None:
    factories.order(session, number="#SO-100234")
    assert find_order(session, typed) is None


def test_orders_of_customer_newest_first_and_limited(session: Session) -> None:
    buyer = factories.customer(session)
    placed = [NOW - dt.timedelta(days=d) for d in (5, 1, 3, 2)]
    orders = [factories.order(session, customer_=buyer, placed_at=at) for at in placed]
    factories.order(session)  # someone else's
    newest_first = sorted(orders, key=lambda o: o.placed_at, reverse=True)
    assert orders_of_customer(session, buyer.id) == newest_first
    assert orders_of_customer(session, buyer.id, limit=2) == newest_first[:2]


def test_orders_of_a_customer_without_orders(session: Session) -> None:
    assert orders_of_customer(session, factories.customer(session).id) == []


def test_customer_order_only_for_its_owner(session: Session) -> None:
    ada, eve = factories.customer(session), factories.customer(session)
    order = factories.order(session, customer_=ada)
    assert customer_order(session, ada.id, order.id) is order
    assert customer_order(session, eve.id, order.id) is None
    assert customer_order(session, ada.id, order.id + 1000) is None


# --- query count ------------------------------------------------------------------------------


@contextmanager
def counting_statements(session: Session) -> Iterator[list[str]]:
    """Every SQL statement the session's connection executes inside the block."""
    statements: list[str] = []
    connection = session.connection()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _big_order(session: Session, *, shipments: int, lines_each: int, events_each: int) -> Order:
    order = factories.order(session, lines=shipments * lines_each + 1)  # one line unshipped
    lines = list(order.lines)
    carrier = factories.carrier(session)
    point = factories.pickup_point(session, carrier)
    for s in range(shipments):
        shipment = factories.shipment(
            session,
            order,
            carrier_=carrier,
            line_ids=[line.id for line in lines[s * lines_each : (s + 1) * lines_each]],
            pickup_point_id=point.id if s == 0 else None,
            # A problem makes tracking ask the change rules, which read the shipment's order.
            status=ShipmentStatus.DELAYED if s == shipments - 1 else ShipmentStatus.IN_TRANSIT,
        )
        for e in range(events_each):
            factories.tracking_event(
                session,
                shipment,
                status=ShipmentStatus.IN_TRANSIT,
                occurred_at=NOW - dt.timedelta(hours=events_each - e),
            )
    return order


def _statements_for_tracking(session: Session, number: str) -> int:
    session.expunge_all()  # nothing cached: every row comes from the database
    with counting_statements(session) as statements:
        found = find_order(session, number)
        assert found is not None
        tracking = order_tracking(session, found, now=NOW)
    assert tracking.has_problem  # the whole story was really built
    return len(statements)


def test_lookup_and_tracking_take_few_queries_whatever_the_order_size(session: Session) -> None:
    small = _big_order(session, shipments=1, lines_each=1, events_each=1)
    large = _big_order(session, shipments=3, lines_each=4, events_each=25)
    small_count = _statements_for_tracking(session, small.number)
    large_count = _statements_for_tracking(session, large.number)
    # order + customer + lines, shipments + carrier + pickup point, events
    assert small_count == large_count == 3


def test_customer_order_loads_the_tracking_story_up_front(session: Session) -> None:
    order = _big_order(session, shipments=2, lines_each=2, events_each=3)
    customer_id, order_id = order.customer_id, order.id
    session.expunge_all()
    with counting_statements(session) as statements:
        found = customer_order(session, customer_id, order_id)
        assert found is not None
        order_tracking(session, found, now=NOW)
    assert len(statements) == 3
