"""The delay notice the clock deserves: a parcel that runs past the moment it was expected while
the carrier says nothing about it.

The rules of :mod:`delivery.notifications.kinds` react to carrier changes only, and a parcel
nobody scans never changes. This sweep looks at the clock instead. A parcel is **overdue** when

- it is on its way as far as the carrier has said (pending, info received, in transit, out for
  delivery: its problems and arrivals are the carrier-driven rules' to tell),
- the moment it was last expected has passed: the end of the window (else of the day) of the
  promised date, or of the carrier's estimate when that is later (the customer was then told
  that date); in the carrier's timezone, like every delivery date in the database,
- and the customer has not been told of a delay since that moment (no ``delayed`` notification
  of the shipment created after it).

It then deserves ONE ``delayed`` notification, keyed ``{shipment}:delayed:overdue-{date}`` (the
date that ran out; distinct from the carrier-driven ``{shipment}:delayed:{eta date}`` and
``...:event-{id}`` keys), worded from the same values as a carrier-driven delay: promised date,
the carrier's later date and window (or none), days late, no carrier's words, and the voucher
per ``DELAY_VOUCHER_MIN_DAYS``. It goes through :func:`~delivery.notifications.queue.enqueue`:
opt-out, quiet hours, superseding and the dedup key apply, so running the sweep twice queues
once. A session comes in; nothing is committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from delivery.carriers.values import DeliveryEstimate
from delivery.db.models import Carrier, Order, Shipment
from delivery.db.notification_models import Notification
from delivery.notifications.kinds import Deserved, KindRules, NotificationKind
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import Enqueued, enqueue_deserved
from delivery.vocabulary import OrderStatus, ShipmentStatus

__all__ = ["OverdueFacts", "OverdueQueued", "expected_by", "overdue_notice", "sweep_overdue"]

#: A parcel moving normally as far as the carrier has said.
ON_ITS_WAY = frozenset(
    {
        ShipmentStatus.PENDING,
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
    }
)

#: How long an overdue notice stays worth showing: as a carrier-reported delay without a date
#: (kinds.py gives those three days too).
SHELF_LIFE = dt.timedelta(days=3)

#: The furthest any timezone is ahead of UTC: no carrier's local date is later than this.
_MOST_AHEAD = dt.timedelta(hours=14)

_KIND = NotificationKind.DELAYED


@dataclass(frozen=True)
class OverdueFacts:
    """What the rule needs to know about one shipment."""

    shipment_id: int
    carrier_timezone: str
    status: ShipmentStatus
    promised_date: dt.date
    promised_window_end: dt.time | None = None
    eta: DeliveryEstimate | None = None
    # Values every message carries: order number, carrier name, tracking number.
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OverdueQueued:
    shipment_id: int
    dedup_key: str
    enqueued: Enqueued


def expected_by(facts: OverdueFacts) -> tuple[dt.date, dt.datetime]:
    """The date the parcel was last expected on, and the moment (UTC) that expectation ran out.

    The date is the promised one, or the carrier's estimate when that is later. The moment is
    the end of that date's window in the carrier's zone; when both the promise and the estimate
    are for that date, the later end (no alarm while either still holds); when either has no
    window, the end of the day.
    """
    zone = ZoneInfo(facts.carrier_timezone)
    eta = facts.eta
    day = eta.date if eta is not None and eta.date > facts.promised_date else facts.promised_date
    ends: list[dt.time | None] = []
    if day == facts.promised_date:
        ends.append(facts.promised_window_end)
    if eta is not None and eta.date == day:
        ends.append(eta.window_end)
    if any(end is None for end in ends):
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    else:
        moment = dt.datetime.combine(day, max(end for end in ends if end is not None), zone)
    return day, moment.astimezone(dt.UTC)


def overdue_notice(facts: OverdueFacts, rules: KindRules, *, now: dt.datetime) -> Deserved | None:
    """The delay notice ``facts`` deserve at ``now``, or None (not overdue, not on its way, or
    delay notices are off). Does not look at what was already told: :func:`sweep_overdue` does."""
    if _KIND not in rules.enabled or facts.status not in ON_ITS_WAY:
        return None
    day, deadline = expected_by(facts)
    if now < deadline:
        return None
    today = now.astimezone(ZoneInfo(facts.carrier_timezone)).date()
    later = facts.eta if facts.eta is not None and facts.eta.date > facts.promised_date else None
    days_late = max((today - facts.promised_date).days, 0)
    threshold = rules.voucher_min_days_late
    values = {
        **facts.context,
        "description": None,  # the carrier said nothing
        "location": None,
        "promised_date": facts.promised_date.isoformat(),
        "eta_date": later.date.isoformat() if later else None,
        "eta_window_start": _time(later.window_start) if later else None,
        "eta_window_end": _time(later.window_end) if later else None,
        "days_late": days_late,
        # The shop's voucher rule, as kinds.py applies it to carrier-driven delays.
        "voucher": threshold > 0 and days_late >= threshold,
    }
    return Deserved(
        kind=_KIND,
        dedup_key=f"{facts.shipment_id}:{_KIND.value}:overdue-{day.isoformat()}",
        values=values,
        expires_at=now + SHELF_LIFE,
    )


def sweep_overdue(
    session: Session,
    *,
    now: dt.datetime,
    rules: KindRules,
    policy: QueuePolicy,
    limit: int = 100,
) -> list[OverdueQueued]:
    """Queue the delay notice of every overdue parcel not yet told (at most ``limit`` new
    ones, oldest expectation first); what was queued (a row per notice, made or found)."""
    if _KIND not in rules.enabled:
        return []
    candidates = [
        (facts, customer_id, deserved)
        for facts, customer_id in _candidates(session, now)
        if (deserved := overdue_notice(facts, rules, now=now)) is not None
    ]
    told = _delays_told(session, [facts.shipment_id for facts, _, _ in candidates])
    queued: list[OverdueQueued] = []
    for facts, customer_id, deserved in candidates:
        if len(queued) >= limit:
            break
        keys, last_told = told.get(facts.shipment_id, (set(), None))
        _, deadline = expected_by(facts)
        if deserved.dedup_key in keys or (last_told is not None and last_told >= deadline):
            continue  # already told: this notice, or a delay the carrier reported since
        enqueued = enqueue_deserved(
            session,
            deserved,
            customer_id=customer_id,
            shipment_id=facts.shipment_id,
            now=now,
            policy=policy,
        )
        queued.append(OverdueQueued(facts.shipment_id, deserved.dedup_key, enqueued))
    return queued


def _candidates(session: Session, now: dt.datetime) -> list[tuple[OverdueFacts, int]]:
    """Parcels on their way whose expected date may have passed somewhere on Earth by ``now``
    (the exact moment is checked per carrier zone), oldest promise first."""
    latest_day = (now + _MOST_AHEAD).date()
    rows = session.execute(
        select(
            Shipment.id,
            Shipment.status,
            Shipment.promised_date,
            Shipment.promised_window_end,
            Shipment.eta_date,
            Shipment.eta_window_start,
            Shipment.eta_window_end,
            Shipment.tracking_number,
            Carrier.name,
            Carrier.timezone,
            Order.number,
            Order.customer_id,
        )
        .join(Carrier, Carrier.id == Shipment.carrier_id)
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Shipment.status.in_(ON_ITS_WAY),
            Order.status != OrderStatus.CANCELLED,
            Shipment.promised_date <= latest_day,
            or_(Shipment.eta_date.is_(None), Shipment.eta_date <= latest_day),
        )
        .order_by(Shipment.promised_date, Shipment.id)
    ).all()
    found = []
    for row in rows:
        (shipment_id, status, promised, promised_end, eta_date, eta_start, eta_end) = row[:7]
        tracking_number, carrier_name, zone, order_number, customer_id = row[7:]
        eta = DeliveryEstimate(eta_date, eta_start, eta_end) if eta_date is not None else None
        facts = OverdueFacts(
            shipment_id=shipment_id,
            carrier_timezone=zone,
            status=status,
            promised_date=promised,
            promised_window_end=promised_end,
            eta=eta,
            context={
                "order_number": order_number,
                "carrier": carrier_name,
                "tracking_number": tracking_number,
            },
        )
        found.append((facts, customer_id))
    return found


def _delays_told(
    session: Session, shipment_ids: list[int]
) -> dict[int, tuple[set[str], dt.datetime | None]]:
    """Per shipment: the keys of its delay notifications, and when the newest was made."""
    told: dict[int, tuple[set[str], dt.datetime | None]] = {}
    if not shipment_ids:
        return told
    rows = session.execute(
        select(Notification.shipment_id, Notification.dedup_key, Notification.created_at).where(
            Notification.kind == _KIND, Notification.shipment_id.in_(shipment_ids)
        )
    ).all()
    for shipment_id, key, created_at in rows:
        keys, newest = told.get(shipment_id, (set(), None))
        keys.add(key)
        told[shipment_id] = (keys, created_at if newest is None else max(newest, created_at))
    return told


def _time(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")
