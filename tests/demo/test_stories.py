"""The showcase orders tell exactly the stories the docs promise, whenever the demo is seeded."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from delivery.db.models import Order, Return, Shipment
from delivery.demo.generator import seed_demo
from delivery.demo.showcase import SHOWCASE_ORDERS
from delivery.demo.stories import SHOWCASE_RETURN_REFERENCE
from delivery.normalize import postcode_key
from delivery.services.returns import normalize_reference
from delivery.vocabulary import ReturnStatus, ShipmentStatus
from tests.factories import NOW

MOMENTS = (
    NOW,  # a Monday morning
    dt.datetime(2026, 3, 8, 0, 20, tzinfo=dt.UTC),  # just after midnight on a Sunday
    dt.datetime(2026, 10, 24, 21, 40, tzinfo=dt.UTC),  # Saturday night, clocks go back
)


@pytest.fixture(params=MOMENTS, ids=lambda moment: f"{moment:%a-%H:%M}")
def seeded(request: pytest.FixtureRequest, session: Session) -> tuple[Session, dt.datetime]:
    now: dt.datetime = request.param
    seed_demo(session, now=now, customers=20, orders=40)
    return session, now


def _order(session: Session, number: str) -> Order:
    return session.scalars(
        select(Order)
        .where(Order.number == number)
        .options(
            selectinload(Order.lines),
            selectinload(Order.customer),
            selectinload(Order.shipments).selectinload(Shipment.events),
            selectinload(Order.shipments).selectinload(Shipment.carrier),
        )
    ).one()


def _only(order: Order) -> Shipment:
    assert len(order.shipments) == 1
    return order.shipments[0]


def _today(shipment: Shipment, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(shipment.carrier.timezone)).date()


def _local_date(shipment: Shipment, moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(shipment.carrier.timezone)).date()


def test_showcase_orders_belong_to_their_customers(seeded: tuple[Session, dt.datetime]) -> None:
    session, _ = seeded
    for showcase in SHOWCASE_ORDERS:
        order = _order(session, showcase.number)
        assert order.customer.email == showcase.email
        assert order.customer.name == showcase.customer_name
        assert {s.postcode_key for s in order.shipments} == {postcode_key(showcase.postcode)}
    assert _order(session, "100001").customer_id == _order(session, "100008").customer_id


def test_100001_in_transit_arriving_tomorrow_morning(seeded: tuple[Session, dt.datetime]) -> None:
    session, now = seeded
    shipment = _only(_order(session, "100001"))
    assert shipment.status is ShipmentStatus.IN_TRANSIT
    assert shipment.promised_date == _today(shipment, now) + dt.timedelta(days=1)
    assert shipment.eta_date == shipment.promised_date
    assert (shipment.promised_window_start, shipment.promised_window_end) == (
        dt.time(9),
        dt.time(13),
    )
    assert shipment.carrier.supports_pickup_points


def test_100002_delayed_two_days_past_promise(seeded: tuple[Session, dt.datetime]) -> None:
    session, now = seeded
    shipment = _only(_order(session, "100002"))
    today = _today(shipment, now)
    assert shipment.status is ShipmentStatus.DELAYED
    assert shipment.promised_date == today - dt.timedelta(days=2)
    assert shipment.eta_date is not None and shipment.eta_date > today
    assert shipment.events[-1].status is ShipmentStatus.DELAYED


def test_100003_failed_yesterday_redelivery_tomorrow(seeded: tuple[Session, dt.datetime]) -> None:
    session, now = seeded
    shipment = _only(_order(session, "100003"))
    today = _today(shipment, now)
    attempt = shipment.events[-1]
    assert shipment.status is attempt.status is ShipmentStatus.FAILED_ATTEMPT
    assert _local_date(shipment, attempt.occurred_at) == today - dt.timedelta(days=1)
    assert shipment.eta_date == today + dt.timedelta(days=1)


def test_100004_out_for_delivery_this_afternoon(seeded: tuple[Session, dt.datetime]) -> None:
    session, now = seeded
    shipment = _only(_order(session, "100004"))
    assert shipment.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert shipment.promised_date == _today(shipment, now)
    assert (shipment.promised_window_start, shipment.promised_window_end) == (
        dt.time(13),
        dt.time(18),
    )
    assert shipment.events[-1].occurred_at < now


def test_100005_delivered_five_days_ago_two_of_three_returnable(
    seeded: tuple[Session, dt.datetime],
) -> None:
    session, now = seeded
    order = _order(session, "100005")
    shipment = _only(order)
    assert shipment.status is ShipmentStatus.DELIVERED and shipment.delivered_at is not None
    assert _local_date(shipment, shipment.delivered_at) == _today(shipment, now) - dt.timedelta(
        days=5
    )
    assert [line.returnable for line in order.lines] == [True, True, False]
    assert all(line.shipment_id == shipment.id for line in order.lines)
    assert session.scalars(select(Return).where(Return.order_id == order.id)).all() == []
    assert shipment.carrier.supports_return_pickup


def test_100006_split_one_delivered_one_in_transit(seeded: tuple[Session, dt.datetime]) -> None:
    session, _ = seeded
    order = _order(session, "100006")
    statuses = [shipment.status for shipment in order.shipments]
    assert statuses == [ShipmentStatus.DELIVERED, ShipmentStatus.IN_TRANSIT]
    assert len({shipment.carrier_id for shipment in order.shipments}) == 2
    assert {line.shipment_id for line in order.lines} == {s.id for s in order.shipments}


def test_100007_damaged_at_the_depot(seeded: tuple[Session, dt.datetime]) -> None:
    session, _ = seeded
    shipment = _only(_order(session, "100007"))
    damage = shipment.events[-1]
    assert shipment.status is damage.status is ShipmentStatus.EXCEPTION
    assert damage.description is not None and "damaged" in damage.description
    assert damage.location == "Kraków depot"
    assert shipment.eta_date is None


def test_100008_delivered_last_week_with_pickup_booked(seeded: tuple[Session, dt.datetime]) -> None:
    session, now = seeded
    order = _order(session, "100008")
    shipment = _only(order)
    today = _today(shipment, now)
    assert shipment.status is ShipmentStatus.DELIVERED and shipment.delivered_at is not None
    assert 7 <= (today - _local_date(shipment, shipment.delivered_at)).days <= 8
    booked = session.scalars(
        select(Return).where(Return.order_id == order.id).options(selectinload(Return.lines))
    ).one()
    assert booked.reference == SHOWCASE_RETURN_REFERENCE
    assert booked.status is ReturnStatus.SCHEDULED
    assert booked.pickup_date > today
    assert booked.created_at < now
    assert [line.order_line_id for line in booked.lines] == [order.lines[0].id]


def test_showcase_is_the_same_for_every_seed(session: Session) -> None:
    def showcase_rows() -> list[tuple[object, ...]]:
        savepoint = session.begin_nested()
        seed_demo(session, now=NOW, seed=seed, customers=20, orders=40)
        rows = session.execute(
            select(Order.number, Shipment.tracking_number, Shipment.status, Shipment.promised_date)
            .join(Shipment)
            .where(Order.number.in_([s.number for s in SHOWCASE_ORDERS]))
            .order_by(Shipment.id)
        ).all()
        savepoint.rollback()
        return [tuple(row) for row in rows]

    seed = 1
    first = showcase_rows()
    seed = 2
    assert showcase_rows() == first


def test_the_showcase_return_reference_has_the_format_customers_are_told() -> None:
    assert normalize_reference(SHOWCASE_RETURN_REFERENCE) == SHOWCASE_RETURN_REFERENCE
