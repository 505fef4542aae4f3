"""The gateway's notification sender against a stand-in Rasa (its trigger-intent API) and the
test database: a due notification is raised in the customer's chat and marked sent with its
transcript entry; no reachable chat holds it until the widget opens; a chat with an agent is
not interrupted; Rasa down or a blocked chat are failures of the right kind; two senders never
tell one notification twice; a shutdown loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation_queue import Undeliverable
from bot.notifier import NOTIFY_INTENT, Notifier, NotifierConfig
from bot.rasa_client import RasaClient
from bot.relay import Outgoing, Relay
from delivery.db.models import ChannelIdentity, TranscriptEntry, TranscriptSender
from delivery.db.notification_models import Notification, NotificationStatus
from delivery.notifications.policy import QueuePolicy
from delivery.settings import Settings
from delivery.vocabulary import Channel
from tests import factories
from tests.bot.conftest import NOWHERE
from tests.bot.inbox import Inbox
from tests.bot.rasa_standin import TOKEN, rasa_standin
from tests.bot.test_relay import FAST

NOW = factories.NOW + dt.timedelta(minutes=1)
TELEGRAM = "tg-5151"
WEB = "web-notified-widget-1"
POLICY = QueuePolicy(quiet_hours=None)
QUICK = NotifierConfig(concurrency=4, poll_seconds=0.05, shutdown_seconds=5)


@dataclass
class Sender:
    notifier: Notifier
    relay: Relay
    inboxes: dict[str, Inbox]
    open_widgets: set[str]


@asynccontextmanager
async def sender_on(
    sessions: sessionmaker[Session],
    rasa_url: str,
    *,
    deliver: Callable[[str], Callable[[Sequence[Outgoing]], object]] | None = None,
    worker: str = "test-sender",
    start: bool = True,
) -> AsyncIterator[Sender]:
    config = Settings(RASA_TIMEOUT_SECONDS=5, SLOW_REPLY_NOTICE_SECONDS=3)
    client = RasaClient(rasa_url, timeout=5, token=TOKEN, action_server_url=rasa_url)
    relay = Relay(sessions=sessions, settings=config, rasa=client, backoff=FAST, clock=lambda: NOW)
    inboxes: dict[str, Inbox] = {}

    def deliver_to(sender: str) -> Inbox:
        return inboxes.setdefault(sender, Inbox())

    relay.register_channel(Channel.WEB, deliver or deliver_to)  # type: ignore[arg-type]
    relay.register_channel(Channel.TELEGRAM, deliver or deliver_to)  # type: ignore[arg-type]
    open_widgets: set[str] = set()
    notifier = Notifier(
        sessions=sessions,
        relay=relay,
        policy=POLICY,
        reachable=lambda channel, id_: channel is Channel.TELEGRAM or id_ in open_widgets,
        config=QUICK,
        worker=worker,
        clock=lambda: NOW,
    )
    if start:
        notifier.start()
    try:
        yield Sender(notifier, relay, inboxes, open_widgets)
    finally:
        await notifier.aclose()
        await relay.aclose()
        await client.aclose()


def queued(
    sessions: sessionmaker[Session], *chats: tuple[Channel, str], count: int = 1
) -> list[int]:
    """``count`` queued notifications for a customer linked to ``chats``; their ids."""
    with sessions.begin() as session:
        order = factories.order(session)
        shipment = factories.shipment(session, order)
        customer_id = order.customer_id
        for channel, external_id in chats:
            session.add(
                ChannelIdentity(
                    channel=channel,
                    external_id=external_id,
                    customer_id=customer_id,
                    created_at=NOW,
                )
            )
        return [factories.notification(session, shipment).id for _ in range(count)]


def row(sessions: sessionmaker[Session], notification_id: int) -> Notification:
    with sessions() as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        session.expunge(found)
        return found


async def settled(sessions: sessionmaker[Session], notification_id: int) -> Notification:
    """The notification once a sender has dealt with it: sent, held, failed, or given back for
    later (fails after 10 s)."""
    async with asyncio.timeout(10):
        while True:
            found = row(sessions, notification_id)
            if found.status is not NotificationStatus.QUEUED:
                return found
            later = found.not_before.replace(tzinfo=dt.UTC) > NOW
            if found.claimed_by is None and (found.attempts > 0 or later):
                return found  # failed once and queued for a retry, or given back
            await asyncio.sleep(0.02)


async def test_a_due_notification_is_raised_in_the_linked_chat_and_marked_sent(
    sessions: sessionmaker[Session],
) -> None:
    (notification_id,) = queued(sessions, (Channel.TELEGRAM, TELEGRAM))
    async with rasa_standin() as rasa, sender_on(sessions, rasa.url) as sender:
        done = await settled(sessions, notification_id)
        texts = await sender.inboxes[TELEGRAM].wait_for(1)

    assert rasa.triggered == [(TELEGRAM, NOTIFY_INTENT, {"notification_id": str(notification_id)})]
    assert texts == [f"triggered {NOTIFY_INTENT}"]
    assert done.status is NotificationStatus.SENT
    assert (done.channel, done.conversation_id) == (Channel.TELEGRAM, TELEGRAM)
    with sessions() as session:
        entries = session.scalars(
            select(TranscriptEntry).where(TranscriptEntry.conversation_id == TELEGRAM)
        ).all()
    assert [(e.sender, e.text, e.message_metadata) for e in entries] == [
        (TranscriptSender.BOT, texts[0], {"notification_id": notification_id})
    ]


async def test_the_chat_used_last_is_the_one_told(sessions: sessionmaker[Session]) -> None:
    (notification_id,) = queued(sessions, (Channel.TELEGRAM, TELEGRAM), (Channel.WEB, WEB))
    with sessions.begin() as session:
        session.add(
            TranscriptEntry(
                channel=Channel.WEB,
                conversation_id=WEB,
                sender=TranscriptSender.CUSTOMER,
                text="hi",
                created_at=NOW,
            )
        )
    async with rasa_standin() as rasa, sender_on(sessions, rasa.url, start=False) as sender:
        sender.open_widgets.add(WEB)
        sender.notifier.start()
        done = await settled(sessions, notification_id)

    assert done.conversation_id == WEB
    assert [sender_id for sender_id, _, _ in rasa.triggered] == [WEB]


async def test_with_no_reachable_chat_it_is_held_until_the_widget_opens(
    sessions: sessionmaker[Session],
) -> None:
    (notification_id,) = queued(sessions, (Channel.WEB, WEB))
    async with rasa_standin() as rasa, sender_on(sessions, rasa.url) as sender:
        held = await settled(sessions, notification_id)
        assert held.status is NotificationStatus.HELD
        assert rasa.triggered == []

        sender.open_widgets.add(WEB)
        await sender.notifier.customer_opened(Channel.WEB, WEB)
        told = row(sessions, notification_id)

    assert told.status is NotificationStatus.SENT
    assert told.conversation_id == WEB
    assert sender.inboxes[WEB].texts() == [f"triggered {NOTIFY_INTENT}"]


async def test_opening_an_unlinked_widget_claims_nothing(sessions: sessionmaker[Session]) -> None:
    (notification_id,) = queued(sessions)  # the customer has no linked chat at all
    async with rasa_standin() as rasa, sender_on(sessions, rasa.url, start=False) as sender:
        await sender.notifier.customer_opened(Channel.WEB, "web-a-stranger-123")
    assert rasa.triggered == []
    assert row(sessions, notification_id).status is NotificationStatus.QUEUED


async def test_a_chat_with_a_live_agent_is_not_interrupted(sessions: sessionmaker[Session]) -> None:
    (notification_id,) = queued(sessions, (Channel.TELEGRAM, TELEGRAM))
    with sessions.begin() as session:
        factories.handoff(session, conversation_id=TELEGRAM, channel=Channel.TELEGRAM)
    async with rasa_standin() as rasa, sender_on(sessions, rasa.url):
        later = await settled(sessions, notification_id)

    assert rasa.triggered == []
    assert later.status is NotificationStatus.QUEUED
    assert later.attempts == 0  # given back, not a failed try
    assert later.not_before.replace(tzinfo=dt.UTC) >= NOW + dt.timedelta(minutes=4)


async def test_rasa_down_is_a_failed_try_retried_later(sessions: sessionmaker[Session]) -> None:
    (notification_id,) = queued(sessions, (Channel.TELEGRAM, TELEGRAM))
    async with sender_on(sessions, NOWHERE) as sender:
        failed = await settled(sessions, notification_id)

    assert failed.status is NotificationStatus.QUEUED
    assert failed.attempts == 1
    assert failed.last_error is not None and "Rasa" in failed.last_error
    assert failed.not_before.replace(tzinfo=dt.UTC) > NOW
    assert all(inbox.messages == [] for inbox in sender.inboxes.values())


async def test_a_chat_that_blocked_the_bot_fails_for_good(sessions: sessionmaker[Session]) -> None:
    (notification_id,) = queued(sessions, (Channel.TELEGRAM, TELEGRAM))

    def blocked(sender: str) -> Callable[[Sequence[Outgoing]], object]:
        async def deliver(messages: Sequence[Outgoing]) -> None:
            raise Undeliverable("blocked", permanent=True)

        return deliver

    async with rasa_standin() as rasa, sender_on(sessions, rasa.url, deliver=blocked):
        failed = await settled(sessions, notification_id)

    assert failed.status is NotificationStatus.FAILED
    assert failed.last_error == "blocked"
    with sessions() as session:
        assert session.scalars(select(TranscriptEntry)).all() == []


async def test_an_assistant_that_says_nothing_is_not_counted_as_told(
    sessions: sessionmaker[Session],
) -> None:
    (notification_id,) = queued(sessions, (Channel.TELEGRAM, TELEGRAM))
    async with rasa_standin(trigger_reply=lambda sender, name: []) as rasa:
        rasa.actions_up = True
        async with sender_on(sessions, rasa.url):
            failed = await settled(sessions, notification_id)
    assert failed.status is NotificationStatus.FAILED
    assert failed.last_error == "the assistant said nothing"


async def test_two_senders_tell_each_notification_once(sessions: sessionmaker[Session]) -> None:
    ids = queued(sessions, (Channel.TELEGRAM, TELEGRAM), count=12)
    async with (
        rasa_standin(trigger_delay=0.01) as rasa,
        sender_on(sessions, rasa.url, worker="gw-1"),
        sender_on(sessions, rasa.url, worker="gw-2"),
    ):
        for notification_id in ids:
            await settled(sessions, notification_id)

    told = sorted(int(entities["notification_id"]) for _, _, entities in rasa.triggered)
    assert told == sorted(ids)
    assert {row(sessions, i).status for i in ids} == {NotificationStatus.SENT}


async def test_a_shutdown_finishes_what_is_in_flight_and_loses_nothing(
    sessions: sessionmaker[Session],
) -> None:
    ids = queued(sessions, (Channel.TELEGRAM, TELEGRAM), count=20)
    async with rasa_standin(trigger_delay=0.05) as rasa:
        async with sender_on(sessions, rasa.url, worker="before"):
            await asyncio.sleep(0.2)  # stopped midway
        rows = [row(sessions, i) for i in ids]
        statuses = {r.status for r in rows}
        assert statuses == {NotificationStatus.SENT, NotificationStatus.QUEUED}
        left = [r for r in rows if r.status is NotificationStatus.QUEUED]
        assert all(r.claimed_by is None and r.attempts == 0 for r in left)  # none left leased

        async with sender_on(sessions, rasa.url, worker="after"):
            for notification_id in ids:
                await settled(sessions, notification_id)

    told = [int(entities["notification_id"]) for _, _, entities in rasa.triggered]
    assert sorted(told) == sorted(ids)  # each exactly once, across the restart
    assert {row(sessions, i).status for i in ids} == {NotificationStatus.SENT}
