"""Test rows with sensible defaults. Every factory adds to the session and flushes.

Keyword arguments override any column; the defaults describe a parcel in transit with a London
carrier that delivers Monday to Saturday in two windows.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

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
from delivery.normalize import email_key, order_number_key, phone_key, postcode_key, text_key
from delivery.vocabulary import PickupPointKind, ReturnReason, ReturnStatus, ShipmentStatus

#: The instant tests treat as "now": a Monday, 10:00 in London.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def carrier(session: Session, **overrides: Any) -> Carrier:
    n = _next()
    values: dict[str, Any] = {
        "code": f"carrier{n}",
        "name": f"Carrier {n}",
        "timezone": "Europe/London",
        "tracking_url_template": "https://track.example/{tracking_number}",
        "reschedule_cutoff_hours": 12,
        "reschedule_max_days_ahead": 7,
        "delivery_windows": [["09:00", "13:00"], ["13:00", "18:00"]],
        "delivery_weekdays": [1, 2, 3, 4, 5, 6],
        "slot_capacity": 50,
        "supports_pickup_points": True,
        "supports_return_pickup": True,
    }
    values.update(overrides)
    row = Carrier(**values)
    session.add(row)
    session.flush()
    return row


def customer(session: Session, **overrides: Any) -> Customer:
    n = _next()
    values: dict[str, Any] = {
        "external_id": f"cust-{n}",
        "name": f"Ada Lovelace {n}",
        "email": f"ada{n}@example.com",
        "phone": f"+44 7700 9{n:05d}",
        "language": "en",
        "timezone": "Europe/London",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    values.setdefault("email_key", email_key(values["email"]))
    if values.get("phone") and "phone_key" not in values:
        values["phone_key"] = phone_key(values["phone"])
    row = Customer(**values)
    session.add(row)
    session.flush()
    return row


def order(
    session: Session,
    *,
    customer_: Customer | None = None,
    lines: int = 1,
    **overrides: Any,
) -> Order:
    """An order with ``lines`` lines and no shipment (add them with :func:`shipment`)."""
    n = _next()
    owner = customer_ or customer(session)
    values: dict[str, Any] = {
        "number": f"#{100000 + n}",
        "customer_id": owner.id,
        "placed_at": NOW - dt.timedelta(days=3),
        "currency": "GBP",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    values.setdefault("number_key", order_number_key(values["number"]))
    row = Order(**values)
    session.add(row)
    session.flush()
    for i in range(lines):
        session.add(
            OrderLine(
                order_id=row.id,
                line_ref=str(i + 1),
                sku=f"SKU-{n}-{i + 1}",
                name=f"Item {i + 1}",
                quantity=1,
                unit_price_minor=1999,
                returnable=True,
            )
        )
    session.flush()
    session.refresh(row)
    return row


def shipment(
    session: Session,
    order_: Order,
    *,
    carrier_: Carrier | None = None,
    line_ids: list[int] | None = None,
    **overrides: Any,
) -> Shipment:
    """A shipment of ``order_``; it carries ``line_ids`` (default: every line not yet shipped)."""
    n = _next()
    the_carrier = carrier_ or carrier(session)
    promised = overrides.pop("promised_date", (NOW + dt.timedelta(days=2)).date())
    values: dict[str, Any] = {
        "order_id": order_.id,
        "carrier_id": the_carrier.id,
        "tracking_number": f"TRK{n:08d}",
        "status": ShipmentStatus.IN_TRANSIT,
        "status_updated_at": NOW - dt.timedelta(hours=5),
        "promised_date": promised,
        "promised_window_start": dt.time(9, 0),
        "promised_window_end": dt.time(13, 0),
        "original_promised_date": promised,
        "eta_date": promised,
        "eta_window_start": dt.time(9, 0),
        "eta_window_end": dt.time(13, 0),
        "shipped_at": NOW - dt.timedelta(days=1),
        "recipient_name": "Ada Lovelace",
        "street": "10 Downing Street",
        "city": "London",
        "postcode": "SW1A 2AA",
        "country": "GB",
        "latitude": 51.5034,
        "longitude": -0.1276,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    values.setdefault("postcode_key", postcode_key(values["postcode"]))
    row = Shipment(**values)
    session.add(row)
    session.flush()
    ids = (
        line_ids
        if line_ids is not None
        else [ln.id for ln in order_.lines if ln.shipment_id is None]
    )
    for line in order_.lines:
        if line.id in ids:
            line.shipment_id = row.id
    session.flush()
    session.refresh(row)
    return row


def tracking_event(session: Session, shipment_: Shipment, **overrides: Any) -> TrackingEvent:
    values: dict[str, Any] = {
        "shipment_id": shipment_.id,
        "status": shipment_.status,
        "raw_code": "IT",
        "description": "Parcel in transit",
        "location": "London hub",
        "occurred_at": NOW - dt.timedelta(hours=5),
        "recorded_at": NOW - dt.timedelta(hours=5),
    }
    values.update(overrides)
    row = TrackingEvent(**values)
    session.add(row)
    session.flush()
    return row


def pickup_point(session: Session, carrier_: Carrier, **overrides: Any) -> PickupPoint:
    n = _next()
    values: dict[str, Any] = {
        "code": f"PP{n:05d}",
        "carrier_id": carrier_.id,
        "kind": PickupPointKind.PICKUP_POINT,
        "name": f"Corner Shop {n}",
        "street": f"{n} High Street",
        "city": "London",
        "postcode": "SW1A 1AA",
        "country": "GB",
        "latitude": 51.5010,
        "longitude": -0.1416,
        "opening_hours": {
            day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")
        }
        | {"sun": []},
        "capacity": 20,
        "active": True,
    }
    values.update(overrides)
    values.setdefault("postcode_key", postcode_key(values["postcode"]))
    values.setdefault("city_key", text_key(values["city"]))
    row = PickupPoint(**values)
    session.add(row)
    session.flush()
    return row


def return_(
    session: Session,
    order_: Order,
    *,
    carrier_: Carrier | None = None,
    items: dict[int, int] | None = None,
    **overrides: Any,
) -> Return:
    """A scheduled return of ``items`` (order line id -> quantity; default: every unit)."""
    n = _next()
    values: dict[str, Any] = {
        "reference": f"R-T{n:05d}",
        "order_id": order_.id,
        "customer_id": order_.customer_id,
        "carrier_id": (carrier_ or carrier(session)).id,
        "status": ReturnStatus.SCHEDULED,
        "reason": ReturnReason.CHANGED_MIND,
        "comment": None,
        "pickup_date": (NOW + dt.timedelta(days=2)).date(),
        "pickup_window_start": dt.time(9, 0),
        "pickup_window_end": dt.time(13, 0),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    quantities = items if items is not None else {ln.id: ln.quantity for ln in order_.lines}
    row = Return(**values)
    row.lines = [ReturnLine(order_line_id=i, quantity=q) for i, q in quantities.items()]
    session.add(row)
    session.flush()
    return row


# --- the staff side (docs/handoff-design.md) ---------------------------------------------------
# Imported here rather than above so that this section stays a pure addition to the file.
import functools  # noqa: E402

from delivery.db.staff_models import CannedReply, Handoff, StaffUser  # noqa: E402
from delivery.vocabulary import Channel, HandoffReason, HandoffStatus, StaffRole  # noqa: E402

#: The password every factory-made staff user has.
STAFF_PASSWORD = "correct horse battery"


@functools.cache
def _staff_password_hash() -> str:
    from delivery.services.passwords import hash_password

    return hash_password(STAFF_PASSWORD)  # hashed once: scrypt is slow on purpose


def staff_user(session: Session, **overrides: Any) -> StaffUser:
    """An active agent whose password is :data:`STAFF_PASSWORD`."""
    n = _next()
    values: dict[str, Any] = {
        "username": f"agent{n}",
        "display_name": f"Maria Rossi {n}",
        "password_hash": _staff_password_hash(),
        "role": StaffRole.AGENT,
        "active": True,
        "created_at": NOW - dt.timedelta(days=30),
    }
    values.update(overrides)
    row = StaffUser(**values)
    session.add(row)
    session.flush()
    return row


def handoff(session: Session, **overrides: Any) -> Handoff:
    """A waiting handoff of a web conversation, requested a minute before ``NOW``."""
    n = _next()
    values: dict[str, Any] = {
        "conversation_id": f"web-conversation-{n}",
        "channel": Channel.WEB,
        "customer_id": None,
        "reason": HandoffReason.CUSTOMER_REQUEST,
        "status": HandoffStatus.WAITING,
        "requested_at": NOW - dt.timedelta(minutes=1),
    }
    values.update(overrides)
    row = Handoff(**values)
    session.add(row)
    session.flush()
    return row


def canned_reply(session: Session, **overrides: Any) -> CannedReply:
    n = _next()
    values: dict[str, Any] = {
        "title": f"Reply {n}",
        "text": f"Canned reply number {n}.",
        "created_at": NOW,
    }
    values.update(overrides)
    row = CannedReply(**values)
    session.add(row)
    session.flush()
    return row


# --- proactive notifications (docs/notifications-design.md) ----------------------------------
from delivery.db.notification_models import Notification, NotificationStatus  # noqa: E402
from delivery.notifications.kinds import NotificationKind  # noqa: E402


def notification(session: Session, shipment_: Shipment, **overrides: Any) -> Notification:
    """A queued "delayed" notification about ``shipment_`` for its order's customer, due at
    ``NOW``."""
    n = _next()
    customer_id = session.get(Order, shipment_.order_id).customer_id  # type: ignore[union-attr]
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "shipment_id": shipment_.id,
        "kind": NotificationKind.DELAYED,
        "dedup_key": f"{shipment_.id}:delayed:test-{n}",
        "values": {"tracking_number": shipment_.tracking_number},
        "status": NotificationStatus.QUEUED,
        "due_at": NOW,
        "not_before": NOW,
        "attempts": 0,
        "created_at": NOW,
    }
    values.update(overrides)
    row = Notification(**values)
    session.add(row)
    session.flush()
    return row
