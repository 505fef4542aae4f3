"""The demo generator: deterministic, complete (every state), and internally consistent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from delivery.db.models import (
    Customer,
    Order,
    OrderLine,
    PickupPoint,
    Return,
    ReturnLine,
    Shipment,
)
from delivery.demo.carriers import CARRIER_BY_CODE, EVENT_STATUS
from delivery.demo.catalogue import CURRENCY_BY_COUNTRY
from delivery.demo.generator import DatabaseNotEmpty, DemoSummary, seed_demo
from delivery.normalize import email_key, order_number_key, phone_key, postcode_key
from delivery.vocabulary import OrderStatus, ReturnStatus, ShipmentStatus
from tests import factories
from tests.demo import table_digest
from tests.factories import NOW

SMALL_CUSTOMERS, SMALL_ORDERS = 50, 150


def _seeded_digest(session: Session, *, seed: int = 42, batch_rows: int = 5000) -> str:
    """Seed a small demo inside a savepoint, digest it, and roll it back."""
    savepoint = session.begin_nested()
    seed_demo(
        session,
        now=NOW,
        seed=seed,
        batch_rows=batch_rows,
        customers=SMALL_CUSTOMERS,
        orders=SMALL_ORDERS,
    )
    digest = table_digest(session)
    savepoint.rollback()
    return digest


def test_same_seed_and_now_give_identical_rows(session: Session) -> None:
    assert _seeded_digest(session, seed=7) == _seeded_digest(session, seed=7)


def test_another_seed_gives_other_rows(session: Session) -> None:
    assert _seeded_digest(session, seed=7) != _seeded_digest(session, seed=8)


def test_batch_size_does_not_change_the_rows(session: Session) -> None:
    assert _seeded_digest(session, batch_rows=37) == _seeded_digest(session, batch_rows=5000)


def test_refuses_a_database_that_has_orders(session: Session) -> None:
    factories.order(session)
    with pytest.raises(DatabaseNotEmpty):
        seed_demo(session, now=NOW, customers=SMALL_CUSTOMERS, orders=SMALL_ORDERS)


def test_refuses_naive_now(session: Session) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        seed_demo(
            session, now=NOW.replace(tzinfo=None), customers=SMALL_CUSTOMERS, orders=SMALL_ORDERS
        )


def test_ids_continue_after_seeding_on_both_backends(session: Session) -> None:
    seed_demo(session, now=NOW, customers=SMALL_CUSTOMERS, orders=SMALL_ORDERS)
    # On PostgreSQL the sequences were moved past the generator's own ids.
    order = factories.order(session, number="T-1")
    largest = session.scalar(select(func.max(Order.id)))
    assert order.id == largest and order.id > SMALL_ORDERS


def test_default_size_counts(demo_summary: DemoSummary) -> None:
    rows = demo_summary.rows
    assert rows["customers"] == 1000
    assert rows["orders"] == 3000
    assert rows["carriers"] == 3
    assert rows["pickup_points"] >= 200
    assert rows["shipments"] > 3000
    assert rows["tracking_events"] > 5 * rows["orders"]


def test_every_shipment_status_is_present(demo_summary: DemoSummary) -> None:
    assert set(demo_summary.shipment_statuses) == {status.value for status in ShipmentStatus}
    assert min(demo_summary.shipment_statuses.values()) >= 10


def test_cancelled_orders_have_no_shipments(demo: Session) -> None:
    cancelled = demo.scalars(
        select(Order)
        .where(Order.status == OrderStatus.CANCELLED)
        .options(selectinload(Order.shipments))
    ).all()
    assert len(cancelled) >= 10
    assert all(order.shipments == [] for order in cancelled)


def test_returns_in_every_life_stage(demo_summary: DemoSummary, demo: Session) -> None:
    assert {"scheduled", "collected", "refunded"} <= set(demo_summary.return_statuses)
    for booked in demo.scalars(select(Return).options(selectinload(Return.lines))):
        assert booked.lines
        assert booked.created_at <= NOW and booked.updated_at <= NOW
        if booked.status is ReturnStatus.SCHEDULED:
            assert booked.pickup_date >= NOW.date()
    in_returns = demo.scalars(select(OrderLine).join(ReturnLine)).all()
    assert all(line.returnable for line in in_returns)


def test_split_orders_with_two_carriers_and_with_two_parcels(demo: Session) -> None:
    carriers_per_split = demo.execute(
        select(Shipment.order_id, func.count(), func.count(func.distinct(Shipment.carrier_id)))
        .group_by(Shipment.order_id)
        .having(func.count() > 1)
    ).all()
    assert any(carriers == 2 for _, _, carriers in carriers_per_split)
    assert any(carriers == 1 for _, _, carriers in carriers_per_split)


def test_some_lines_are_not_returnable(demo: Session) -> None:
    counts = Counter(demo.scalars(select(OrderLine.returnable)))
    assert counts[False] > 100 and counts[True] > counts[False]


def test_deliveries_inside_and_outside_the_return_window(demo: Session) -> None:
    delivered = demo.scalars(
        select(Shipment.delivered_at).where(Shipment.delivered_at.is_not(None))
    ).all()
    assert any(NOW - at < dt.timedelta(days=30) for at in delivered if at)
    assert any(NOW - at > dt.timedelta(days=60) for at in delivered if at)


def test_shipment_histories_are_consistent(demo: Session) -> None:
    _check_histories(demo, NOW)


#: Awkward moments to seed at: a Sunday just after midnight (Swift's day off), the night the
#: clocks go forward in Europe, the night they go back, late on New Year's Eve.
ODD_MOMENTS = (
    dt.datetime(2026, 3, 8, 0, 20, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 0, 50, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 22, 55, tzinfo=dt.UTC),
)


@pytest.mark.parametrize("now", ODD_MOMENTS, ids=lambda moment: f"{moment:%Y-%m-%dT%H:%M}")
def test_histories_are_consistent_whenever_seeded(session: Session, now: dt.datetime) -> None:
    seed_demo(session, now=now, customers=60, orders=400)
    _check_histories(session, now)


def _check_histories(session: Session, now: dt.datetime) -> None:
    shipments = session.scalars(
        select(Shipment).options(selectinload(Shipment.events), selectinload(Shipment.carrier))
    ).all()
    assert shipments
    for shipment in shipments:
        _check_history(shipment, now)


def _check_history(shipment: Shipment, now: dt.datetime) -> None:
    events = shipment.events
    status = shipment.status
    spec = CARRIER_BY_CODE[shipment.carrier.code]
    today = now.astimezone(ZoneInfo(spec.timezone)).date()
    times = [event.occurred_at for event in events]
    assert times == sorted(times) and len(set(times)) == len(times), shipment.id
    assert all(
        at < now and event.recorded_at <= now for at, event in zip(times, events, strict=True)
    )
    kind_of_code = {code: kind for kind, code in spec.raw_codes.items()}
    assert all(EVENT_STATUS[kind_of_code[event.raw_code]] is event.status for event in events)
    if status is ShipmentStatus.PENDING:
        assert events == [] and shipment.promised_date > today
        return
    assert events[0].status is ShipmentStatus.INFO_RECEIVED
    assert events[-1].status is status, shipment.id
    assert shipment.status_updated_at == events[-1].occurred_at
    assert (shipment.delivered_at is not None) == (status is ShipmentStatus.DELIVERED)
    if shipment.delivered_at is not None:
        assert shipment.delivered_at == events[-1].occurred_at
    in_transit = [e.occurred_at for e in events if e.status is ShipmentStatus.IN_TRANSIT]
    assert shipment.shipped_at == (in_transit[0] if in_transit else None)
    if status in (ShipmentStatus.IN_TRANSIT, ShipmentStatus.INFO_RECEIVED):
        assert shipment.promised_date > today and shipment.eta_date == shipment.promised_date
    if status is ShipmentStatus.OUT_FOR_DELIVERY:
        assert shipment.promised_date == today == shipment.eta_date
    if status is ShipmentStatus.DELAYED:
        assert shipment.eta_date is not None and shipment.eta_date > shipment.promised_date
        assert shipment.eta_date > today
    if status is ShipmentStatus.FAILED_ATTEMPT:
        assert shipment.eta_date is not None and shipment.eta_date > today
    if status is ShipmentStatus.READY_FOR_PICKUP:
        assert shipment.pickup_point_id is not None
    if status in (ShipmentStatus.EXCEPTION, ShipmentStatus.RETURNED_TO_SENDER):
        assert shipment.eta_date is None
    start, end = shipment.promised_window_start, shipment.promised_window_end
    if start is not None and end is not None:
        assert (f"{start:%H:%M}", f"{end:%H:%M}") in spec.windows
    else:
        assert start is None and end is None


def test_keys_are_normalised(demo: Session) -> None:
    for order in demo.scalars(select(Order)):
        assert order.number_key == order_number_key(order.number)
    for customer in demo.scalars(select(Customer)):
        assert customer.email_key == email_key(customer.email)
        assert customer.phone_key == (phone_key(customer.phone) if customer.phone else None)
    for shipment in demo.scalars(select(Shipment)):
        assert shipment.postcode_key == postcode_key(shipment.postcode)
    for point in demo.scalars(select(PickupPoint)):
        assert point.postcode_key == postcode_key(point.postcode)


def test_order_numbers(demo: Session) -> None:
    numbers = demo.scalars(select(Order.number).order_by(Order.id)).all()
    assert numbers[:8] == [f"10000{n}" for n in range(1, 9)]
    assert numbers[8:] == [str(n) for n in range(100101, 100101 + len(numbers) - 8)]


def test_currency_follows_the_delivery_country(demo: Session) -> None:
    rows = demo.execute(select(Order.currency, Shipment.country).join(Shipment)).all()
    assert {currency for currency, _ in rows} == {"GBP", "EUR", "PLN"}
    assert all(currency == CURRENCY_BY_COUNTRY[country] for currency, country in rows)
    assert all(price > 0 for price in demo.scalars(select(OrderLine.unit_price_minor)))


def test_customers_speak_five_languages_with_unique_contacts(demo: Session) -> None:
    customers = demo.scalars(select(Customer)).all()
    assert {c.language for c in customers} == {"en", "it", "pl", "fi", "ar"}
    assert all(c.email.endswith(("@example.com", "@example.org")) for c in customers)
    assert len({c.email_key for c in customers}) == len(customers)
    phones = [c.phone_key for c in customers if c.phone_key]
    assert len(set(phones)) == len(phones) > 0.8 * len(customers)
    arabic_zones = {c.timezone for c in customers if c.language == "ar"}
    assert arabic_zones == {"Europe/London", "Europe/Rome"}
    assert {(c.language, c.timezone) for c in customers} >= {
        ("pl", "Europe/Warsaw"),
        ("fi", "Europe/Helsinki"),
    }
