"""Opting out of proactive messages and back in: the flag, the audit trail, waiting news."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from delivery.db.models import Shipment
from delivery.db.notification_models import Notification, NotificationStatus, SkipReason
from delivery.notifications.claims import claim_due
from delivery.notifications.opt_out import is_opted_out, opt_in, opt_out
from delivery.notifications.policy import QueuePolicy
from delivery.services import audit
from tests import factories
from tests.factories import NOW

Q = NotificationStatus
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def parcel(session: Session) -> Shipment:
    return factories.shipment(session, factories.order(session))


def _status(session: Session, row: Notification) -> tuple[Q, SkipReason | None]:
    session.refresh(row)
    return row.status, row.skip_reason


def test_opting_out_skips_what_is_waiting(session: Session, parcel: Shipment) -> None:
    customer_id = parcel.order.customer_id
    queued = factories.notification(session, parcel)
    held = factories.notification(session, parcel, status=Q.HELD)
    sent = factories.notification(session, parcel, status=Q.SENT)
    someone_else = factories.notification(
        session, factories.shipment(session, factories.order(session))
    )
    assert opt_out(session, customer_id, now=NOW, actor="conversation:tg-42") == 2
    assert is_opted_out(session, customer_id)
    assert _status(session, queued) == (Q.SKIPPED, SkipReason.OPTED_OUT)
    assert _status(session, held) == (Q.SKIPPED, SkipReason.OPTED_OUT)
    assert _status(session, sent) == (Q.SENT, None)
    assert _status(session, someone_else) == (Q.QUEUED, None)


def test_the_choice_is_audited_once(session: Session, parcel: Shipment) -> None:
    customer_id = parcel.order.customer_id
    opt_out(session, customer_id, now=NOW, actor="conversation:tg-42")
    opt_out(session, customer_id, now=NOW + MINUTE, actor="conversation:tg-42")
    assert opt_in(session, customer_id, now=NOW + 2 * MINUTE, actor="conversation:web-7")
    assert not opt_in(session, customer_id, now=NOW + 3 * MINUTE, actor="conversation:web-7")
    entries = audit.history(session, "customer", customer_id)
    assert [(e.action, e.actor, e.occurred_at) for e in entries] == [
        ("notifications_opted_out", "conversation:tg-42", NOW),
        ("notifications_opted_in", "conversation:web-7", NOW + 2 * MINUTE),
    ]
    assert not is_opted_out(session, customer_id)
    assert parcel.order.customer.updated_at == NOW + 2 * MINUTE


def test_one_in_a_senders_hands_is_left_to_finish(session: Session, parcel: Shipment) -> None:
    in_flight = factories.notification(session, parcel)
    claim_due(session, worker="w1", now=NOW, limit=1, policy=QueuePolicy())
    assert opt_out(session, parcel.order.customer_id, now=NOW, actor="conversation:tg-42") == 0
    assert _status(session, in_flight) == (Q.QUEUED, None)


def test_opting_back_in_does_not_revive_old_news(session: Session, parcel: Shipment) -> None:
    row = factories.notification(session, parcel)
    opt_out(session, parcel.order.customer_id, now=NOW, actor="conversation:tg-42")
    opt_in(session, parcel.order.customer_id, now=NOW + MINUTE, actor="conversation:tg-42")
    assert _status(session, row) == (Q.SKIPPED, SkipReason.OPTED_OUT)


def test_an_unknown_customer_is_an_error(session: Session) -> None:
    with pytest.raises(ValueError, match="no customer"):
        opt_out(session, 10**9, now=NOW, actor="test")
