"""Told before they ask: the demo carrier reports delays, and two customers hear of them in the
chats they use, one in the website widget, one on Telegram; the widget's customer then moves
the delivery to another day in reply, without being asked which order or who they are.

Everything is real but Telegram's servers: the gateway app (socket.io, the Telegram channel
polling the Bot API stand-in, the carrier webhook, the notification sender), the demo carrier
service's simulation and signed webhooks, Rasa with the trained model, the action server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import create_app as create_gateway
from delivery.clock import utcnow
from delivery.db.models import Carrier, DeliveryChange, Shipment
from delivery.db.notification_models import Notification, NotificationStatus
from delivery.demo.carriers import SWIFT, EventKind
from delivery.settings import Settings
from delivery.vocabulary import ChangeKind, Channel
from democarrier.app import create_app as create_demo_carrier
from democarrier.app import read_world
from tests import factories
from tests.bot.servers import serve_asgi
from tests.bot.test_socket_channel import Widget
from tests.democarrier.conftest import CARRIER_ENV, runtime_of, still
from tests.support.assistant import Assistant
from tests.support.telegram_standin import Call, TelegramStandin, TelegramUser

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

BEA = TelegramUser(id=910311, first_name="Bea", language_code="en")
RASA_TURN = 60.0


@dataclass(frozen=True)
class Customer:
    order_number: str
    email: str
    tracking_number: str

    @property
    def proof(self) -> str:
        return f"{self.order_number} {self.email}"


def customer_with_a_parcel(db: Session) -> Customer:
    """A customer whose Swift parcel is on its way, promised four days out (the carrier has
    scanned it once, so the demo carrier knows it)."""
    swift = db.scalars(select(Carrier).where(Carrier.code == "swift")).one()
    email = f"told.{secrets.token_hex(4)}@example.com"
    customer = factories.customer(db, email=email, timezone="Europe/London")
    number = str(800000 + secrets.randbelow(90000))
    order = factories.order(db, customer_=customer, number=number)
    promised = (utcnow() + dt.timedelta(days=4)).date()
    tracking = f"SWT{secrets.token_hex(5).upper()}"
    shipment = factories.shipment(
        db,
        order,
        carrier_=swift,
        tracking_number=tracking,
        promised_date=promised,
        eta_date=promised,
        status_updated_at=utcnow() - dt.timedelta(hours=3),
    )
    factories.tracking_event(
        db,
        shipment,
        external_id=f"swift-{tracking}-1",
        raw_code=SWIFT.raw_codes[EventKind.HUB_OUT],
        occurred_at=utcnow() - dt.timedelta(hours=3),
        recorded_at=utcnow() - dt.timedelta(hours=3),
    )
    db.commit()
    return Customer(number, email, tracking)


@asynccontextmanager
async def gateway(assistant: Assistant, standin: TelegramStandin) -> AsyncIterator[str]:
    settings = Settings(
        **{
            **CARRIER_ENV,
            "DATABASE_URL": assistant.database_url,
            "RASA_URL": assistant.rasa_url,
            "RASA_TOKEN": assistant.token,
            "ACTION_SERVER_URL": assistant.action_server_url,
            "RASA_TIMEOUT_SECONDS": RASA_TURN,
            "SLOW_REPLY_NOTICE_SECONDS": RASA_TURN,
            "TELEGRAM_BOT_TOKEN": standin.token,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "QUIET_HOURS": "",  # whatever the hour CI runs at
            "NOTIFIER_POLL_SECONDS": 0.5,
        }
    )
    app = create_gateway(settings)
    app.sockets.server.eio.ping_interval = app.sockets.server.eio.ping_timeout = 1
    async with serve_asgi(app) as url:
        yield url


async def report_delays(assistant: Assistant, gateway_url: str, *tracking: str) -> None:
    """The demo carrier's simulation delays the parcels and sends its signed webhooks."""
    world = read_world(assistant.database_url)
    parcels = [world.parcels["swift"][number] for number in tracking]
    now = utcnow()
    async with httpx.AsyncClient(timeout=30) as client:
        demo_app = create_demo_carrier(
            Settings(**{**CARRIER_ENV, "DATABASE_URL": assistant.database_url}),
            still(DEMO_CARRIER_GATEWAY_URL=gateway_url),
            world=world,
            clock=lambda: now,
            client=client,
        )
        async with demo_app.router.lifespan_context(demo_app) as state:
            demo = runtime_of(state)
            delays = [demo.simulator.inject(p, EventKind.DELAYED, now) for p in parcels]
            demo.outbox.add(demo.writer.deliveries(delays, now))
            report = await demo.outbox.deliver(now)
    assert report.answers and set(report.answers) == {200}, report


class WidgetChat:
    """The widget's customer: what they say, and what the bot sends them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.widget = Widget()
        self.session_id = f"told-{secrets.token_hex(6)}"

    async def open(self) -> None:
        await self.widget.start(self.url, self.session_id)

    async def say(self, text: str) -> list[dict[str, Any]]:
        await self.widget.say(text, self.session_id)
        return await self.replies()

    async def replies_until(self, wanted: Callable[[str], bool]) -> list[dict[str, Any]]:
        """What the bot sends from its first message whose text satisfies ``wanted`` on,
        until it has been quiet (earlier messages are skipped)."""
        async with asyncio.timeout(RASA_TURN):
            while True:
                name, data = await self.widget.events.get()
                if name == "bot_uttered" and wanted(str(data.get("text") or "")):
                    break
        return [data, *await self.replies(first_within=0)]

    async def replies(
        self, quiet: float = 2.0, first_within: float = RASA_TURN
    ) -> list[dict[str, Any]]:
        """What the bot sends until it has been quiet for ``quiet`` seconds."""
        got: list[dict[str, Any]] = []
        if first_within:
            async with asyncio.timeout(first_within):
                while True:
                    name, data = await self.widget.events.get()
                    if name == "bot_uttered":
                        got.append(data)
                        break
        while True:
            try:
                name, data = await asyncio.wait_for(self.widget.events.get(), quiet)
            except TimeoutError:
                return got
            if name == "bot_uttered":
                got.append(data)


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies)


def buttons_of(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for r in replies for b in r.get("quick_replies") or []]


def told(db: Session, tracking: str) -> Notification:
    db.expire_all()
    return db.scalars(
        select(Notification)
        .join(Shipment, Shipment.id == Notification.shipment_id)
        .where(Shipment.tracking_number == tracking)
    ).one()


async def telegram_turn(
    standin: TelegramStandin, first: Callable[[str], bool], quiet: float = 3.0
) -> list[Call]:
    """Bea's messages from the first whose text satisfies ``first``, once no more come (the
    chat's one-message-a-second limit spaces a turn's messages out)."""
    opening = await standin.wait_for(
        "sendMessage",
        lambda c: c.chat_id == BEA.chat_id and first((c.text or "").lower()),
        within=RASA_TURN,
    )
    start = standin.calls_to("sendMessage", BEA.chat_id).index(opening[0])
    sent = standin.calls_to("sendMessage", BEA.chat_id)
    while True:
        await asyncio.sleep(quiet)
        now = standin.calls_to("sendMessage", BEA.chat_id)
        if len(now) == len(sent):
            return now[start:]
        sent = now


async def test_a_delay_reaches_the_widget_and_telegram_and_the_customer_moves_it(
    assistant: Assistant, db: Session
) -> None:
    ada, bea = customer_with_a_parcel(db), customer_with_a_parcel(db)
    async with TelegramStandin().running() as standin, gateway(assistant, standin) as url:
        # Both have talked to the assistant before and proved who they are.
        chat = WidgetChat(url)
        try:
            await chat.open()
            answer = text_of(await chat.say(f"where is my order {ada.proof}"))
            assert ada.tracking_number in answer, answer
            await standin.say(BEA, f"where is my order {bea.proof}")
            tracking = bea.tracking_number.lower()
            await telegram_turn(standin, lambda text: tracking in text)

            await report_delays(assistant, url, ada.tracking_number, bea.tracking_number)

            # Ada, in the widget she has open, is told at once.
            notice = await chat.replies_until(lambda text: "sorry" in text.lower())
            offered = buttons_of(notice)
            assert offered, notice
            # Bea hears it on Telegram, with the options as buttons.
            on_telegram = await telegram_turn(standin, lambda text: "sorry" in text)
            assert "sorry" in "\n".join(c.text or "" for c in on_telegram).lower(), on_telegram
            assert any(c.inline_buttons for c in on_telegram), on_telegram

            for customer, channel in ((ada, Channel.WEB), (bea, Channel.TELEGRAM)):
                row = told(db, customer.tracking_number)
                assert (row.status, row.channel) == (NotificationStatus.SENT, channel)

            # Ada answers the message: another day, no questions about which order or who.
            replies = await chat.say("can I have it on another day instead?")
            slots = buttons_of(replies)
            assert slots, text_of(replies)
            assert "order number" not in text_of(replies).lower()
            await chat.say(slots[0]["payload"])
            done = text_of(await chat.say("yes"))
        finally:
            await chat.widget.close()

    db.rollback()  # a fresh read: the action server committed the change
    shipment = db.scalars(
        select(Shipment).where(Shipment.tracking_number == ada.tracking_number)
    ).one()
    changes = db.scalars(
        select(DeliveryChange).where(DeliveryChange.shipment_id == shipment.id)
    ).all()
    assert [change.kind for change in changes] == [ChangeKind.RESCHEDULE], done
    assert shipment.promised_date is not None
    assert f"{shipment.promised_date.day} " in done, done
