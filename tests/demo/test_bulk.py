"""The bulk writer: parents before children whatever the batch size, ids after existing rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import Order, Shipment, TrackingEvent
from delivery.demo.bulk import BulkWriter
from delivery.demo.generator import seed_demo
from tests import factories
from tests.demo import table_digest
from tests.factories import NOW


def _digest(session: Session, *, raw_inserts: bool) -> str:
    savepoint = session.begin_nested()
    seed_demo(session, now=NOW, customers=20, orders=60, raw_inserts=raw_inserts)
    digest = table_digest(session)
    savepoint.rollback()
    return digest


def test_driver_level_inserts_store_what_sqlalchemy_would(session: Session) -> None:
    assert _digest(session, raw_inserts=True) == _digest(session, raw_inserts=False)


def test_one_row_batches_respect_foreign_keys(session: Session) -> None:
    # Every add flushes; the database checks each foreign key as it goes.
    summary = seed_demo(session, now=NOW, customers=20, orders=40, batch_rows=1)
    assert session.scalar(select(func.count()).select_from(Order)) == 40
    assert summary.rows["shipments"] == session.scalar(select(func.count()).select_from(Shipment))
    assert summary.rows["tracking_events"] == session.scalar(
        select(func.count()).select_from(TrackingEvent)
    )


def test_first_free_ids_follow_existing_rows(session: Session) -> None:
    carrier = factories.carrier(session)
    customer = factories.customer(session)
    ids = BulkWriter(session.connection()).first_free_ids()
    assert ids["carriers"] == carrier.id + 1
    assert ids["customers"] == customer.id + 1
    assert ids["orders"] == 1


def test_seeding_after_existing_customers_continues_their_ids(session: Session) -> None:
    existing = factories.customer(session)
    seed_demo(session, now=NOW, customers=20, orders=40)
    ada = session.scalars(select(Order).where(Order.number == "100001")).one().customer
    assert ada.id == existing.id + 1
    assert ada.email == "ada@example.com"
