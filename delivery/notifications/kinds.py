"""The kinds of proactive notification and the rule that says which a shipment change deserves.

Pure: a :class:`ShipmentChange` in, :class:`Deserved` notifications out (kind, dedup key, the
values the message is worded from, when it becomes due and when it is moot). No change, no
notification; an event older than the newest one already known notifies nothing. Dates and
windows are local to the carrier's timezone, as in the database. See
docs/notifications-design.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from delivery.carriers.values import DeliveryEstimate
from delivery.settings import Settings
from delivery.vocabulary import FINAL_SHIPMENT_STATUSES, ShipmentStatus


class NotificationKind(StrEnum):
    DELAYED = "delayed"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    RATING_REQUEST = "rating_request"


ALL_KINDS = frozenset(NotificationKind)

#: Unsent notifications of a shipment that a newer one of the key's kind makes moot.
SUPERSEDES: Mapping[NotificationKind, frozenset[NotificationKind]] = {
    NotificationKind.DELIVERED: frozenset(
        {
            NotificationKind.DELAYED,
            NotificationKind.FAILED_ATTEMPT,
            NotificationKind.EXCEPTION,
            NotificationKind.OUT_FOR_DELIVERY,
        }
    ),
    NotificationKind.OUT_FOR_DELIVERY: frozenset(
        {NotificationKind.DELAYED, NotificationKind.FAILED_ATTEMPT, NotificationKind.EXCEPTION}
    ),
    NotificationKind.DELAYED: frozenset(
        {NotificationKind.DELAYED, NotificationKind.OUT_FOR_DELIVERY}
    ),
    NotificationKind.FAILED_ATTEMPT: frozenset({NotificationKind.OUT_FOR_DELIVERY}),
    NotificationKind.EXCEPTION: frozenset({NotificationKind.OUT_FOR_DELIVERY}),
    NotificationKind.RATING_REQUEST: frozenset(),
}

#: Kinds whose message names the carrier's new date, so a delay in the same change is not
#: told separately.
_CARRY_THE_NEW_DATE = frozenset({NotificationKind.FAILED_ATTEMPT, NotificationKind.EXCEPTION})

#: How long a notification without a date of its own stays worth showing.
_SHELF_LIFE = {
    NotificationKind.DELAYED: dt.timedelta(days=3),  # no new date given
    NotificationKind.FAILED_ATTEMPT: dt.timedelta(days=3),
    NotificationKind.EXCEPTION: dt.timedelta(days=7),
    NotificationKind.DELIVERED: dt.timedelta(days=3),
    NotificationKind.RATING_REQUEST: dt.timedelta(days=7),  # after it is due
}


def parse_kinds(text: str) -> frozenset[NotificationKind]:
    """``"delayed, delivered"`` -> those kinds; ``"all"`` -> every kind; ValueError if unknown."""
    words = {word.strip().lower() for word in text.split(",")} - {""}
    if words == {"all"}:
        return ALL_KINDS
    unknown = sorted(words - {kind.value for kind in NotificationKind})
    if unknown:
        known = ", ".join(kind.value for kind in NotificationKind)
        raise ValueError(f"unknown notification kinds {unknown}; known: {known}")
    return frozenset(NotificationKind(word) for word in words)


@dataclass(frozen=True)
class KindRules:
    """Which kinds are on, and the shop's choices the rules apply."""

    enabled: frozenset[NotificationKind] = ALL_KINDS
    rating_delay: dt.timedelta = dt.timedelta(hours=4)
    # A delay at least this many days past the promise offers a voucher; 0: never.
    voucher_min_days_late: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> KindRules:
        return cls(
            enabled=parse_kinds(settings.notification_kinds),
            rating_delay=dt.timedelta(hours=settings.rating_request_delay_hours),
            voucher_min_days_late=settings.delay_voucher_min_days,
        )


@dataclass(frozen=True)
class EventFact:
    """The tracking event that decided a status change."""

    id: int  # the tracking_events row: one carrier event is stored once
    status: ShipmentStatus
    occurred_at: dt.datetime
    description: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class ShipmentChange:
    """One applied change of a shipment, as the rules see it."""

    shipment_id: int
    carrier_timezone: str
    status_before: ShipmentStatus
    status_after: ShipmentStatus
    event: EventFact | None  # what decided ``status_after``; None when the status did not move
    previous_event_at: dt.datetime | None  # the newest event known before this change
    promised_date: dt.date
    promised_window: tuple[dt.time | None, dt.time | None] = (None, None)
    eta_before: DeliveryEstimate | None = None
    eta_after: DeliveryEstimate | None = None
    delivered_at: dt.datetime | None = None
    # Values every message carries: order number, carrier name, tracking number.
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Deserved:
    """A notification a change deserves, before it is queued."""

    kind: NotificationKind
    dedup_key: str
    values: dict[str, Any]
    due_at: dt.datetime | None = None  # None: now
    expires_at: dt.datetime | None = None


def deserved_notifications(
    change: ShipmentChange, rules: KindRules, *, now: dt.datetime
) -> list[Deserved]:
    """The enabled notifications ``change`` deserves, in the order they should be queued."""
    moved = [item for item in _status_moved(change, rules, now) if item.kind in rules.enabled]
    delays = [item for item in _delay(change, now) if item.kind in rules.enabled]
    if any(item.kind in _CARRY_THE_NEW_DATE for item in moved):
        delays = []  # one message about what happened and the new date, not two
    return [_with_voucher(item, rules) for item in [*delays, *moved]]


def _news(change: ShipmentChange) -> EventFact | None:
    """The event that moved the status, unless the status did not move or the event is late."""
    event = change.event
    if event is None or change.status_before is change.status_after:
        return None
    if change.previous_event_at is not None and event.occurred_at < change.previous_event_at:
        return None  # a late, older event: history, not news
    return event


def _status_moved(change: ShipmentChange, rules: KindRules, now: dt.datetime) -> list[Deserved]:
    event = _news(change)
    if event is None:
        return []
    after = change.status_after
    said = {"description": event.description, "location": event.location}
    at = {"occurred_at": event.occurred_at.isoformat()}
    if after in (ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.EXCEPTION):
        kind = NotificationKind.FAILED_ATTEMPT
        if after is ShipmentStatus.EXCEPTION:
            kind = NotificationKind.EXCEPTION
        # The carrier's next date, if it gave one after the day this happened.
        next_date = _eta_after_day(change, _local_date(event.occurred_at, change))
        values = said | at | _estimate_values(next_date)
        return [_make(change, kind, f"event-{event.id}", values, now)]
    if after is ShipmentStatus.OUT_FOR_DELIVERY:
        return _out_for_delivery(change, event, now)
    if after is ShipmentStatus.DELIVERED:
        return _delivered(change, event, rules, now)
    return []


def _out_for_delivery(change: ShipmentChange, event: EventFact, now: dt.datetime) -> list[Deserved]:
    day = _local_date(event.occurred_at, change)
    if day != _local_date(now, change):
        return []  # an old "out for delivery" seen only now: it is no longer "today"
    start, end = _window_on(change, day)
    values = {"date": day.isoformat(), "window_start": _time(start), "window_end": _time(end)}
    kind = NotificationKind.OUT_FOR_DELIVERY
    return [
        Deserved(
            kind=kind,
            dedup_key=f"{change.shipment_id}:{kind.value}:{day}",
            values={**change.context, **values},
            expires_at=_end_of(day, change),
        )
    ]


def _delivered(
    change: ShipmentChange, event: EventFact, rules: KindRules, now: dt.datetime
) -> list[Deserved]:
    delivered_at = change.delivered_at or event.occurred_at
    values = {"delivered_at": delivered_at.isoformat(), "location": event.location}
    due = delivered_at + rules.rating_delay
    rating = NotificationKind.RATING_REQUEST
    return [
        _make(change, NotificationKind.DELIVERED, None, values, now),
        Deserved(
            kind=rating,
            dedup_key=f"{change.shipment_id}:{rating.value}",
            values={**change.context, "delivered_at": delivered_at.isoformat()},
            due_at=due,
            expires_at=max(due, now) + _SHELF_LIFE[rating],
        ),
    ]


def _delay(change: ShipmentChange, now: dt.datetime) -> list[Deserved]:
    """Delayed past the promise: once per new, later ETA date; or the carrier says "delayed"."""
    if change.status_after in FINAL_SHIPMENT_STATUSES:
        return []
    eta, before = change.eta_after, change.eta_before
    dated = eta if eta is not None and eta.date > change.promised_date else None
    moved_later = dated is not None and (before is None or dated.date > before.date)
    event = _news(change)
    became_delayed = event is not None and change.status_after is ShipmentStatus.DELAYED
    if not (moved_later or became_delayed):
        return []
    carrier_said = event is not None and event.status is ShipmentStatus.DELAYED
    values = {
        **change.context,
        "description": event.description if event and carrier_said else None,
        "location": event.location if event and carrier_said else None,
        "promised_date": change.promised_date.isoformat(),
        **_estimate_values(dated),
        "days_late": (dated.date - change.promised_date).days if dated else 0,
    }
    kind = NotificationKind.DELAYED
    if dated is not None:
        # Keyed by the new date: a date already told is never told again.
        key = f"{change.shipment_id}:{kind.value}:{dated.date}"
        expires = _end_of(dated.date, change)
    else:
        assert event is not None  # became_delayed, without a date past the promise
        key = f"{change.shipment_id}:{kind.value}:event-{event.id}"
        expires = now + _SHELF_LIFE[kind]
    return [Deserved(kind, key, values, expires_at=expires)]


def _with_voucher(item: Deserved, rules: KindRules) -> Deserved:
    """A delay message offers a voucher when the shop's policy says so."""
    if item.kind is not NotificationKind.DELAYED:
        return item
    threshold = rules.voucher_min_days_late
    days_late = int(item.values["days_late"])
    voucher = threshold > 0 and days_late >= threshold
    return Deserved(
        item.kind, item.dedup_key, {**item.values, "voucher": voucher}, item.due_at, item.expires_at
    )


def _make(
    change: ShipmentChange,
    kind: NotificationKind,
    suffix: str | None,
    values: Mapping[str, Any],
    now: dt.datetime,
) -> Deserved:
    key = f"{change.shipment_id}:{kind.value}" + (f":{suffix}" if suffix else "")
    return Deserved(
        kind=kind,
        dedup_key=key,
        values={**change.context, **values},
        expires_at=now + _SHELF_LIFE[kind],
    )


def _eta_after_day(change: ShipmentChange, day: dt.date) -> DeliveryEstimate | None:
    eta = change.eta_after
    return eta if eta is not None and eta.date > day else None


def _window_on(change: ShipmentChange, day: dt.date) -> tuple[dt.time | None, dt.time | None]:
    """The window the parcel comes in on ``day``: the carrier's estimate's, else the promise's."""
    eta = change.eta_after
    if eta is not None and eta.date == day and eta.window_start is not None:
        return eta.window_start, eta.window_end
    if change.promised_date == day:
        return change.promised_window
    return None, None


def _estimate_values(eta: DeliveryEstimate | None) -> dict[str, Any]:
    return {
        "eta_date": eta.date.isoformat() if eta else None,
        "eta_window_start": _time(eta.window_start) if eta else None,
        "eta_window_end": _time(eta.window_end) if eta else None,
    }


def _time(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _local_date(moment: dt.datetime, change: ShipmentChange) -> dt.date:
    return moment.astimezone(ZoneInfo(change.carrier_timezone)).date()


def _end_of(day: dt.date, change: ShipmentChange) -> dt.datetime:
    """Midnight after ``day`` in the carrier's zone, in UTC."""
    midnight = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(), ZoneInfo(change.carrier_timezone)
    )
    return midnight.astimezone(dt.UTC)
