"""The schema round-trips the domain's values on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from delivery.db.models import Order, Shipment
from delivery.vocabulary import ShipmentStatus
from tests import factories


def test_timestamps_come_back_aware_and_in_utc(session: Session) -> None:
    rome = dt.timezone(dt.timedelta(hours=1))
    placed = dt.datetime(2026, 1, 5, 9, 30, tzinfo=rome)
    order = factories.order(session, placed_at=placed)
    session.expire_all()
    loaded = session.get(Order, order.id)
    assert loaded is not None
    assert loaded.placed_at == placed
    assert loaded.placed_at.tzinfo == dt.UTC


def test_naive_timestamps_are_refused(session: Session) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        factories.order(session, placed_at=dt.datetime(2026, 1, 5, 9, 30))


def test_order_numbers_are_unique_by_key(session: Session) -> None:
    factories.order(session, number="#A-100")
    with pytest.raises(IntegrityError):
        factories.order(session, number="a100")


def test_shipment_status_round_trips_as_enum(session: Session) -> None:
    order = factories.order(session, lines=2)
    shipment = factories.shipment(session, order, status=ShipmentStatus.DELAYED)
    session.expire_all()
    loaded = session.scalars(select(Shipment).where(Shipment.id == shipment.id)).one()
    assert loaded.status is ShipmentStatus.DELAYED
    assert [line.shipment_id for line in loaded.order.lines] == [shipment.id, shipment.id]
