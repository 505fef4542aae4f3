"""Carrier refreshes turned into queued notifications, end to end through apply_snapshot."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.carriers.errors import CarrierUnavailable
from delivery.carriers.mapping import SWIFT
from delivery.carriers.refresh import RefreshOutcome, apply_snapshot, apply_tracking
from delivery.carriers.values import CarrierEvent, DeliveryEstimate, TrackingSnapshot
from delivery.db.models import Shipment
from delivery.db.notification_models import Notification, NotificationStatus
from delivery.notifications.from_refresh import change_from_refresh, notify_refresh
from delivery.notifications.kinds import KindRules, NotificationKind
from delivery.notifications.policy import QueuePolicy
from delivery.vocabulary import ShipmentStatus as S
from tests import factories
from tests.factories import NOW

K = NotificationKind
HOUR = dt.timedelta(hours=1)
RULES = KindRules()
POLICY = QueuePolicy()


def ev(code: str, hours_ago: float, event_id: str | None = None) -> CarrierEvent:
    return CarrierEvent(
        event_id=event_id or f"evt-{code}-{hours_ago}",
        raw_code=code,
        status=SWIFT.status_of(code),
        description=f"{code} happened",
        location="Birmingham",
        occurred_at=NOW - dt.timedelta(hours=hours_ago),
    )


@pytest.fixture
def parcel(session: Session) -> Shipment:
    """A Swift parcel in transit since 8 hours ago, promised for Wednesday 4 March."""
    carrier = factories.carrier(session, code="swift", name="Swift Parcels")
    order = factories.order(session, number="#100234")
    shipment = factories.shipment(session, order, carrier_=carrier, tracking_number="SW0001")
    apply_snapshot(
        session, shipment, TrackingSnapshot("SW0001", S.IN_TRANSIT, (ev("COL", 8),)), now=NOW
    )
    return shipment


def _refresh(
    session: Session, parcel: Shipment, *events: CarrierEvent, eta: DeliveryEstimate | None = None
) -> tuple[RefreshOutcome, list[tuple[K, str]]]:
    snapshot = TrackingSnapshot(parcel.tracking_number, S.IN_TRANSIT, events, eta)
    outcome = apply_snapshot(session, parcel, snapshot, now=NOW)
    queued = notify_refresh(session, parcel, outcome, rules=RULES, policy=POLICY, now=NOW)
    rows = [session.get(Notification, item.notification_id) for item in queued if item.created]
    return outcome, [(row.kind, row.dedup_key) for row in rows if row is not None]


def test_a_delay_with_a_new_date_is_queued_once(session: Session, parcel: Shipment) -> None:
    late = DeliveryEstimate(dt.date(2026, 3, 6), dt.time(9), dt.time(13))
    _, queued = _refresh(session, parcel, ev("DLY", 1), eta=late)
    assert queued == [(K.DELAYED, f"{parcel.id}:delayed:2026-03-06")]
    row = session.scalars(select(Notification).where(Notification.shipment_id == parcel.id)).one()
    assert row.customer_id == parcel.order.customer_id
    assert row.values == {
        "order_number": "#100234",
        "carrier": "Swift Parcels",
        "tracking_number": "SW0001",
        "description": "DLY happened",
        "location": "Birmingham",
        "promised_date": "2026-03-04",
        "eta_date": "2026-03-06",
        "eta_window_start": "09:00",
        "eta_window_end": "13:00",
        "days_late": 2,
        "voucher": True,
    }
    # The same webhook again: the events are duplicates, nothing new is queued.
    outcome, again = _refresh(session, parcel, ev("DLY", 1), eta=late)
    assert (outcome.duplicates, again) == (1, [])
    assert (
        len(
            session.scalars(select(Notification).where(Notification.shipment_id == parcel.id)).all()
        )
        == 1
    )


def test_out_for_delivery_then_a_failed_attempt(session: Session, parcel: Shipment) -> None:
    today = DeliveryEstimate(dt.date(2026, 3, 2), dt.time(13), dt.time(15))
    _, out = _refresh(session, parcel, ev("OFD", 2), eta=today)
    assert out == [(K.OUT_FOR_DELIVERY, f"{parcel.id}:out_for_delivery:2026-03-02")]
    outcome, failed = _refresh(session, parcel, ev("NH1", 1))
    [event] = outcome.new_events
    assert failed == [(K.FAILED_ATTEMPT, f"{parcel.id}:failed_attempt:event-{event.id}")]
    # The failed attempt made the unsent "out for delivery today" moot.
    statuses = dict(
        session.execute(
            select(Notification.kind, Notification.status).where(
                Notification.shipment_id == parcel.id
            )
        ).all()
    )
    assert statuses == {
        K.OUT_FOR_DELIVERY: NotificationStatus.SKIPPED,
        K.FAILED_ATTEMPT: NotificationStatus.QUEUED,
    }


def test_a_late_older_event_queues_nothing(session: Session, parcel: Shipment) -> None:
    _refresh(session, parcel, ev("ARH", 2))
    outcome, queued = _refresh(session, parcel, ev("EXC", 5))  # older than the newest known
    assert (len(outcome.new_events), outcome.status_change, queued) == (1, None, [])


def test_delivered_queues_the_rating_question_for_later(session: Session, parcel: Shipment) -> None:
    _, queued = _refresh(session, parcel, ev("DLV", 0.5))
    assert queued == [
        (K.DELIVERED, f"{parcel.id}:delivered"),
        (K.RATING_REQUEST, f"{parcel.id}:rating_request"),
    ]
    rating = session.scalars(
        select(Notification).where(
            Notification.kind == K.RATING_REQUEST, Notification.shipment_id == parcel.id
        )
    ).one()
    assert rating.due_at == NOW - dt.timedelta(hours=0.5) + RULES.rating_delay


def test_a_stale_refresh_queues_nothing(session: Session, parcel: Shipment) -> None:
    outcome = apply_tracking(session, parcel, CarrierUnavailable("swift", "timeout"), now=NOW)
    assert notify_refresh(session, parcel, outcome, rules=RULES, policy=POLICY, now=NOW) == []


def test_the_change_seen_by_the_rules(session: Session, parcel: Shipment) -> None:
    late = DeliveryEstimate(dt.date(2026, 3, 6))
    snapshot = TrackingSnapshot(parcel.tracking_number, S.DELAYED, (ev("DLY", 1),), late)
    outcome = apply_snapshot(session, parcel, snapshot, now=NOW)
    change = change_from_refresh(parcel, outcome)
    assert (change.status_before, change.status_after) == (S.IN_TRANSIT, S.DELAYED)
    assert change.event is not None and change.event.id == outcome.new_events[0].id
    assert change.previous_event_at == NOW - 8 * HOUR
    assert change.eta_before == DeliveryEstimate(dt.date(2026, 3, 4), dt.time(9), dt.time(13))
    assert change.eta_after == late
    assert change.carrier_timezone == "Europe/London"
