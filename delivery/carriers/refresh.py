"""Applying what a carrier says about a parcel to its shipment (docs/carriers-design.md).

Idempotent (events already stored are recognised by the carrier's event id, or by code and
time), tolerant of events arriving out of order (the status is that of the newest event by
event time, not by arrival), and a final status (delivered, returned) is never undone by a late
event. When the carrier could not be asked, nothing is written and the outcome says "stale".
A session comes in; nothing is committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from delivery.carriers.adapter import CarrierAdapter
from delivery.carriers.errors import CarrierError, CarrierRejected, CarrierResponseInvalid
from delivery.carriers.mapping import recognised
from delivery.carriers.values import CarrierEvent, DeliveryEstimate, TrackingSnapshot
from delivery.db.models import Shipment, TrackingEvent
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, ShipmentStatus

logger = logging.getLogger(__name__)

#: Statuses that show the carrier has the parcel (for ``shipped_at``).
_WITH_CARRIER = frozenset(
    {
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.READY_FOR_PICKUP,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.FAILED_ATTEMPT,
    }
)


class FailureKind(StrEnum):
    """Why a refresh is stale."""

    UNAVAILABLE = "unavailable"  # not reached: timeout, 5xx, circuit open, not configured
    REJECTED = "rejected"  # the carrier refused (e.g. it does not know the tracking number)
    INVALID = "invalid"  # it answered something we cannot read


@dataclass(frozen=True)
class NewEvent:
    id: int  # the TrackingEvent's id
    external_id: str | None
    status: ShipmentStatus
    raw_code: str
    description: str | None
    location: str | None
    occurred_at: dt.datetime


@dataclass(frozen=True)
class StatusChange:
    before: ShipmentStatus
    after: ShipmentStatus
    at: dt.datetime  # when the deciding event happened


@dataclass(frozen=True)
class EtaChange:
    before: DeliveryEstimate | None
    after: DeliveryEstimate


@dataclass(frozen=True)
class RefreshOutcome:
    """What a refresh found and changed: the ground for notifications."""

    shipment_id: int
    tracking_number: str
    status: ShipmentStatus  # after the refresh (the last known one when stale)
    status_updated_at: dt.datetime
    stale: bool = False
    failure: FailureKind | None = None
    new_events: tuple[NewEvent, ...] = ()  # oldest first
    duplicates: int = 0
    status_change: StatusChange | None = None
    eta_change: EtaChange | None = None

    @property
    def changed(self) -> bool:
        return bool(self.new_events or self.status_change or self.eta_change)


Fetched = TrackingSnapshot | CarrierError


def fetch_tracking(adapter: CarrierAdapter, tracking_number: str) -> Fetched:
    """The carrier's snapshot, or the error that kept us from it (never raises one)."""
    try:
        return adapter.fetch_tracking(tracking_number)
    except CarrierError as error:
        logger.warning("tracking %s with %s failed: %s", tracking_number, adapter.code, error)
        return error


def refresh_shipment(
    session: Session, shipment: Shipment, adapter: CarrierAdapter, *, now: dt.datetime
) -> RefreshOutcome:
    """Fetch and apply in one go. On SQLite, prefer :func:`fetch_tracking` before the unit of
    work and :func:`apply_tracking` inside it: a write transaction holds the database's lock."""
    fetched = fetch_tracking(adapter, shipment.tracking_number)
    return apply_tracking(session, shipment, fetched, now=now)


def apply_tracking(
    session: Session, shipment: Shipment, fetched: Fetched, *, now: dt.datetime
) -> RefreshOutcome:
    """Apply a fetched snapshot, or report the last known status as stale."""
    if isinstance(fetched, CarrierError):
        return _stale(shipment, fetched)
    return apply_snapshot(session, shipment, fetched, now=now)


def apply_snapshot(
    session: Session, shipment: Shipment, snapshot: TrackingSnapshot, *, now: dt.datetime
) -> RefreshOutcome:
    """Store the snapshot's new events and bring status, dates and ETA up to date.

    The shipment row is re-read under ``SELECT ... FOR UPDATE`` first (a no-op on SQLite,
    whose write transaction already excludes others), so concurrent refreshes of one parcel
    apply one after the other; unflushed changes to ``shipment`` are discarded by that.
    """
    if snapshot.tracking_number != shipment.tracking_number:
        raise ValueError(
            f"snapshot of {snapshot.tracking_number!r} applied to {shipment.tracking_number!r}"
        )
    session.refresh(shipment, with_for_update=True)
    session.expire(shipment, ["events"])
    carrier_code = shipment.carrier.code
    stored = list(shipment.events)
    newest_stored = max((event.occurred_at for event in stored), default=None)
    index = _EventIndex(stored)
    added: list[TrackingEvent] = []
    duplicates = 0
    for event in sorted(snapshot.events, key=lambda event: event.occurred_at):
        if index.holds(event):
            duplicates += 1
            continue
        row = _row(event, now)
        shipment.events.append(row)
        index.add(row)
        added.append(row)
    if added:
        session.flush()  # ids for the outcome; the unique (shipment, event id) is checked here
    status_change = _apply_status(shipment, carrier_code, stored + added, added)
    eta_change = _apply_eta(shipment, snapshot, newest_stored)
    _apply_shipped_at(shipment, carrier_code, added)
    if added or status_change or eta_change:
        shipment.updated_at = now
        session.flush()
    return RefreshOutcome(
        shipment_id=shipment.id,
        tracking_number=shipment.tracking_number,
        status=shipment.status,
        status_updated_at=shipment.status_updated_at,
        new_events=tuple(_new_event(row) for row in added),
        duplicates=duplicates,
        status_change=status_change,
        eta_change=eta_change,
    )


class _EventIndex:
    """Events already stored: by the carrier's id, and by (code, time) for events without one."""

    def __init__(self, events: Iterable[TrackingEvent]) -> None:
        self._ids: set[str] = set()
        self._moments_without_id: set[tuple[str, dt.datetime]] = set()
        self._moments: set[tuple[str, dt.datetime]] = set()
        for event in events:
            self.add(event)

    def holds(self, event: CarrierEvent) -> bool:
        moment = (event.raw_code, event.occurred_at)
        if event.event_id is None:
            return moment in self._moments
        return event.event_id in self._ids or moment in self._moments_without_id

    def add(self, event: TrackingEvent) -> None:
        moment = (event.raw_code, event.occurred_at)
        self._moments.add(moment)
        if event.external_id is None:
            self._moments_without_id.add(moment)
        else:
            self._ids.add(event.external_id)


def _apply_status(
    shipment: Shipment,
    carrier_code: str,
    events: Sequence[TrackingEvent],
    added: Sequence[TrackingEvent],
) -> StatusChange | None:
    """The newest recognised event decides, if it is a new one; final statuses stick."""
    deciding = [event for event in events if recognised(carrier_code, event.raw_code)]
    if not added or not deciding:
        return None
    # Same moment: the later arrival wins (new rows have the higher ids).
    latest = max(deciding, key=lambda event: (event.occurred_at, event.id))
    if not any(latest is row for row in added):
        return None  # a late, older event: history only
    before, after = shipment.status, latest.status
    if before in FINAL_SHIPMENT_STATUSES and after not in FINAL_SHIPMENT_STATUSES:
        logger.info(
            "shipment %s stays %s despite a later %s event (%s)",
            shipment.id,
            before.value,
            after.value,
            latest.raw_code,
        )
        return None
    if after is ShipmentStatus.DELIVERED and (before is not after or not shipment.delivered_at):
        shipment.delivered_at = latest.occurred_at
    if before is after:
        return None
    shipment.status = after
    shipment.status_updated_at = latest.occurred_at
    return StatusChange(before, after, latest.occurred_at)


def _apply_eta(
    shipment: Shipment, snapshot: TrackingSnapshot, newest_stored: dt.datetime | None
) -> EtaChange | None:
    """Take the carrier's estimate unless it is older news than what we have, or moot."""
    eta = snapshot.eta
    if eta is None or shipment.status in FINAL_SHIPMENT_STATUSES:
        return None
    newest_sent = snapshot.latest_event_at
    if newest_stored is not None and newest_sent is not None and newest_sent < newest_stored:
        return None  # a late webhook's estimate was superseded by what came since
    before = (
        DeliveryEstimate(shipment.eta_date, shipment.eta_window_start, shipment.eta_window_end)
        if shipment.eta_date is not None
        else None
    )
    if before == eta:
        return None
    shipment.eta_date = eta.date
    shipment.eta_window_start = eta.window_start
    shipment.eta_window_end = eta.window_end
    return EtaChange(before, eta)


def _apply_shipped_at(
    shipment: Shipment, carrier_code: str, added: Sequence[TrackingEvent]
) -> None:
    if shipment.shipped_at is not None:
        return
    moments = [
        event.occurred_at
        for event in added
        if event.status in _WITH_CARRIER and recognised(carrier_code, event.raw_code)
    ]
    if moments:
        shipment.shipped_at = min(moments)


def _row(event: CarrierEvent, now: dt.datetime) -> TrackingEvent:
    return TrackingEvent(
        external_id=event.event_id,
        status=event.status,
        raw_code=event.raw_code,
        description=event.description,
        location=event.location,
        occurred_at=event.occurred_at,
        recorded_at=now,
    )


def _new_event(row: TrackingEvent) -> NewEvent:
    return NewEvent(
        id=row.id,
        external_id=row.external_id,
        status=row.status,
        raw_code=row.raw_code,
        description=row.description,
        location=row.location,
        occurred_at=row.occurred_at,
    )


def _stale(shipment: Shipment, error: CarrierError) -> RefreshOutcome:
    if isinstance(error, CarrierRejected):
        failure = FailureKind.REJECTED
    elif isinstance(error, CarrierResponseInvalid):
        failure = FailureKind.INVALID
    else:
        failure = FailureKind.UNAVAILABLE
    return RefreshOutcome(
        shipment_id=shipment.id,
        tracking_number=shipment.tracking_number,
        status=shipment.status,
        status_updated_at=shipment.status_updated_at,
        stale=True,
        failure=failure,
    )
