"""Loading: upserts by natural key, the deletion rule, events, customers, counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import (
    Carrier,
    Customer,
    Order,
    OrderLine,
    PickupPoint,
    Return,
    ReturnLine,
    Shipment,
    TrackingEvent,
)
from delivery.importer import ImportReport
from delivery.vocabulary import OrderStatus, ReturnReason, ReturnStatus, ShipmentStatus
from tests import factories
from tests.factories import NOW
from tests.importer.documents import CARRIER, PICKUP_POINT, document, order, row_counts, run_import


def _counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    return {
        kind: (t.created, t.updated, t.unchanged, t.deleted) for kind, t in report.tallies.items()
    }


def _order(session: Session, number: str) -> Order:
    session.expire_all()
    return session.scalars(select(Order).where(Order.number == number)).one()


def test_a_file_is_imported_with_every_column(session: Session) -> None:
    item = order("#1001")
    item["shipments"][0]["pickup_point"] = "PP-1"
    report = run_import(session, document(item, pickup_points=[PICKUP_POINT]))
    assert _counts(report) == {
        "carriers": (1, 0, 0, 0),
        "pickup_points": (1, 0, 0, 0),
        "customers": (1, 0, 0, 0),
        "orders": (1, 0, 0, 0),
        "lines": (2, 0, 0, 0),
        "shipments": (1, 0, 0, 0),
        "events": (2, 0, 0, 0),
    }
    stored = _order(session, "#1001")
    assert (stored.number_key, stored.currency, stored.status) == ("1001", "GBP", OrderStatus.OPEN)
    assert stored.placed_at == dt.datetime(2026, 2, 27, 17, 42, 10, tzinfo=dt.UTC)
    customer = stored.customer
    assert (customer.external_id, customer.email_key, customer.phone_key) == (
        "C-1001",
        "grace1001@example.com",
        "447700900123",
    )
    assert (customer.language, customer.timezone) == ("en", "Europe/London")
    assert [
        (ln.line_ref, ln.quantity, ln.unit_price_minor, ln.returnable) for ln in stored.lines
    ] == [
        ("1", 2, 1299, True),
        ("2", 1, 850, True),
    ]
    [shipment] = stored.shipments
    assert shipment.carrier.code == "swift"
    assert shipment.pickup_point is not None and shipment.pickup_point.code == "PP-1"
    assert shipment.promised_date == shipment.original_promised_date == dt.date(2026, 3, 4)
    assert (shipment.promised_window_start, shipment.promised_window_end) == (
        dt.time(9),
        dt.time(13),
    )
    assert shipment.postcode_key == "SW1A2AA"
    # The status time is the latest event with the shipment's status.
    assert shipment.status_updated_at == dt.datetime(2026, 3, 1, 9, 15, tzinfo=dt.UTC)
    assert [line.shipment_id for line in stored.lines] == [shipment.id, shipment.id]
    assert [(e.external_id, e.raw_code, e.recorded_at) for e in shipment.events] == [
        ("e1", "LBL", NOW),
        ("e2", "HUB", NOW),
    ]
    point = session.scalars(select(PickupPoint)).one()
    assert point.opening_hours["mon"] == [["06:00", "23:00"]]
    assert point.opening_hours["tue"] == []  # every weekday present
    assert (point.city_key, point.postcode_key, point.active) == ("london", "SW1E5ND", True)
    carrier = session.scalars(select(Carrier)).one()
    assert carrier.delivery_windows == CARRIER["delivery_windows"]


def test_reimporting_the_same_file_changes_nothing(session: Session) -> None:
    doc = document(order("#1"), order("#2"), pickup_points=[PICKUP_POINT])
    run_import(session, doc)
    before = row_counts(session)
    report = run_import(session, doc)
    assert row_counts(session) == before
    assert _counts(report) == {
        "carriers": (0, 0, 1, 0),
        "pickup_points": (0, 0, 1, 0),
        "customers": (0, 0, 2, 0),
        "orders": (0, 0, 2, 0),
        "lines": (0, 0, 4, 0),
        "shipments": (0, 0, 2, 0),
        "events": (0, 0, 4, 0),
    }


def test_changes_update_rows_in_place(session: Session) -> None:
    run_import(session, document(order("#1")))
    first = _order(session, "#1")
    ids = (first.id, first.customer_id, first.shipments[0].id, [ln.id for ln in first.lines])

    changed = order("# 1", status="cancelled")  # the same number by key
    changed["customer"]["name"] = "Grace B. Hopper"
    changed["lines"][0]["quantity"] = 3
    shipment = changed["shipments"][0]
    shipment.update(status="delivered", delivered_at="2026-03-04T10:00:00Z")
    shipment["promised_date"] = "2026-03-05"
    shipment["events"][1]["description"] = "Arrived at the hub"
    shipment["events"].append(
        {"id": "e3", "status": "delivered", "code": "DLV", "occurred_at": "2026-03-04T10:00:00Z"}
    )
    report = run_import(session, document(changed, carriers=[dict(CARRIER, slot_capacity=9)]))

    assert _counts(report) == {
        "carriers": (0, 1, 0, 0),
        "pickup_points": (0, 0, 0, 0),
        "customers": (0, 1, 0, 0),
        "orders": (0, 1, 0, 0),
        "lines": (0, 1, 1, 0),
        "shipments": (0, 1, 0, 0),
        "events": (1, 1, 1, 0),
    }
    stored = _order(session, "# 1")
    assert (stored.id, stored.customer_id) == ids[:2]
    assert [ln.id for ln in stored.lines] == ids[3]
    assert stored.status == OrderStatus.CANCELLED
    assert stored.updated_at == NOW
    assert stored.customer.name == "Grace B. Hopper"
    assert stored.lines[0].quantity == 3
    [updated] = stored.shipments
    assert updated.id == ids[2]
    assert updated.status == ShipmentStatus.DELIVERED
    assert updated.status_updated_at == dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC)
    assert updated.promised_date == dt.date(2026, 3, 5)
    assert updated.original_promised_date == dt.date(2026, 3, 4)  # set on creation only
    assert [e.description for e in updated.events] == [None, "Arrived at the hub", None]
    assert session.scalar(select(func.count()).select_from(Order)) == 1


def test_events_are_deduplicated_by_id_and_kept_when_missing(session: Session) -> None:
    run_import(session, document(order("#1")))
    again = order("#1")
    events = again["shipments"][0]["events"]
    events[:] = [
        dict(events[1], occurred_at="2026-03-01T09:16:00Z"),  # e2 again, corrected time
        {"status": "in_transit", "code": "SCAN", "occurred_at": "2026-03-02T07:00:00Z"},
        {"status": "in_transit", "code": "SCAN", "occurred_at": "2026-03-02T07:00:00Z"},
    ]
    report = run_import(session, document(again))
    assert _counts(report)["events"] == (1, 1, 1, 0)
    report = run_import(session, document(again))
    assert _counts(report)["events"] == (0, 0, 3, 0)
    shipment = _order(session, "#1").shipments[0]
    assert [(e.external_id, e.raw_code, e.occurred_at.minute) for e in shipment.events] == [
        ("e1", "LBL", 0),
        ("e2", "HUB", 16),
        (None, "SCAN", 0),
    ]


def test_id_less_events_of_a_new_shipment_are_not_duplicated(session: Session) -> None:
    item = order("#1")
    event = {"status": "in_transit", "code": "SCAN", "occurred_at": "2026-03-02T07:00:00Z"}
    item["shipments"][0]["events"] = [event, dict(event)]
    report = run_import(session, document(item))
    assert _counts(report)["events"] == (1, 0, 1, 0)
    assert session.scalar(select(func.count()).select_from(TrackingEvent)) == 1


def _return_of(session: Session, line: OrderLine, order_: Order) -> None:
    returned = Return(
        reference="R-1",
        order_id=order_.id,
        customer_id=order_.customer_id,
        carrier_id=order_.shipments[0].carrier_id,
        status=ReturnStatus.SCHEDULED,
        reason=ReturnReason.DOES_NOT_FIT,
        pickup_date=dt.date(2026, 3, 10),
        pickup_window_start=dt.time(9),
        pickup_window_end=dt.time(13),
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(returned)
    session.flush()
    session.add(ReturnLine(return_id=returned.id, order_line_id=line.id, quantity=1))
    session.flush()


def _with_two_shipments(number: str) -> dict[str, Any]:
    item = order(number)
    first = item["shipments"][0]
    first["lines"] = ["1"]
    second = dict(first, tracking_number=f"{first['tracking_number']}-B", lines=["2"], events=[])
    item["shipments"].append(second)
    return item


def test_lines_and_shipments_missing_from_a_reimport_are_deleted(session: Session) -> None:
    run_import(session, document(_with_two_shipments("#1")))
    item = order("#1")
    item["lines"] = [item["lines"][0]]
    item["shipments"][0]["lines"] = ["1"]
    report = run_import(session, document(item))
    assert _counts(report)["lines"] == (0, 0, 1, 1)
    assert _counts(report)["shipments"] == (0, 0, 1, 1)
    assert report.warnings == []
    stored = _order(session, "#1")
    assert [ln.line_ref for ln in stored.lines] == ["1"]
    assert [s.tracking_number for s in stored.shipments] == ["TRK1"]
    assert session.scalar(select(func.count()).select_from(OrderLine)) == 1


def test_what_a_return_refers_to_is_kept_with_a_warning(session: Session) -> None:
    run_import(session, document(_with_two_shipments("#1")))
    stored = _order(session, "#1")
    _return_of(session, stored.lines[1], stored)  # line 2, in the second shipment
    item = order("#1")
    item["lines"] = [item["lines"][0]]
    item["shipments"][0]["lines"] = ["1"]
    report = run_import(session, document(item))
    assert [str(w) for w in report.warnings] == [
        "orders[0].lines: line '2' is no longer in the file but a return refers to it; kept",
        "orders[0].shipments: shipment 'TRK1-B' is no longer in the file but a return refers "
        "to its lines; kept",
    ]
    assert _counts(report)["lines"] == (0, 0, 1, 0)
    stored = _order(session, "#1")
    assert [ln.line_ref for ln in stored.lines] == ["1", "2"]
    assert [s.tracking_number for s in stored.shipments] == ["TRK1", "TRK1-B"]
    assert report.as_dict()["warning_count"] == 2


def test_lines_move_between_shipments(session: Session) -> None:
    run_import(session, document(_with_two_shipments("#1")))
    item = order("#1")
    moved = dict(item["shipments"][0], tracking_number="NEW", lines=["2"], events=[])
    item["shipments"] = [dict(item["shipments"][0], lines=["1"]), moved]  # TRK1-B is gone
    report = run_import(session, document(item))
    assert _counts(report)["shipments"] == (1, 0, 1, 1)
    assert _counts(report)["lines"] == (0, 1, 1, 0)
    stored = _order(session, "#1")
    by_tracking = {s.tracking_number: s.id for s in stored.shipments}
    assert set(by_tracking) == {"TRK1", "NEW"}
    assert [ln.shipment_id for ln in stored.lines] == [by_tracking["TRK1"], by_tracking["NEW"]]

    item["shipments"] = [dict(item["shipments"][0], lines=["1"])]  # line 2 not shipped any more
    run_import(session, document(item))
    assert [ln.shipment_id for ln in _order(session, "#1").lines] == [by_tracking["TRK1"], None]


def test_customers_match_by_shop_id_then_by_unlinked_email(session: Session) -> None:
    unlinked = factories.customer(session, external_id=None, email="Grace1@Example.com")
    linked = factories.customer(session, external_id="someone-else", email="grace2@example.com")
    first, second, third = order("#1"), order("#2"), order("#3")
    second["customer"]["id"] = "C-2"
    third["customer"] = dict(first["customer"], name="Grace H.")  # the same customer again
    report = run_import(session, document(first, second, third))
    assert _counts(report)["customers"] == (1, 1, 0, 0)
    assert _order(session, "#1").customer_id == unlinked.id
    session.refresh(unlinked)
    assert (unlinked.external_id, unlinked.name) == ("C-1", "Grace H.")  # the last one wins
    assert _order(session, "#2").customer_id not in (unlinked.id, linked.id)
    assert _order(session, "#3").customer_id == unlinked.id


def test_an_order_can_change_customer(session: Session) -> None:
    run_import(session, document(order("#1")))
    item = order("#1")
    item["customer"] = dict(item["customer"], id="C-NEW", email="new@example.com")
    report = run_import(session, document(item))
    assert _counts(report)["orders"] == (0, 1, 0, 0)
    assert _counts(report)["customers"] == (1, 0, 0, 0)
    assert _order(session, "#1").customer.external_id == "C-NEW"
    assert session.scalar(select(func.count()).select_from(Customer)) == 2


def test_existing_orders_get_new_lines_shipments_and_events(session: Session) -> None:
    run_import(session, document(order("#1")))
    item = _with_two_shipments("#1")
    item["lines"].append({"id": "3", "sku": "S3", "name": "Third", "quantity": 1, "unit_price": 5})
    item["shipments"][1]["lines"] = ["2", "3"]
    item["shipments"][1]["events"] = [
        {"id": "x1", "status": "info_received", "code": "LBL", "occurred_at": "2026-03-01T08:00Z"}
    ]
    report = run_import(session, document(item))
    assert _counts(report)["lines"] == (1, 1, 1, 0)
    assert _counts(report)["shipments"] == (1, 0, 1, 0)
    assert _counts(report)["events"] == (1, 0, 2, 0)
    stored = _order(session, "#1")
    assert [len(s.lines) for s in stored.shipments] == [1, 2]


def test_a_pickup_point_stored_earlier_is_found_by_code(session: Session) -> None:
    carrier = factories.carrier(session, code="swift")
    point = factories.pickup_point(session, carrier, code="PP-OLD")
    item = order("#1")
    item["shipments"][0]["pickup_point"] = "PP-OLD"
    run_import(session, document(item, carriers=[]))
    assert _order(session, "#1").shipments[0].pickup_point_id == point.id


def test_defaults_of_optional_fields(session: Session) -> None:
    item = order("#1")
    item["customer"] = {"id": "C", "name": "Ada", "email": "ada@example.com", "language": None}
    item["lines"][0]["returnable"] = False
    del item["shipments"][0]["promised_window"]
    item["shipments"][0]["events"] = None
    run_import(session, document(item))
    stored = _order(session, "#1")
    assert (stored.customer.phone, stored.customer.phone_key) == (None, None)
    assert (stored.customer.language, stored.customer.timezone) == ("en", "Europe/London")
    assert [ln.returnable for ln in stored.lines] == [False, True]
    shipment: Shipment = stored.shipments[0]
    assert shipment.promised_window_start is None
    assert shipment.status_updated_at == NOW  # no event with its status: the import's time
