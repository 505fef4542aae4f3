"""Applying one webhook delivery: every parcel's update, in one unit of work.

Parcels we have no shipment for (not imported yet, or not ours) are listed, not refused: a
carrier would otherwise retry them forever. Shipments are locked in id order, so two
deliveries about the same parcels cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.carriers.refresh import RefreshOutcome, apply_snapshot
from delivery.carriers.values import TrackingSnapshot
from delivery.db.models import Carrier, Shipment


@dataclass(frozen=True)
class WebhookReport:
    carrier: str
    received: int  # events in the delivery
    outcomes: tuple[RefreshOutcome, ...]  # one per known parcel, in shipment id order
    unknown_tracking_numbers: tuple[str, ...]

    @property
    def applied(self) -> bool:
        """Whether anything in the delivery concerned a parcel of ours."""
        return bool(self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "received": self.received,
            "new_events": sum(len(outcome.new_events) for outcome in self.outcomes),
            "duplicates": sum(outcome.duplicates for outcome in self.outcomes),
            "status_changes": sum(1 for outcome in self.outcomes if outcome.status_change),
            "unknown_tracking_numbers": list(self.unknown_tracking_numbers),
        }


#: Called with each shipment and what applying its update did, in the same unit of work (how
#: the notifications the change deserves are queued, atomically with the change itself).
AfterApply = Callable[[Session, Shipment, RefreshOutcome], object]


def apply_webhook(
    session: Session,
    carrier_code: str,
    snapshots: Sequence[TrackingSnapshot],
    *,
    now: dt.datetime,
    after_apply: AfterApply | None = None,
) -> WebhookReport:
    """Apply each parcel's snapshot to its shipment of carrier ``carrier_code``."""
    merged = _merged(snapshots)
    shipments = (
        session.scalars(
            select(Shipment)
            .join(Carrier, Shipment.carrier_id == Carrier.id)
            .where(Carrier.code == carrier_code, Shipment.tracking_number.in_(list(merged)))
            .order_by(Shipment.id)
        ).all()
        if merged
        else []
    )
    outcomes: list[RefreshOutcome] = []
    for shipment in shipments:
        outcome = apply_snapshot(session, shipment, merged[shipment.tracking_number], now=now)
        if after_apply is not None:
            after_apply(session, shipment, outcome)
        outcomes.append(outcome)
    known = {shipment.tracking_number for shipment in shipments}
    return WebhookReport(
        carrier=carrier_code,
        received=sum(len(snapshot.events) for snapshot in snapshots),
        outcomes=tuple(outcomes),
        unknown_tracking_numbers=tuple(sorted(set(merged) - known)),
    )


def _merged(snapshots: Sequence[TrackingSnapshot]) -> dict[str, TrackingSnapshot]:
    """One snapshot per parcel (a delivery may name one several times); the last ETA given."""
    merged: dict[str, TrackingSnapshot] = {}
    for snapshot in snapshots:
        earlier = merged.get(snapshot.tracking_number)
        if earlier is None:
            merged[snapshot.tracking_number] = snapshot
            continue
        events = tuple(
            sorted((*earlier.events, *snapshot.events), key=lambda event: event.occurred_at)
        )
        merged[snapshot.tracking_number] = TrackingSnapshot(
            snapshot.tracking_number, snapshot.status, events, snapshot.eta or earlier.eta
        )
    return merged
