"""Applying carrier snapshots to shipments: dedupe, out-of-order, final statuses, ETA, stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.carriers.errors import (
    CarrierError,
    CarrierRejected,
    CarrierResponseInvalid,
    CarrierUnavailable,
    PayloadProblem,
)
from delivery.carriers.mapping import SWIFT
from delivery.carriers.refresh import (
    EtaChange,
    FailureKind,
    StatusChange,
    apply_snapshot,
    apply_tracking,
    fetch_tracking,
    refresh_shipment,
)
from delivery.carriers.values import CarrierEvent, DeliveryEstimate, TrackingSnapshot
from delivery.db.models import Shipment, TrackingEvent
from delivery.vocabulary import ShipmentStatus as S
from tests import factories
from tests.factories import NOW

HOUR = dt.timedelta(hours=1)
T0 = NOW - 20 * HOUR


def _at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def ev(code: str, hours: float, event_id: str | None = "auto") -> CarrierEvent:
    """A Swift event ``hours`` after T0 (ids derived from code and time unless given)."""
    return CarrierEvent(
        event_id=f"evt-{code}-{hours}" if event_id == "auto" else event_id,
        raw_code=code,
        status=SWIFT.status_of(code),
        description=f"{code} happened",
        location="Birmingham",
        occurred_at=_at(hours),
    )


def snap(shipment: Shipment, *events: CarrierEvent, eta: DeliveryEstimate | None = None) -> Any:
    status = events[-1].status if events else S.IN_TRANSIT
    return TrackingSnapshot(shipment.tracking_number, status, events, eta)


@pytest.fixture
def shipment(session: Session) -> Shipment:
    """A Swift parcel in transit, no events yet, not marked shipped."""
    carrier = factories.carrier(session, code="swift", name="Swift Parcels")
    order = factories.order(session)
    return factories.shipment(session, order, carrier_=carrier, shipped_at=None)


def _events(session: Session, shipment: Shipment) -> list[tuple[str, S]]:
    rows = session.scalars(
        select(TrackingEvent)
        .where(TrackingEvent.shipment_id == shipment.id)
        .order_by(TrackingEvent.occurred_at)
    )
    return [(row.raw_code, row.status) for row in rows]


def test_new_events_are_stored_and_the_newest_decides(session: Session, shipment: Shipment) -> None:
    eta = DeliveryEstimate(dt.date(2026, 3, 3), dt.time(9), dt.time(13))
    # Arrival order is not event order.
    outcome = apply_snapshot(
        session,
        shipment,
        snap(shipment, ev("OFD", 3), ev("MAN", 0), ev("ADC", 2), ev("COL", 1), eta=eta),
        now=NOW,
    )
    assert [e.raw_code for e in outcome.new_events] == ["MAN", "COL", "ADC", "OFD"]
    assert all(isinstance(e.id, int) for e in outcome.new_events)
    assert outcome.status_change == StatusChange(S.IN_TRANSIT, S.OUT_FOR_DELIVERY, _at(3))
    assert outcome.status is S.OUT_FOR_DELIVERY
    assert not outcome.stale and outcome.failure is None
    assert outcome.changed
    session.expire_all()
    assert shipment.status is S.OUT_FOR_DELIVERY
    assert shipment.status_updated_at == _at(3)
    assert shipment.shipped_at == _at(1)  # the first scan after the label
    assert shipment.updated_at == NOW
    assert (shipment.eta_date, shipment.eta_window_start) == (dt.date(2026, 3, 3), dt.time(9))
    assert outcome.eta_change == EtaChange(
        DeliveryEstimate(dt.date(2026, 3, 4), dt.time(9), dt.time(13)), eta
    )
    assert _events(session, shipment) == [
        ("MAN", S.INFO_RECEIVED),
        ("COL", S.IN_TRANSIT),
        ("ADC", S.IN_TRANSIT),
        ("OFD", S.OUT_FOR_DELIVERY),
    ]
    stored = session.scalars(select(TrackingEvent).where(TrackingEvent.raw_code == "OFD")).one()
    assert (stored.external_id, stored.recorded_at, stored.location) == (
        "evt-OFD-3",
        NOW,
        "Birmingham",
    )


def test_the_same_snapshot_again_changes_nothing(session: Session, shipment: Shipment) -> None:
    eta = DeliveryEstimate(dt.date(2026, 3, 3))
    snapshot = snap(shipment, ev("MAN", 0), ev("COL", 1), eta=eta)
    apply_snapshot(session, shipment, snapshot, now=NOW)
    again = apply_snapshot(session, shipment, snapshot, now=NOW + HOUR)
    assert again.new_events == ()
    assert again.duplicates == 2
    assert (again.status_change, again.eta_change, again.changed) == (None, None, False)
    assert len(_events(session, shipment)) == 2
    session.expire_all()
    assert shipment.updated_at == NOW


def test_events_without_an_id_match_by_code_and_time(session: Session, shipment: Shipment) -> None:
    factories.tracking_event(
        session, shipment, external_id=None, raw_code="ARH", occurred_at=_at(2)
    )
    factories.tracking_event(
        session, shipment, external_id="evt-x", raw_code="COL", occurred_at=_at(1)
    )
    outcome = apply_snapshot(
        session,
        shipment,
        snap(
            shipment,
            ev("COL", 1, event_id=None),  # no id: the stored COL at that time is it
            ev("ARH", 2, event_id="evt-arh"),  # an id, but the stored one has none: same event
            ev("ARH", 2, event_id=None),  # and a repeat within the snapshot
            ev("DPH", 2, event_id=None),  # same time, other code: new
        ),
        now=NOW,
    )
    assert outcome.duplicates == 3
    assert [e.raw_code for e in outcome.new_events] == ["DPH"]


def test_two_events_with_their_own_ids_at_the_same_moment_are_both_kept(
    session: Session, shipment: Shipment
) -> None:
    outcome = apply_snapshot(
        session, shipment, snap(shipment, ev("ARH", 2, "a"), ev("ARH", 2, "b")), now=NOW
    )
    assert len(outcome.new_events) == 2


def test_a_late_older_event_is_history_only(session: Session, shipment: Shipment) -> None:
    apply_snapshot(session, shipment, snap(shipment, ev("OFD", 3)), now=NOW)
    late = apply_snapshot(session, shipment, snap(shipment, ev("ADC", 2)), now=NOW)
    assert [e.raw_code for e in late.new_events] == ["ADC"]
    assert late.status_change is None
    assert late.status is S.OUT_FOR_DELIVERY
    assert _events(session, shipment) == [("ADC", S.IN_TRANSIT), ("OFD", S.OUT_FOR_DELIVERY)]


def test_a_newer_event_after_a_problem_moves_the_status_on(
    session: Session, shipment: Shipment
) -> None:
    apply_snapshot(session, shipment, snap(shipment, ev("NH1", 3)), now=NOW)
    outcome = apply_snapshot(session, shipment, snap(shipment, ev("OFD", 24)), now=NOW)
    assert outcome.status_change == StatusChange(S.FAILED_ATTEMPT, S.OUT_FOR_DELIVERY, _at(24))


def test_delivered_is_never_undone(session: Session, shipment: Shipment) -> None:
    delivered = apply_snapshot(session, shipment, snap(shipment, ev("DLV", 5)), now=NOW)
    assert delivered.status_change == StatusChange(S.IN_TRANSIT, S.DELIVERED, _at(5))
    session.expire_all()
    assert shipment.delivered_at == _at(5)
    eta_before = shipment.eta_date
    older = apply_snapshot(session, shipment, snap(shipment, ev("NH1", 4)), now=NOW)
    later = apply_snapshot(
        session,
        shipment,
        snap(shipment, ev("OFD", 6), eta=DeliveryEstimate(dt.date(2026, 3, 9))),
        now=NOW,
    )
    for outcome in (older, later):
        assert outcome.status is S.DELIVERED
        assert outcome.status_change is None
        assert len(outcome.new_events) == 1  # kept in the history
    assert later.eta_change is None  # an estimate is moot once delivered
    session.expire_all()
    assert (shipment.status, shipment.delivered_at, shipment.eta_date) == (
        S.DELIVERED,
        _at(5),
        eta_before,
    )
    # A newer final status is news: the parcel went back to the shop.
    returned = apply_snapshot(session, shipment, snap(shipment, ev("RTS", 30)), now=NOW)
    assert returned.status_change == StatusChange(S.DELIVERED, S.RETURNED_TO_SENDER, _at(30))


def test_collected_at_the_pickup_point_is_delivered(session: Session, shipment: Shipment) -> None:
    apply_snapshot(session, shipment, snap(shipment, ev("PUP", 3)), now=NOW)
    outcome = apply_snapshot(session, shipment, snap(shipment, ev("CLT", 30)), now=NOW)
    assert outcome.status_change == StatusChange(S.READY_FOR_PICKUP, S.DELIVERED, _at(30))
    assert shipment.delivered_at == _at(30)


def test_an_unknown_code_is_stored_but_never_moves_the_status(
    session: Session, shipment: Shipment
) -> None:
    apply_snapshot(session, shipment, snap(shipment, ev("OFD", 3)), now=NOW)
    unknown = apply_snapshot(session, shipment, snap(shipment, ev("CSH", 4)), now=NOW)
    assert [(e.raw_code, e.status) for e in unknown.new_events] == [("CSH", S.IN_TRANSIT)]
    assert unknown.status_change is None
    assert unknown.status is S.OUT_FOR_DELIVERY
    # Nor does it hide a known event that arrives late but happened after the last known one.
    late = apply_snapshot(session, shipment, snap(shipment, ev("NH1", 3.5)), now=NOW)
    assert late.status_change == StatusChange(S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, _at(3.5))
    newer = apply_snapshot(session, shipment, snap(shipment, ev("DLV", 5)), now=NOW)
    assert newer.status_change == StatusChange(S.FAILED_ATTEMPT, S.DELIVERED, _at(5))


def test_an_estimate_older_than_what_we_know_is_ignored(
    session: Session, shipment: Shipment
) -> None:
    apply_snapshot(session, shipment, snap(shipment, ev("DLY", 5)), now=NOW)
    late = apply_snapshot(
        session,
        shipment,
        snap(shipment, ev("ADC", 2), eta=DeliveryEstimate(dt.date(2026, 3, 3))),
        now=NOW,
    )
    assert late.eta_change is None
    current = apply_snapshot(
        session,
        shipment,
        snap(shipment, eta=DeliveryEstimate(dt.date(2026, 3, 6), dt.time(13), dt.time(18))),
        now=NOW,
    )
    assert current.eta_change is not None
    assert current.eta_change.after.date == dt.date(2026, 3, 6)
    assert current.new_events == ()
    assert current.changed
    session.expire_all()
    assert (shipment.eta_date, shipment.eta_window_end) == (dt.date(2026, 3, 6), dt.time(18))


class FakeAdapter:
    code = "swift"

    def __init__(self, answer: TrackingSnapshot | CarrierError) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def fetch_tracking(self, tracking_number: str) -> TrackingSnapshot:
        self.asked.append(tracking_number)
        if isinstance(self.answer, CarrierError):
            raise self.answer
        return self.answer


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (CarrierUnavailable("swift", "timeout"), FailureKind.UNAVAILABLE),
        (CarrierUnavailable("swift", "circuit_open"), FailureKind.UNAVAILABLE),
        (CarrierRejected("swift", 404, "unknown parcel"), FailureKind.REJECTED),
        (CarrierResponseInvalid("swift", [PayloadProblem("$", "bad")]), FailureKind.INVALID),
    ],
)
def test_when_the_carrier_fails_the_last_known_status_stays_and_is_stale(
    session: Session, shipment: Shipment, error: CarrierError, failure: FailureKind
) -> None:
    apply_snapshot(session, shipment, snap(shipment, ev("OFD", 3)), now=NOW)
    adapter = FakeAdapter(error)
    outcome = refresh_shipment(session, shipment, adapter, now=NOW + HOUR)  # type: ignore[arg-type]
    assert adapter.asked == [shipment.tracking_number]
    assert outcome.stale
    assert outcome.failure is failure
    assert (outcome.status, outcome.status_updated_at) == (S.OUT_FOR_DELIVERY, _at(3))
    assert not outcome.changed
    session.expire_all()
    assert shipment.updated_at == NOW
    count = session.scalar(select(func.count()).where(TrackingEvent.shipment_id == shipment.id))
    assert count == 1


def test_fetch_then_apply(session: Session, shipment: Shipment) -> None:
    adapter = FakeAdapter(snap(shipment, ev("MAN", 0), ev("COL", 1)))
    fetched = fetch_tracking(adapter, shipment.tracking_number)  # type: ignore[arg-type]
    outcome = apply_tracking(session, shipment, fetched, now=NOW)
    assert not outcome.stale
    assert len(outcome.new_events) == 2


def test_a_snapshot_of_another_parcel_is_refused(session: Session, shipment: Shipment) -> None:
    other = TrackingSnapshot("SP000000000GB", S.IN_TRANSIT, (ev("COL", 1),))
    with pytest.raises(ValueError, match="SP000000000GB"):
        apply_snapshot(session, shipment, other, now=NOW)
    assert _events(session, shipment) == []
