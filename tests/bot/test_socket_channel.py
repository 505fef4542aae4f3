"""The widget's channel, for real: the gateway served by uvicorn on loopback, python-socketio's
client as the widget (websocket and long-polling), a stand-in Rasa behind it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import socketio  # type: ignore[import-untyped]
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.relay import Button, Outgoing
from bot.socket_channel import bot_uttered
from delivery.clock import utcnow
from delivery.db.session import unit_of_work
from delivery.services.customer_tokens import issue_shop_token
from delivery.services.identity import linked_customer
from delivery.vocabulary import Channel
from tests import factories
from tests.bot.conftest import gateway_settings
from tests.bot.rasa_standin import RasaStandIn, rasa_standin
from tests.bot.servers import serve_asgi

SESSION = "widget-session-01"
SECRET = "the-shop-s-shared-secret-32-bytes-long"
SHOP = "https://shop.example"


class Widget:
    """A widget's side of the socket: what it sends, and the events it got, in order."""

    def __init__(self, *, transports: tuple[str, ...] = ("websocket",), origin: str = SHOP):
        self.client = socketio.AsyncClient(reconnection=False)
        self.transports = list(transports)
        self.origin = origin
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "history"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def connect(self, url: str) -> None:
        await self.client.connect(
            url,
            socketio_path="/socket.io/",
            transports=self.transports,
            headers={"Origin": self.origin},
            wait_timeout=10,
        )

    async def expect(self, name: str) -> Any:
        got, data = await asyncio.wait_for(self.events.get(), timeout=10)
        assert got == name, (got, data)
        return data

    async def start(self, url: str, session_id: str = SESSION) -> str:
        if not self.client.connected:
            await self.connect(url)
        await self.client.emit("session_request", {"session_id": session_id})
        confirmed: str = await self.expect("session_confirm")
        return confirmed

    async def say(self, message: str | None, session_id: str = SESSION, **custom: Any) -> None:
        await self.client.emit(
            "user_uttered", {"message": message, "session_id": session_id, "customData": custom}
        )

    async def history(self, session_id: str = SESSION) -> list[dict[str, Any]]:
        await self.client.emit("history_request", {"session_id": session_id})
        messages: list[dict[str, Any]] = (await self.expect("history"))["messages"]
        return messages

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        http = getattr(self.client.eio, "http", None)  # left open by a refused connection
        if http is not None and not http.closed:
            await http.close()


@asynccontextmanager
async def gateway(database_url: str, rasa: RasaStandIn, **settings: Any) -> AsyncIterator[str]:
    config = gateway_settings(
        database_url, RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url, **settings
    )
    app = create_app(config)
    # A long-polling client's disconnect waits for its pending poll, which the server of a
    # closed session only answers after ping interval + ping timeout (45 s by default).
    app.sockets.server.eio.ping_interval = app.sockets.server.eio.ping_timeout = 1
    async with serve_asgi(app) as url:
        yield url


@asynccontextmanager
async def widgets(url: str, *made: Widget) -> AsyncIterator[None]:
    try:
        yield
    finally:
        for widget in made:
            await widget.close()


def rich_reply(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"recipient_id": body["sender"], "text": "First part.\n\nSecond part?", "buttons": [
            {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]},
        {"recipient_id": body["sender"], "image": "https://shop.example/parcel.png"},
        {"recipient_id": body["sender"], "custom": {"handoff": "agent_joined", "agent": "Sam"}},
    ]  # fmt: skip


async def test_a_conversation_over_the_websocket(database_url: str) -> None:
    widget = Widget()
    async with (
        rasa_standin(reply=rich_reply) as rasa,
        gateway(database_url, rasa) as url,
        widgets(url, widget),
    ):
        assert await widget.start(url) == SESSION
        await widget.say(None)  # rasa-webchat's opening message: nothing to relay
        await widget.say("where is my order?", language="it", customer_name="Mallory")
        got = [await widget.expect("bot_uttered") for _ in range(4)]
    assert got == [
        {"text": "First part.", "quick_replies": []},
        {"text": "Second part?", "quick_replies": [
            {"content_type": "text", "title": "Yes", "payload": "/affirm"},
            {"content_type": "text", "title": "No", "payload": "/deny"}]},
        {"attachment": {"type": "image", "payload": {"src": "https://shop.example/parcel.png"}}},
        {"handoff": "agent_joined", "agent": "Sam"},
    ]  # fmt: skip
    assert rasa.received == [
        {
            "sender": f"web-{SESSION}",
            "message": "where is my order?",
            "input_channel": "socketio",
            # What the client claims about itself (a name) is not passed on.
            "metadata": {"language": "it", "channel": "web"},
        }
    ]


async def test_long_polling_from_an_allowed_origin(database_url: str) -> None:
    widget = Widget(transports=("polling",))
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, WIDGET_ALLOWED_ORIGINS=f"{SHOP}, https://other.example") as url,
        widgets(url, widget),
    ):
        await widget.start(url)
        await widget.say("hello over polling")
        assert await widget.expect("bot_uttered") == {"text": "you said: hello over polling"}
        async with httpx.AsyncClient() as http:
            allowed = await http.get(
                f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                headers={"Origin": SHOP},
            )  # fmt: skip
            foreign = await http.get(
                f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                headers={"Origin": "https://evil.example"},
            )  # fmt: skip
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert allowed.headers.get("access-control-allow-credentials") == "true"
    assert foreign.status_code == 400


async def test_a_foreign_origin_cannot_open_the_widget_s_socket(database_url: str) -> None:
    widget = Widget(origin="https://evil.example")
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, WIDGET_ALLOWED_ORIGINS=SHOP) as url,
        widgets(url, widget),
    ):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await widget.connect(url)


async def test_a_bad_session_id_gets_a_fresh_one(database_url: str) -> None:
    widget = Widget()
    async with rasa_standin() as rasa, gateway(database_url, rasa) as url, widgets(url, widget):
        fresh = await widget.start(url, session_id="short")
        await widget.say("hi", session_id=fresh)
        await widget.expect("bot_uttered")
        again = await widget.start(url, session_id="../../etc/passwd")
    assert len(fresh) == 32 and fresh.isalnum()
    assert again != fresh
    assert rasa.received[0]["sender"] == f"web-{fresh}"


async def test_a_reload_continues_the_conversation_with_its_history(database_url: str) -> None:
    first, second_tab = Widget(), Widget()
    reload = Widget(transports=("polling",))
    async with (
        rasa_standin(reply=rich_reply) as rasa,
        gateway(database_url, rasa) as url,
        widgets(url, first, second_tab, reload),
    ):
        await first.start(url)
        await second_tab.start(url)
        await first.say("hello")
        for widget in (first, second_tab):  # every tab of the conversation gets the replies
            shown = [await widget.expect("bot_uttered") for _ in range(4)]
            assert shown[1]["text"] == "Second part?"
        await first.close()
        await reload.start(url)
        history = await reload.history()
        await reload.say("/affirm")  # a button of the bot's latest turn, pressed after reload
        await reload.expect("bot_uttered")
    assert [(m["sender"], m["text"]) for m in history] == [
        ("customer", "hello"),
        ("bot", "First part.\n\nSecond part?"),
        ("bot", None),
        ("bot", None),
    ]
    assert history[1]["buttons"] == [
        {"title": "Yes", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    assert history[2]["image"] == "https://shop.example/parcel.png"
    assert history[0]["at"].endswith("Z")
    assert [body["message"] for body in rasa.received] == ["hello", "/affirm"]
    assert {body["sender"] for body in rasa.received} == {f"web-{SESSION}"}


async def test_a_message_without_session_request_uses_its_session_id(database_url: str) -> None:
    widget = Widget()
    async with rasa_standin() as rasa, gateway(database_url, rasa) as url, widgets(url, widget):
        await widget.connect(url)
        await widget.say("no handshake", session_id="bad id!")  # ignored: no valid session
        await widget.say("straight in")
        assert await widget.expect("bot_uttered") == {"text": "you said: straight in"}
    assert [b["sender"] for b in rasa.received] == [f"web-{SESSION}"]


async def test_guards_answer_in_the_customer_s_language(database_url: str) -> None:
    widget = Widget()
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, MESSAGE_MAX_CHARS=50) as url,
        widgets(url, widget),
    ):
        await widget.start(url)
        await widget.say('/where_is_my_order{"order_number":"100001"}', language="pl")
        typed = await widget.expect("bot_uttered")
        await widget.say("x" * 51, language="pl")
        too_long = await widget.expect("bot_uttered")
    assert "przycisk" in typed["text"]
    assert "50" in too_long["text"]
    assert rasa.received == []


async def test_the_shop_s_token_identifies_the_customer(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions) as session:
        factories.customer(session, external_id="shop-42", name="Ada Lovelace", language="en")
    good = issue_shop_token("shop-42", SECRET, now=utcnow(), ttl=dt.timedelta(minutes=15))
    forged = issue_shop_token("shop-42", "x" * 40, now=utcnow(), ttl=dt.timedelta(minutes=15))
    trusted, forger = Widget(), Widget()
    location = {"latitude": 51.5, "longitude": -0.12}
    async with (
        rasa_standin() as rasa,
        gateway(database_url, rasa, CUSTOMER_TOKEN_SECRET=SECRET) as url,
        widgets(url, trusted, forger),
    ):
        await trusted.start(url)
        await trusted.say("hi", token=good, location=location)
        await trusted.expect("bot_uttered")
        await forger.start(url, session_id="forger-session")
        await forger.say("hi", session_id="forger-session", token=forged, language="en-GB")
        await forger.expect("bot_uttered")
    assert rasa.received[0]["metadata"] == {
        "language": "en",  # the customer's own, as the widget sent none
        "location": location,
        "customer_name": "Ada",
        "channel": "web",
    }
    assert rasa.received[1]["metadata"] == {"language": "en-GB", "channel": "web"}
    with sessions() as session:
        customer = linked_customer(session, Channel.WEB, f"web-{SESSION}")
        assert customer is not None and customer.external_id == "shop-42"
        assert linked_customer(session, Channel.WEB, "web-forger-session") is None


async def test_rasa_down_then_back_reaches_the_widget(database_url: str) -> None:
    widget = Widget()
    async with (
        rasa_standin(mode="fail") as rasa,
        gateway(database_url, rasa) as url,
        widgets(url, widget),
    ):
        await widget.start(url)
        await widget.say("are you there?")
        waiting = await widget.expect("bot_uttered")
        rasa.mode = "answer"
        answered = await widget.expect("bot_uttered")
    assert waiting["text"].startswith("One moment")
    assert answered == {"text": "you said: are you there?"}


def test_bot_uttered_is_shaped_as_rasa_s_socketio_channel_shapes_it() -> None:
    assert bot_uttered(Outgoing(text="One.\n\nTwo.")) == [{"text": "One."}, {"text": "Two."}]
    assert bot_uttered(Outgoing(buttons=(Button("Go", "/go"),))) == [
        {"text": "", "quick_replies": [{"content_type": "text", "title": "Go", "payload": "/go"}]}
    ]
    assert bot_uttered(Outgoing(text="  ")) == []
    assert bot_uttered(Outgoing(text="Look", image="https://x/y.png")) == [
        {"text": "Look"},
        {"attachment": {"type": "image", "payload": {"src": "https://x/y.png"}}},
    ]
    assert bot_uttered(Outgoing(custom={"attachment": {"type": "video"}})) == [
        {"attachment": {"type": "video"}}
    ]


def test_an_agents_message_says_who_in_metadata_which_other_widgets_ignore() -> None:
    assert bot_uttered(Outgoing(text="Hi, Sam here.", agent="Sam")) == [
        {"text": "Hi, Sam here.", "metadata": {"sender": "agent", "agent": "Sam"}}
    ]
