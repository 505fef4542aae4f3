"""The notification queue: putting a notification in once, and a sender's outcomes.

:func:`enqueue` is idempotent by the dedup key (a savepoint and the unique index decide between
concurrent callers), skips customers who opted out, and moves the moment out of quiet hours.
The outcomes (:func:`mark_sent`, :func:`mark_failed`, :func:`mark_held`, :func:`release`) are
fenced: they change a row only while it is queued and leased to the caller. Claiming is in
:mod:`delivery.notifications.claims`. A session comes in; nothing is committed. See
docs/notifications-design.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from delivery.db.models import Customer
from delivery.db.notification_models import (
    OPEN_NOTIFICATION_STATUSES,
    Notification,
    NotificationStatus,
    SkipReason,
)
from delivery.notifications.kinds import SUPERSEDES, Deserved, NotificationKind
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.quiet_hours import next_allowed
from delivery.vocabulary import Channel

__all__ = [
    "Enqueued",
    "enqueue",
    "enqueue_deserved",
    "lease_free",
    "mark_failed",
    "mark_held",
    "mark_sent",
    "release",
]

#: The longest error text kept on a notification.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Enqueued:
    """The answer to :func:`enqueue`: the row for the key, and whether this call made it."""

    notification_id: int
    created: bool
    status: NotificationStatus
    skip_reason: SkipReason | None
    not_before: dt.datetime


def lease_free(now: dt.datetime) -> ColumnElement[bool]:
    """Nobody holds the row: never claimed, released, or the holder's lease ran out."""
    return or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now)


# --- putting notifications in ----------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    customer_id: int,
    shipment_id: int,
    kind: NotificationKind,
    dedup_key: str,
    values: dict[str, Any],
    now: dt.datetime,
    policy: QueuePolicy,
    due_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> Enqueued:
    """Queue a notification once per ``dedup_key``; a second call answers with the first row."""
    existing = _by_key(session, dedup_key)
    if existing is not None:
        return _enqueued(existing, created=False)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise ValueError(f"no customer {customer_id}")
    due = max(due_at or now, now)
    status, reason = NotificationStatus.QUEUED, None
    if customer.notifications_opt_out:
        # Kept as a row, not left out: the key still holds if they opt back in later.
        status, reason = NotificationStatus.SKIPPED, SkipReason.OPTED_OUT
    elif expires_at is not None and expires_at <= due:
        status, reason = NotificationStatus.SKIPPED, SkipReason.EXPIRED
    row = Notification(
        customer_id=customer_id,
        shipment_id=shipment_id,
        kind=kind,
        dedup_key=dedup_key,
        values=values,
        status=status,
        skip_reason=reason,
        due_at=due_at or now,
        not_before=next_allowed(policy.quiet_hours, due, policy.zone_for(customer.timezone)),
        expires_at=expires_at,
        attempts=0,
        created_at=now,
    )
    try:
        with session.begin_nested():  # only this insert is undone if another caller won
            session.add(row)
    except IntegrityError:
        existing = _by_key(session, dedup_key)
        if existing is None:
            raise
        return _enqueued(existing, created=False)
    if status is NotificationStatus.QUEUED:
        _supersede(session, row, now)
    return _enqueued(row, created=True)


def enqueue_deserved(
    session: Session,
    deserved: Deserved,
    *,
    customer_id: int,
    shipment_id: int,
    now: dt.datetime,
    policy: QueuePolicy,
) -> Enqueued:
    """:func:`enqueue` what a rule of :mod:`delivery.notifications.kinds` found."""
    return enqueue(
        session,
        customer_id=customer_id,
        shipment_id=shipment_id,
        kind=deserved.kind,
        dedup_key=deserved.dedup_key,
        values=deserved.values,
        now=now,
        policy=policy,
        due_at=deserved.due_at,
        expires_at=deserved.expires_at,
    )


def _by_key(session: Session, dedup_key: str) -> Notification | None:
    return session.scalars(
        select(Notification)
        .where(Notification.dedup_key == dedup_key)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _enqueued(row: Notification, *, created: bool) -> Enqueued:
    return Enqueued(row.id, created, row.status, row.skip_reason, row.not_before)


def _supersede(session: Session, row: Notification, now: dt.datetime) -> None:
    """Skip older unsent notifications of the shipment that ``row`` makes moot."""
    moot = SUPERSEDES[row.kind]
    if not moot:
        return
    session.execute(
        update(Notification)
        .where(
            Notification.shipment_id == row.shipment_id,
            Notification.id < row.id,
            Notification.status.in_(OPEN_NOTIFICATION_STATUSES),
            Notification.kind.in_(moot),
            lease_free(now),  # one a sender holds now is in flight: let it finish
        )
        .values(status=NotificationStatus.SKIPPED, skip_reason=SkipReason.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )


# --- a sender's outcomes ---------------------------------------------------------------------


def _held_by(notification_id: int, worker: str) -> tuple[ColumnElement[bool], ...]:
    """The fence: the row is queued and leased to ``worker`` (even if the lease ran out, as
    long as nobody has claimed it since)."""
    return (
        Notification.id == notification_id,
        Notification.status == NotificationStatus.QUEUED,
        Notification.claimed_by == worker,
    )


def _fenced_update(session: Session, notification_id: int, worker: str, **values: Any) -> bool:
    result = session.execute(
        update(Notification)
        .where(*_held_by(notification_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    notification_id: int,
    *,
    worker: str,
    now: dt.datetime,
    channel: Channel,
    conversation_id: str,
) -> bool:
    """It reached the customer; False if ``worker`` no longer holds it (do not report again)."""
    return _fenced_update(
        session,
        notification_id,
        worker,
        status=NotificationStatus.SENT,
        sent_at=now,
        channel=channel,
        conversation_id=conversation_id,
        claimed_until=None,
        last_error=None,
    )


def mark_held(session: Session, notification_id: int, *, worker: str) -> bool:
    """No chat to deliver to now: it waits until the customer opens the widget. Not an
    attempt, so it does not count towards the limit."""
    return _fenced_update(
        session,
        notification_id,
        worker,
        status=NotificationStatus.HELD,
        claimed_by=None,
        claimed_until=None,
        attempts=Notification.attempts - 1,
    )


def release(
    session: Session,
    notification_id: int,
    *,
    worker: str,
    not_before: dt.datetime | None = None,
) -> bool:
    """Give it back untried (shutting down, or the channel said "retry after"); optionally
    not before ``not_before``. Not an attempt."""
    values: dict[str, Any] = {
        "claimed_by": None,
        "claimed_until": None,
        "attempts": Notification.attempts - 1,
    }
    if not_before is not None:
        values["not_before"] = not_before
    return _fenced_update(session, notification_id, worker, **values)


def mark_failed(
    session: Session,
    notification_id: int,
    *,
    worker: str,
    now: dt.datetime,
    error: str,
    policy: QueuePolicy,
    permanent: bool = False,
    retry_after: dt.datetime | None = None,
) -> NotificationStatus | None:
    """A try failed: queued again after a backoff (out of quiet hours), or ``failed`` once
    the attempts are used up or the failure is ``permanent``. None if ``worker`` no longer
    holds it."""
    found = session.execute(
        select(Notification.attempts, Customer.timezone)
        .join(Customer, Customer.id == Notification.customer_id)
        .where(*_held_by(notification_id, worker))
    ).one_or_none()
    if found is None:
        return None
    attempts, timezone = found
    common: dict[str, Any] = {
        "claimed_by": None,
        "claimed_until": None,
        "last_error": error[:MAX_ERROR_CHARS],
    }
    if permanent or attempts >= policy.max_attempts:
        status = NotificationStatus.FAILED
        changed = _fenced_update(session, notification_id, worker, status=status, **common)
    else:
        status = NotificationStatus.QUEUED
        retry_at = max(now + policy.backoff(attempts), retry_after or now)
        not_before = next_allowed(policy.quiet_hours, retry_at, policy.zone_for(timezone))
        changed = _fenced_update(session, notification_id, worker, not_before=not_before, **common)
    return status if changed else None
