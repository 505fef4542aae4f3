"""Notifications in the website widget, through the whole gateway (socket.io on loopback, a
stand-in Rasa): a held notification is told when the customer opens the widget; one that comes
due while the widget is open is told at once; either stays in the conversation's history."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import NOTIFY_INTENT
from delivery.db.models import ChannelIdentity
from delivery.db.notification_models import Notification, NotificationStatus
from delivery.vocabulary import Channel
from tests import factories
from tests.bot.rasa_standin import TOKEN, rasa_standin
from tests.bot.test_socket_channel import SESSION, Widget, gateway, widgets

CONVERSATION = f"web-{SESSION}"
QUICK = {"NOTIFIER_POLL_SECONDS": 0.1, "QUIET_HOURS": "", "RASA_TOKEN": TOKEN}


def notification_for_widget(
    sessions: sessionmaker[Session], status: NotificationStatus = NotificationStatus.QUEUED
) -> int:
    with sessions.begin() as session:
        order = factories.order(session)
        shipment = factories.shipment(session, order)
        session.add(
            ChannelIdentity(
                channel=Channel.WEB,
                external_id=CONVERSATION,
                customer_id=order.customer_id,
                created_at=factories.NOW,
            )
        )
        return factories.notification(session, shipment, status=status).id


def status_of(sessions: sessionmaker[Session], notification_id: int) -> Notification:
    with sessions() as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found


async def test_a_held_notification_is_told_when_the_widget_opens(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    notification_id = notification_for_widget(sessions, NotificationStatus.HELD)
    widget = Widget()
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, **QUICK) as url,
        widgets(url, widget),
    ):
        await asyncio.sleep(0.3)  # the sender's loop has looked: a held one is not its to send
        assert rasa.triggered == []
        await widget.start(url)
        told = await widget.expect("bot_uttered")
        # Delivered first, then recorded (with the notification marked sent): wait for that.
        async with asyncio.timeout(10):
            while status_of(sessions, notification_id).status is not NotificationStatus.SENT:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        history = await widget.history()

    assert told == {"text": f"triggered {NOTIFY_INTENT}"}
    assert rasa.triggered == [
        (CONVERSATION, NOTIFY_INTENT, {"notification_id": str(notification_id)})
    ]
    sent = status_of(sessions, notification_id)
    assert (sent.status, sent.channel, sent.conversation_id) == (
        NotificationStatus.SENT,
        Channel.WEB,
        CONVERSATION,
    )
    assert [m["text"] for m in history] == [f"triggered {NOTIFY_INTENT}"]


async def test_a_notification_due_while_the_widget_is_open_is_told_at_once(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    widget = Widget()
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, **QUICK) as url,
        widgets(url, widget),
    ):
        await widget.start(url)
        notification_id = notification_for_widget(sessions)  # queued now; the widget is open
        told = await widget.expect("bot_uttered")

    assert told == {"text": f"triggered {NOTIFY_INTENT}"}
    assert status_of(sessions, notification_id).status is NotificationStatus.SENT


async def test_a_closed_widget_holds_it(database_url: str, sessions: sessionmaker[Session]) -> None:
    widget = Widget()
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, **QUICK) as url,
        widgets(url, widget),
    ):
        await widget.start(url)
        await widget.close()
        await asyncio.sleep(0.2)
        notification_id = notification_for_widget(sessions)
        async with asyncio.timeout(10):
            while status_of(sessions, notification_id).status is NotificationStatus.QUEUED:  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    assert status_of(sessions, notification_id).status is NotificationStatus.HELD
    assert rasa.triggered == []
