"""Handing notifications to senders, each to exactly one at a time, through leases.

A claim sets ``claimed_by`` and ``claimed_until`` on rows nobody holds. On PostgreSQL the rows
are picked with ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent senders take disjoint
batches without waiting; on SQLite the unit of work must be opened with ``writes=True``
(``BEGIN IMMEDIATE``: one writer at a time). Either way the ``UPDATE`` that sets the lease
repeats the "nobody holds it" condition, so no row is ever leased twice. A lease that runs out
(the sender crashed) makes the row claimable again: nothing is lost. Commit the claim before
sending. See docs/notifications-design.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update
from sqlalchemy.orm import Session

from delivery.db.models import Customer
from delivery.db.notification_models import (
    OPEN_NOTIFICATION_STATUSES,
    Notification,
    NotificationStatus,
    SkipReason,
)
from delivery.notifications.kinds import NotificationKind
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import lease_free

__all__ = [
    "ClaimedNotification",
    "PendingNotification",
    "claim_due",
    "claim_for_customer",
    "pending_for_customer",
]


@dataclass(frozen=True)
class ClaimedNotification:
    """A notification leased to one sender until ``claimed_until``."""

    id: int
    customer_id: int
    shipment_id: int
    kind: NotificationKind
    dedup_key: str
    values: dict[str, Any]
    attempt: int  # 1 on the first try
    # A previous holder's lease ran out without an outcome: it may have sent the message
    # before it died, so look for it (by this notification's id) before sending again.
    reclaimed: bool
    claimed_until: dt.datetime
    created_at: dt.datetime


@dataclass(frozen=True)
class PendingNotification:
    """An unsent notification a customer opening a chat should see."""

    id: int
    shipment_id: int
    kind: NotificationKind
    values: dict[str, Any]
    status: NotificationStatus
    created_at: dt.datetime


def claim_due(
    session: Session,
    *,
    worker: str,
    now: dt.datetime,
    limit: int,
    policy: QueuePolicy,
    lease: dt.timedelta | None = None,
) -> list[ClaimedNotification]:
    """Lease up to ``limit`` due queued notifications to ``worker``, soonest first.

    Rows no longer worth sending are closed instead (opted out, expired, attempts used up),
    so fewer than ``limit`` may come back while more are due.
    """
    due = (Notification.status == NotificationStatus.QUEUED, Notification.not_before <= now)
    return _claim(session, due, worker=worker, now=now, limit=limit, policy=policy, lease=lease)


def claim_for_customer(
    session: Session,
    customer_id: int,
    *,
    worker: str,
    now: dt.datetime,
    policy: QueuePolicy,
    limit: int = 10,
    lease: dt.timedelta | None = None,
) -> list[ClaimedNotification]:
    """Lease the customer's unsent notifications (held or queued) to show them now, in a
    chat they just opened: quiet hours do not apply, the customer is there."""
    theirs = (
        Notification.customer_id == customer_id,
        Notification.status.in_(OPEN_NOTIFICATION_STATUSES),
        Notification.due_at <= now,
    )
    return _claim(session, theirs, worker=worker, now=now, limit=limit, policy=policy, lease=lease)


def pending_for_customer(
    session: Session, customer_id: int, *, now: dt.datetime
) -> list[PendingNotification]:
    """What the customer has not been told yet and should be, oldest first (read only)."""
    rows = session.scalars(
        select(Notification)
        .join(Customer, Customer.id == Notification.customer_id)
        .where(
            Notification.customer_id == customer_id,
            Notification.status.in_(OPEN_NOTIFICATION_STATUSES),
            Notification.due_at <= now,
            (Notification.expires_at.is_(None)) | (Notification.expires_at > now),
            lease_free(now),  # one a sender holds is on its way already
            Customer.notifications_opt_out.is_(False),
        )
        .order_by(Notification.created_at, Notification.id)
    )
    return [
        PendingNotification(
            id=row.id,
            shipment_id=row.shipment_id,
            kind=row.kind,
            values=row.values,
            status=row.status,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _claim(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    *,
    worker: str,
    now: dt.datetime,
    limit: int,
    policy: QueuePolicy,
    lease: dt.timedelta | None,
) -> list[ClaimedNotification]:
    if limit < 1:
        return []
    candidates = session.execute(
        select(
            Notification.id,
            Notification.attempts,
            Notification.claimed_by,
            Notification.expires_at,
            Customer.notifications_opt_out,
        )
        .join(Customer, Customer.id == Notification.customer_id)
        .where(*conditions, lease_free(now))
        .order_by(Notification.not_before, Notification.id)
        .limit(limit)
        # PostgreSQL: rows another sender is claiming right now are passed over, not waited
        # for. SQLite renders nothing here; its write lock serialises claims instead.
        .with_for_update(skip_locked=True, of=Notification)
    ).all()
    to_lease = _close_moot(session, candidates, now=now, max_attempts=policy.max_attempts)
    if not to_lease:
        return []
    until = now + (lease or policy.lease)
    won = set(
        session.scalars(
            update(Notification)
            .where(
                Notification.id.in_(to_lease),
                Notification.status.in_(OPEN_NOTIFICATION_STATUSES),
                lease_free(now),  # the guard that makes a double lease impossible
            )
            .values(
                status=NotificationStatus.QUEUED,
                claimed_by=worker,
                claimed_until=until,
                attempts=Notification.attempts + 1,
            )
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    )
    reclaimed = {row.id for row in candidates if row.claimed_by is not None}
    rows = session.scalars(
        select(Notification)
        .where(Notification.id.in_(won))
        .order_by(Notification.not_before, Notification.id)
        .execution_options(populate_existing=True)
    )
    return [_claimed(row, reclaimed=row.id in reclaimed) for row in rows]


#: A claim candidate: id, attempts, claimed_by, expires_at, the customer's opt-out.
Candidate = Row[int, int, str | None, dt.datetime | None, bool]


def _close_moot(
    session: Session, candidates: Sequence[Candidate], *, now: dt.datetime, max_attempts: int
) -> list[int]:
    """Close the candidates no longer worth sending; the ids of the rest."""
    closing: dict[int, dict[str, Any]] = {}
    to_lease: list[int] = []
    for row in candidates:
        if row.notifications_opt_out:
            closing[row.id] = _skipped(SkipReason.OPTED_OUT)
        elif row.expires_at is not None and row.expires_at <= now:
            closing[row.id] = _skipped(SkipReason.EXPIRED)
        elif row.attempts >= max_attempts:
            # Its last attempt's holder died without an outcome.
            closing[row.id] = {
                "status": NotificationStatus.FAILED,
                "last_error": "lease expired on the last attempt",
            }
        else:
            to_lease.append(row.id)
    for notification_id, values in closing.items():
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, lease_free(now))
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
    return to_lease


def _skipped(reason: SkipReason) -> dict[str, Any]:
    return {"status": NotificationStatus.SKIPPED, "skip_reason": reason}


def _claimed(row: Notification, *, reclaimed: bool) -> ClaimedNotification:
    assert row.claimed_until is not None  # just leased
    return ClaimedNotification(
        id=row.id,
        customer_id=row.customer_id,
        shipment_id=row.shipment_id,
        kind=row.kind,
        dedup_key=row.dedup_key,
        values=row.values,
        attempt=row.attempts,
        reclaimed=reclaimed,
        claimed_until=row.claimed_until,
        created_at=row.created_at,
    )
