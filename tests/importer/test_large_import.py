"""A 20,000-order file is streamed through both passes in reasonable time."""

from __future__ import annotations

import tempfile
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import Order, OrderLine, TrackingEvent
from delivery.importer import import_orders
from delivery.importer.synthetic import write_synthetic_file
from tests.factories import NOW

ORDERS = 20_000


@pytest.mark.slow
def test_twenty_thousand_orders(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the size test runs on SQLite; PostgreSQL shares the code path")
    with tempfile.TemporaryFile() as file:
        write_synthetic_file(file, ORDERS, lines=1, events=1)
        file.seek(0)
        started = time.perf_counter()
        report = import_orders(file, session, now=NOW, progress_every=5000)
        elapsed = time.perf_counter() - started
    assert report.tally("orders").created == ORDERS
    assert report.tally("customers").created == ORDERS // 2 + 1
    count = session.execute(select(func.count()).select_from(Order)).scalar_one()
    assert count == ORDERS
    assert session.execute(select(func.count()).select_from(OrderLine)).scalar_one() == ORDERS
    assert session.execute(select(func.count()).select_from(TrackingEvent)).scalar_one() == ORDERS
    assert elapsed < 60, f"20,000 orders took {elapsed:.1f} s"
