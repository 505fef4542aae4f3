"""A customer's choice not to be messaged first ("stop notifications"), and taking it back.

The choice is ``customers.notifications_opt_out``; when and through which conversation it was
made is in the audit log. Opting out skips what is still waiting at once (a notification a
sender holds right now is in flight; if it comes back, the claim skips it). A session comes in;
nothing is committed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from delivery.db.models import Customer
from delivery.db.notification_models import (
    OPEN_NOTIFICATION_STATUSES,
    Notification,
    NotificationStatus,
    SkipReason,
)
from delivery.notifications.queue import lease_free
from delivery.services import audit

__all__ = ["AUDIT_ENTITY", "is_opted_out", "opt_in", "opt_out"]

AUDIT_ENTITY = "customer"


def is_opted_out(session: Session, customer_id: int) -> bool:
    return _customer(session, customer_id).notifications_opt_out


def opt_out(session: Session, customer_id: int, *, now: dt.datetime, actor: str) -> int:
    """Stop proactive messages to the customer; how many waiting ones were skipped.

    ``actor`` says who asked, for the audit log (e.g. ``"conversation:tg-42"``). Opting out
    again changes nothing and is not logged twice.
    """
    customer = _customer(session, customer_id)
    if not customer.notifications_opt_out:
        customer.notifications_opt_out = True
        customer.updated_at = now
        _audit(session, customer_id, "notifications_opted_out", actor=actor, now=now)
    result = session.execute(
        update(Notification)
        .where(
            Notification.customer_id == customer_id,
            Notification.status.in_(OPEN_NOTIFICATION_STATUSES),
            lease_free(now),
        )
        .values(status=NotificationStatus.SKIPPED, skip_reason=SkipReason.OPTED_OUT)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def opt_in(session: Session, customer_id: int, *, now: dt.datetime, actor: str) -> bool:
    """Allow proactive messages again (from the next change on); whether anything changed.

    Notifications skipped while opted out stay skipped: their news is old by now.
    """
    customer = _customer(session, customer_id)
    if not customer.notifications_opt_out:
        return False
    customer.notifications_opt_out = False
    customer.updated_at = now
    _audit(session, customer_id, "notifications_opted_in", actor=actor, now=now)
    session.flush()
    return True


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise ValueError(f"no customer {customer_id}")
    return customer


def _audit(
    session: Session, customer_id: int, action: str, *, actor: str, now: dt.datetime
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type=AUDIT_ENTITY,
        entity_id=customer_id,
        details={},
        now=now,
    )
