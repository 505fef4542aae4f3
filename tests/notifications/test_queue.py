"""The queue: once per dedup key, opt-out, quiet hours, superseding, and a sender's outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import Shipment
from delivery.db.notification_models import Notification, NotificationStatus, SkipReason
from delivery.notifications import queue
from delivery.notifications.claims import claim_due
from delivery.notifications.kinds import Deserved, NotificationKind
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import (
    Enqueued,
    enqueue,
    enqueue_deserved,
    mark_failed,
    mark_held,
    mark_sent,
    release,
)
from delivery.vocabulary import Channel
from tests import factories
from tests.factories import NOW

K = NotificationKind
Q = NotificationStatus
POLICY = QueuePolicy()  # quiet 21:00-08:00, Europe/London fallback, 5 attempts, 30 s doubling
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def parcel(session: Session) -> Shipment:
    """A parcel of a London customer."""
    return factories.shipment(session, factories.order(session))


def _put(
    session: Session,
    parcel: Shipment,
    key: str = "delay-1",
    *,
    kind: K = K.DELAYED,
    now: dt.datetime = NOW,
    **extra: Any,
) -> Enqueued:
    return enqueue(
        session,
        customer_id=parcel.order.customer_id,
        shipment_id=parcel.id,
        kind=kind,
        dedup_key=f"{parcel.id}:{key}",
        values={"eta_date": "2026-03-06"},
        now=now,
        policy=POLICY,
        **extra,
    )


def _row(session: Session, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id, populate_existing=True)
    assert row is not None
    return row


def _claim_one(session: Session, worker: str = "w1", now: dt.datetime = NOW) -> int:
    [claimed] = claim_due(session, worker=worker, now=now, limit=1, policy=POLICY)
    return claimed.id


# --- enqueue ---------------------------------------------------------------------------------


def test_a_notification_is_queued_with_its_values(session: Session, parcel: Shipment) -> None:
    put = _put(session, parcel)
    assert (put.created, put.status, put.skip_reason, put.not_before) == (True, Q.QUEUED, None, NOW)
    row = _row(session, put.notification_id)
    assert (row.customer_id, row.shipment_id, row.kind) == (
        parcel.order.customer_id,
        parcel.id,
        K.DELAYED,
    )
    assert (row.values, row.attempts, row.due_at, row.created_at) == (
        {"eta_date": "2026-03-06"},
        0,
        NOW,
        NOW,
    )
    assert (row.claimed_by, row.claimed_until, row.sent_at, row.channel) == (None, None, None, None)


def test_the_same_key_twice_is_one_notification(session: Session, parcel: Shipment) -> None:
    first = _put(session, parcel)
    again = _put(session, parcel, now=NOW + MINUTE)
    assert (again.notification_id, again.created) == (first.notification_id, False)
    count = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.shipment_id == parcel.id)
    )
    assert count == 1


def test_a_key_already_sent_is_not_queued_again(session: Session, parcel: Shipment) -> None:
    first = _put(session, parcel)
    _claim_one(session)
    mark_sent(
        session,
        first.notification_id,
        worker="w1",
        now=NOW,
        channel=Channel.WEB,
        conversation_id="web-1",
    )
    again = _put(session, parcel, now=NOW + dt.timedelta(days=1))
    assert (again.created, again.status) == (False, Q.SENT)


def test_an_insert_that_loses_the_race_answers_with_the_winner(
    session: Session, parcel: Shipment, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = factories.notification(session, parcel, dedup_key=f"{parcel.id}:delay-1")
    real_by_key = queue._by_key
    looks = iter([None])  # the first look finds nothing: the other caller had not committed

    def by_key(session_: Session, key: str) -> Notification | None:
        return next(looks, None) or real_by_key(session_, key)

    monkeypatch.setattr(queue, "_by_key", by_key)
    put = _put(session, parcel)
    assert (put.notification_id, put.created) == (winner.id, False)
    same_key = select(Notification).where(Notification.dedup_key == f"{parcel.id}:delay-1")
    assert len(session.scalars(same_key).all()) == 1  # the losing insert was undone


def test_an_evening_notification_waits_for_the_customers_morning(session: Session) -> None:
    tokyo = factories.customer(session, timezone="Asia/Tokyo")
    parcel = factories.shipment(session, factories.order(session, customer_=tokyo))
    put = _put(session, parcel, now=NOW + dt.timedelta(hours=3))  # 13:00 UTC, 22:00 in Tokyo
    assert put.not_before == dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)  # 08:00 in Tokyo
    assert _row(session, put.notification_id).due_at == NOW + dt.timedelta(hours=3)


def test_an_unknown_customer_zone_uses_the_default(session: Session) -> None:
    lost = factories.customer(session, timezone="Atlantis/Capital")
    parcel = factories.shipment(session, factories.order(session, customer_=lost))
    put = _put(session, parcel, now=NOW.replace(hour=22))  # 22:00 in London
    assert put.not_before == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_a_later_due_time_is_kept_and_moved_out_of_quiet_hours(
    session: Session, parcel: Shipment
) -> None:
    in_the_afternoon = _put(session, parcel, "rating-a", due_at=NOW + dt.timedelta(hours=4))
    assert in_the_afternoon.not_before == NOW + dt.timedelta(hours=4)
    at_night = _put(session, parcel, "rating-b", due_at=NOW + dt.timedelta(hours=12))  # 22:00
    assert at_night.not_before == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_an_opted_out_customer_gets_a_skipped_row(session: Session) -> None:
    quiet = factories.customer(session, notifications_opt_out=True)
    parcel = factories.shipment(session, factories.order(session, customer_=quiet))
    put = _put(session, parcel)
    assert (put.created, put.status, put.skip_reason) == (True, Q.SKIPPED, SkipReason.OPTED_OUT)
    assert claim_due(session, worker="w1", now=NOW, limit=10, policy=POLICY) == []
    quiet.notifications_opt_out = False  # opting back in does not bring old news back
    assert _put(session, parcel).created is False


def test_a_notification_already_moot_is_skipped(session: Session, parcel: Shipment) -> None:
    put = _put(session, parcel, expires_at=NOW)
    assert (put.status, put.skip_reason) == (Q.SKIPPED, SkipReason.EXPIRED)


def test_an_unknown_customer_is_an_error(session: Session, parcel: Shipment) -> None:
    with pytest.raises(ValueError, match="no customer"):
        enqueue(
            session,
            customer_id=10**9,
            shipment_id=parcel.id,
            kind=K.DELAYED,
            dedup_key="x",
            values={},
            now=NOW,
            policy=POLICY,
        )


def test_what_a_rule_found_is_queued_as_it_says(session: Session, parcel: Shipment) -> None:
    deserved = Deserved(
        K.RATING_REQUEST,
        f"{parcel.id}:rating_request",
        {"delivered_at": NOW.isoformat()},
        due_at=NOW + dt.timedelta(hours=4),
        expires_at=NOW + dt.timedelta(days=8),
    )
    put = enqueue_deserved(
        session,
        deserved,
        customer_id=parcel.order.customer_id,
        shipment_id=parcel.id,
        now=NOW,
        policy=POLICY,
    )
    row = _row(session, put.notification_id)
    assert (row.kind, row.dedup_key, row.values) == (
        K.RATING_REQUEST,
        deserved.dedup_key,
        deserved.values,
    )
    assert (row.due_at, row.not_before, row.expires_at) == (
        deserved.due_at,
        deserved.due_at,
        deserved.expires_at,
    )


# --- superseding -----------------------------------------------------------------------------


def test_delivered_makes_waiting_delay_news_moot(session: Session, parcel: Shipment) -> None:
    delay = _put(session, parcel, "delayed:2026-03-06")
    held = factories.notification(session, parcel, kind=K.OUT_FOR_DELIVERY, status=Q.HELD)
    other_parcel = factories.shipment(session, factories.order(session))
    elsewhere = factories.notification(session, other_parcel)
    delivered = _put(session, parcel, "delivered", kind=K.DELIVERED)
    assert (
        _row(session, delay.notification_id).status,
        _row(session, delay.notification_id).skip_reason,
    ) == (
        Q.SKIPPED,
        SkipReason.SUPERSEDED,
    )
    assert _row(session, held.id).status is Q.SKIPPED
    assert _row(session, elsewhere.id).status is Q.QUEUED
    assert _row(session, delivered.notification_id).status is Q.QUEUED


def test_a_newer_delay_date_supersedes_the_older_one(session: Session, parcel: Shipment) -> None:
    older = _put(session, parcel, "delayed:2026-03-05")
    newer = _put(session, parcel, "delayed:2026-03-07")
    assert _row(session, older.notification_id).status is Q.SKIPPED
    assert _row(session, newer.notification_id).status is Q.QUEUED


def test_a_notification_in_a_senders_hands_is_not_superseded(
    session: Session, parcel: Shipment
) -> None:
    delay = _put(session, parcel, "delayed:2026-03-05")
    _claim_one(session)
    _put(session, parcel, "delivered", kind=K.DELIVERED)
    assert _row(session, delay.notification_id).status is Q.QUEUED


def test_the_rating_question_supersedes_nothing(session: Session, parcel: Shipment) -> None:
    delivered = _put(session, parcel, "delivered", kind=K.DELIVERED)
    _put(session, parcel, "rating", kind=K.RATING_REQUEST)
    assert _row(session, delivered.notification_id).status is Q.QUEUED


# --- outcomes --------------------------------------------------------------------------------


def test_sent_records_where_it_went(session: Session, parcel: Shipment) -> None:
    nid = _put(session, parcel).notification_id
    _claim_one(session)
    later = NOW + 2 * SECOND
    assert mark_sent(
        session, nid, worker="w1", now=later, channel=Channel.TELEGRAM, conversation_id="tg-42"
    )
    row = _row(session, nid)
    assert (row.status, row.sent_at, row.channel, row.conversation_id) == (
        Q.SENT,
        later,
        Channel.TELEGRAM,
        "tg-42",
    )
    assert (row.claimed_by, row.claimed_until, row.attempts) == ("w1", None, 1)


def test_only_the_holder_reports_and_only_once(session: Session, parcel: Shipment) -> None:
    nid = _put(session, parcel).notification_id
    assert not mark_sent(
        session, nid, worker="w1", now=NOW, channel=Channel.WEB, conversation_id="web-1"
    )  # unclaimed
    _claim_one(session, "w1")
    assert not mark_sent(
        session, nid, worker="w2", now=NOW, channel=Channel.WEB, conversation_id="web-1"
    )
    assert mark_failed(session, nid, worker="w2", now=NOW, error="x", policy=POLICY) is None
    assert not mark_held(session, nid, worker="w2")
    assert not release(session, nid, worker="w2")
    assert mark_sent(
        session, nid, worker="w1", now=NOW, channel=Channel.WEB, conversation_id="web-1"
    )
    assert not mark_sent(
        session, nid, worker="w1", now=NOW, channel=Channel.WEB, conversation_id="web-1"
    )


def test_a_failure_is_retried_with_a_doubling_backoff_then_fails(
    session: Session, parcel: Shipment
) -> None:
    policy = QueuePolicy(max_attempts=3, retry_base=30 * SECOND, retry_max=dt.timedelta(hours=1))
    nid = _put(session, parcel).notification_id
    now, waits = NOW, []
    for _ in range(2):
        [claimed] = claim_due(session, worker="w1", now=now, limit=1, policy=policy)
        status = mark_failed(
            session, nid, worker="w1", now=now, error="Bot API: 502", policy=policy
        )
        row = _row(session, nid)
        assert (status, row.status, row.claimed_by, row.last_error) == (
            Q.QUEUED,
            Q.QUEUED,
            None,
            "Bot API: 502",
        )
        waits.append(row.not_before - now)
        assert (
            claim_due(session, worker="w1", now=row.not_before - SECOND, limit=1, policy=policy)
            == []
        )
        now = row.not_before
    assert waits == [30 * SECOND, 60 * SECOND]
    [claimed] = claim_due(session, worker="w1", now=now, limit=1, policy=policy)
    assert claimed.attempt == 3
    assert (
        mark_failed(session, nid, worker="w1", now=now, error="Bot API: 502", policy=policy)
        is Q.FAILED
    )
    row = _row(session, nid)
    assert (row.status, row.attempts, row.claimed_until) == (Q.FAILED, 3, None)
    assert (
        claim_due(session, worker="w1", now=now + dt.timedelta(days=1), limit=1, policy=policy)
        == []
    )


def test_a_permanent_failure_is_final_at_once(session: Session, parcel: Shipment) -> None:
    nid = _put(session, parcel).notification_id
    _claim_one(session)
    status = mark_failed(
        session,
        nid,
        worker="w1",
        now=NOW,
        error="Forbidden: bot was blocked by the user",
        policy=POLICY,
        permanent=True,
    )
    assert status is Q.FAILED
    assert _row(session, nid).last_error == "Forbidden: bot was blocked by the user"


def test_a_retry_that_would_land_in_quiet_hours_waits_for_the_morning(
    session: Session, parcel: Shipment
) -> None:
    evening = NOW.replace(hour=20, minute=59, second=50)  # 30 s later it is 21:00:20 in London
    nid = _put(session, parcel, now=evening).notification_id
    _claim_one(session, now=evening)
    mark_failed(session, nid, worker="w1", now=evening, error="timeout", policy=POLICY)
    assert _row(session, nid).not_before == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_a_retry_after_from_the_channel_is_respected(session: Session, parcel: Shipment) -> None:
    nid = _put(session, parcel).notification_id
    _claim_one(session)
    mark_failed(
        session, nid, worker="w1", now=NOW, error="429", policy=POLICY, retry_after=NOW + 5 * MINUTE
    )
    assert _row(session, nid).not_before == NOW + 5 * MINUTE


def test_a_long_error_is_cut(session: Session, parcel: Shipment) -> None:
    nid = _put(session, parcel).notification_id
    _claim_one(session)
    mark_failed(session, nid, worker="w1", now=NOW, error="x" * 5000, policy=POLICY)
    assert len(_row(session, nid).last_error or "") == queue.MAX_ERROR_CHARS


def test_held_waits_for_the_customer_and_is_not_an_attempt(
    session: Session, parcel: Shipment
) -> None:
    nid = _put(session, parcel).notification_id
    _claim_one(session)
    assert mark_held(session, nid, worker="w1")
    row = _row(session, nid)
    assert (row.status, row.attempts, row.claimed_by, row.claimed_until) == (Q.HELD, 0, None, None)
    assert (
        claim_due(session, worker="w1", now=NOW + dt.timedelta(hours=1), limit=5, policy=POLICY)
        == []
    )


def test_a_release_gives_it_back_untried(session: Session, parcel: Shipment) -> None:
    nid = _put(session, parcel).notification_id
    _claim_one(session, "w1")
    assert release(session, nid, worker="w1")
    row = _row(session, nid)
    assert (row.status, row.attempts, row.claimed_by) == (Q.QUEUED, 0, None)
    assert _claim_one(session, "w2") == nid  # at once, by anyone
    assert release(session, nid, worker="w2", not_before=NOW + MINUTE)  # "retry after 60 s"
    assert claim_due(session, worker="w1", now=NOW + 59 * SECOND, limit=1, policy=POLICY) == []
    assert _claim_one(session, "w1", now=NOW + MINUTE) == nid
