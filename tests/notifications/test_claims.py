"""Leases: each due notification goes to one sender at a time; a crashed sender's work returns."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from delivery.db.models import Carrier, Customer, Order, Shipment
from delivery.db.notification_models import Notification, NotificationStatus, SkipReason
from delivery.db.session import make_session_factory, unit_of_work
from delivery.notifications.claims import (
    ClaimedNotification,
    claim_due,
    claim_for_customer,
    pending_for_customer,
)
from delivery.notifications.kinds import NotificationKind
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import enqueue, mark_held, mark_sent
from delivery.vocabulary import Channel
from tests import factories
from tests.factories import NOW

K = NotificationKind
Q = NotificationStatus
POLICY = QueuePolicy(max_attempts=3, lease=dt.timedelta(seconds=60))
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def parcel(session: Session) -> Shipment:
    return factories.shipment(session, factories.order(session))


def _ids(claimed: list[ClaimedNotification]) -> list[int]:
    return [item.id for item in claimed]


def _row(session: Session, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id, populate_existing=True)
    assert row is not None
    return row


# --- claiming --------------------------------------------------------------------------------


def test_due_notifications_are_claimed_soonest_first(session: Session, parcel: Shipment) -> None:
    later = factories.notification(session, parcel, not_before=NOW - MINUTE)
    sooner = factories.notification(session, parcel, not_before=NOW - 2 * MINUTE)
    factories.notification(session, parcel, not_before=NOW + SECOND)  # not yet
    factories.notification(session, parcel, status=Q.HELD)  # waits for the customer
    factories.notification(session, parcel, status=Q.SENT)
    claimed = claim_due(session, worker="w1", now=NOW, limit=10, policy=POLICY)
    assert _ids(claimed) == [sooner.id, later.id]
    first = claimed[0]
    assert (first.customer_id, first.shipment_id, first.kind) == (
        parcel.order.customer_id,
        parcel.id,
        K.DELAYED,
    )
    assert (first.attempt, first.reclaimed, first.claimed_until) == (1, False, NOW + 60 * SECOND)
    assert first.values == {"tracking_number": parcel.tracking_number}
    row = _row(session, first.id)
    assert (row.claimed_by, row.claimed_until, row.attempts, row.status) == (
        "w1",
        NOW + MINUTE,
        1,
        Q.QUEUED,
    )


def test_the_limit_is_respected(session: Session, parcel: Shipment) -> None:
    rows = [factories.notification(session, parcel, not_before=NOW - i * SECOND) for i in range(5)]
    assert len(claim_due(session, worker="w1", now=NOW, limit=2, policy=POLICY)) == 2
    assert len(claim_due(session, worker="w2", now=NOW, limit=10, policy=POLICY)) == 3
    assert claim_due(session, worker="w3", now=NOW, limit=0, policy=POLICY) == []
    assert {_row(session, row.id).claimed_by for row in rows} == {"w1", "w2"}


def test_a_live_lease_keeps_others_off(session: Session, parcel: Shipment) -> None:
    factories.notification(session, parcel)
    assert len(claim_due(session, worker="w1", now=NOW, limit=1, policy=POLICY)) == 1
    assert claim_due(session, worker="w2", now=NOW + 59 * SECOND, limit=1, policy=POLICY) == []


def test_an_expired_lease_is_claimed_again_and_fences_out_the_old_holder(
    session: Session, parcel: Shipment
) -> None:
    row = factories.notification(session, parcel)
    claim_due(session, worker="crashed", now=NOW, limit=1, policy=POLICY)
    [again] = claim_due(session, worker="w2", now=NOW + MINUTE, limit=1, policy=POLICY)
    assert (again.id, again.attempt, again.reclaimed) == (row.id, 2, True)
    # The old holder wakes up: its report is refused, the new holder's counts.
    assert not mark_sent(
        session,
        row.id,
        worker="crashed",
        now=NOW + MINUTE,
        channel=Channel.WEB,
        conversation_id="web-1",
    )
    assert mark_sent(
        session, row.id, worker="w2", now=NOW + MINUTE, channel=Channel.WEB, conversation_id="web-1"
    )


def test_a_late_report_counts_while_nobody_else_claimed_it(
    session: Session, parcel: Shipment
) -> None:
    row = factories.notification(session, parcel)
    claim_due(session, worker="slow", now=NOW, limit=1, policy=POLICY)
    assert mark_sent(
        session,
        row.id,
        worker="slow",
        now=NOW + 5 * MINUTE,
        channel=Channel.WEB,
        conversation_id="web-1",
    )


def test_a_lost_last_attempt_fails(session: Session, parcel: Shipment) -> None:
    row = factories.notification(session, parcel, attempts=2)
    claim_due(session, worker="crashed", now=NOW, limit=1, policy=POLICY)  # the third attempt
    assert claim_due(session, worker="w2", now=NOW + MINUTE, limit=1, policy=POLICY) == []
    failed = _row(session, row.id)
    assert (failed.status, failed.last_error, failed.claimed_by) == (
        Q.FAILED,
        "lease expired on the last attempt",
        None,
    )


def test_an_opt_out_since_queueing_is_honoured_at_the_claim(
    session: Session, parcel: Shipment
) -> None:
    row = factories.notification(session, parcel)
    parcel.order.customer.notifications_opt_out = True
    session.flush()
    assert claim_due(session, worker="w1", now=NOW, limit=5, policy=POLICY) == []
    skipped = _row(session, row.id)
    assert (skipped.status, skipped.skip_reason) == (Q.SKIPPED, SkipReason.OPTED_OUT)


def test_a_notification_past_its_moment_is_not_sent(session: Session, parcel: Shipment) -> None:
    stale = factories.notification(session, parcel, expires_at=NOW)
    fresh = factories.notification(session, parcel, expires_at=NOW + SECOND)
    assert _ids(claim_due(session, worker="w1", now=NOW, limit=5, policy=POLICY)) == [fresh.id]
    assert (_row(session, stale.id).status, _row(session, stale.id).skip_reason) == (
        Q.SKIPPED,
        SkipReason.EXPIRED,
    )


# --- the customer opens the widget -----------------------------------------------------------


def test_a_customer_opening_a_chat_gets_their_waiting_news(
    session: Session, parcel: Shipment
) -> None:
    customer_id = parcel.order.customer_id
    held = factories.notification(session, parcel, status=Q.HELD, created_at=NOW - MINUTE)
    quiet = factories.notification(
        session, parcel, not_before=NOW + dt.timedelta(hours=9)
    )  # quiet hours
    factories.notification(session, parcel, due_at=NOW + dt.timedelta(hours=3))  # the rating, later
    factories.notification(session, parcel, expires_at=NOW)
    factories.notification(session, parcel, status=Q.SENT)
    someone_else = factories.shipment(session, factories.order(session))
    factories.notification(session, someone_else, status=Q.HELD)
    pending = pending_for_customer(session, customer_id, now=NOW)
    assert [(item.id, item.status) for item in pending] == [(held.id, Q.HELD), (quiet.id, Q.QUEUED)]
    assert pending[0].values == {"tracking_number": parcel.tracking_number}
    claimed = claim_for_customer(session, customer_id, worker="gateway", now=NOW, policy=POLICY)
    assert sorted(_ids(claimed)) == sorted([held.id, quiet.id])
    assert _row(session, held.id).status is Q.QUEUED  # leased: the outcome comes from the gateway
    assert pending_for_customer(session, customer_id, now=NOW) == []  # in the gateway's hands
    assert mark_sent(
        session, held.id, worker="gateway", now=NOW, channel=Channel.WEB, conversation_id="web-9"
    )


def test_nothing_pending_for_an_opted_out_customer(session: Session, parcel: Shipment) -> None:
    factories.notification(session, parcel, status=Q.HELD)
    parcel.order.customer.notifications_opt_out = True
    session.flush()
    assert pending_for_customer(session, parcel.order.customer_id, now=NOW) == []


def test_a_held_notification_goes_back_to_waiting_if_undelivered(
    session: Session, parcel: Shipment
) -> None:
    held = factories.notification(session, parcel, status=Q.HELD)
    claim_for_customer(session, parcel.order.customer_id, worker="gateway", now=NOW, policy=POLICY)
    assert mark_held(session, held.id, worker="gateway")  # the widget closed before it showed
    assert _row(session, held.id).status is Q.HELD


# --- real concurrency: two connections, committed rows ---------------------------------------


@dataclass
class _Committed:
    """A parcel and its notifications committed for a concurrency test, removed afterwards."""

    factory: sessionmaker[Session]
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    customer_id: int = 0
    shipment_id: int = 0

    def parcel(self) -> None:
        with unit_of_work(self.factory, writes=True) as session:
            carrier = factories.carrier(session, code=f"race-{self.tag}")
            customer = factories.customer(session, external_id=f"race-{self.tag}")
            shipment = factories.shipment(
                session, factories.order(session, customer_=customer), carrier_=carrier
            )
            self.customer_id, self.shipment_id = customer.id, shipment.id

    def notifications(self, count: int) -> list[int]:
        with unit_of_work(self.factory, writes=True) as session:
            shipment = session.get(Shipment, self.shipment_id)
            assert shipment is not None
            return [
                factories.notification(session, shipment, not_before=NOW - i * SECOND).id
                for i in range(count)
            ]

    def cleanup(self) -> None:
        with unit_of_work(self.factory, writes=True) as session:
            session.execute(
                delete(Notification).where(Notification.customer_id == self.customer_id)
            )
            session.execute(delete(Order).where(Order.customer_id == self.customer_id))
            session.execute(delete(Customer).where(Customer.id == self.customer_id))
            session.execute(delete(Carrier).where(Carrier.code == f"race-{self.tag}"))


@pytest.fixture
def committed(engine: Engine) -> Iterator[_Committed]:
    rows = _Committed(make_session_factory(engine))
    rows.parcel()
    yield rows
    rows.cleanup()


def _race(
    first: Callable[[Session], object],
    second: Callable[[Session], object],
    factory: sessionmaker[Session],
) -> list[object]:
    """Run ``first`` and ``second`` in two transactions: ``second`` starts once ``first`` has
    written and before it commits. Each result is a value or the exception raised."""
    written = threading.Event()
    results: list[object] = [None, None]

    def run(index: int, work: Callable[[Session], object]) -> None:
        try:
            if index == 1:
                written.wait(5)
            with unit_of_work(factory, writes=True) as session:
                results[index] = work(session)
                if index == 0:
                    written.set()
                    time.sleep(0.3)  # the other transaction now runs against our locks
        except Exception as error:
            results[index] = error
        finally:
            written.set()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _claimer(worker: str, limit: int) -> Callable[[Session], object]:
    return lambda session: _ids(
        claim_due(session, worker=worker, now=NOW, limit=limit, policy=POLICY)
    )


def test_two_workers_claiming_at_once_never_share_a_row(committed: _Committed) -> None:
    ids = committed.notifications(5)
    first, second = _race(_claimer("w1", 3), _claimer("w2", 5), committed.factory)
    assert isinstance(first, list) and isinstance(second, list), (first, second)
    assert len(first) == 3
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(ids)
    with unit_of_work(committed.factory) as session:
        found = session.execute(
            select(Notification.id, Notification.claimed_by).where(Notification.id.in_(ids))
        )
        holders = dict(found.all())
    assert holders == dict.fromkeys(first, "w1") | dict.fromkeys(second, "w2")


def test_many_workers_draining_the_queue_claim_each_row_exactly_once(committed: _Committed) -> None:
    ids = committed.notifications(40)
    claims: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def drain(worker: str) -> None:
        claims[worker] = []
        try:
            while True:
                with unit_of_work(committed.factory, writes=True) as session:
                    got = _ids(claim_due(session, worker=worker, now=NOW, limit=3, policy=POLICY))
                if not got:
                    return
                claims[worker].extend(got)
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    every_claim = [i for got in claims.values() for i in got]
    assert sorted(every_claim) == sorted(ids)  # each row once: none twice, none lost


def test_a_crashed_workers_rows_are_reclaimed_after_a_restart(committed: _Committed) -> None:
    ids = committed.notifications(3)
    with unit_of_work(committed.factory, writes=True) as session:
        assert (
            len(claim_due(session, worker="before-restart", now=NOW, limit=10, policy=POLICY)) == 3
        )
    # The process dies here: nothing reported. After the restart, within the lease: nothing.
    with unit_of_work(committed.factory, writes=True) as session:
        assert (
            claim_due(
                session, worker="after-restart", now=NOW + 30 * SECOND, limit=10, policy=POLICY
            )
            == []
        )
    with unit_of_work(committed.factory, writes=True) as session:
        again = claim_due(
            session, worker="after-restart", now=NOW + MINUTE, limit=10, policy=POLICY
        )
    assert sorted(_ids(again)) == sorted(ids)
    assert all(item.reclaimed and item.attempt == 2 for item in again)


def test_the_same_event_queued_twice_at_once_is_one_notification(committed: _Committed) -> None:
    key = f"{committed.shipment_id}:delayed:race-{committed.tag}"

    def put(session: Session) -> object:
        return enqueue(
            session,
            customer_id=committed.customer_id,
            shipment_id=committed.shipment_id,
            kind=K.DELAYED,
            dedup_key=key,
            values={},
            now=NOW,
            policy=POLICY,
        )

    first, second = _race(put, put, committed.factory)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert (first.created, second.created) == (True, False)  # type: ignore[attr-defined]
    assert first.notification_id == second.notification_id  # type: ignore[attr-defined]
    with unit_of_work(committed.factory) as session:
        assert (
            len(session.scalars(select(Notification).where(Notification.dedup_key == key)).all())
            == 1
        )
