"""The console's live channel for real: the gateway under uvicorn on loopback, python-socketio's
client as the console (namespace /agent) and as a customer's widget (namespace /)."""

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
from delivery.clock import utcnow
from delivery.db.session import unit_of_work
from delivery.db.staff_models import StaffSession
from delivery.services.staff_sessions import token_hash
from tests.bot.conftest import gateway_settings
from tests.bot.rasa_standin import TOKEN, rasa_standin
from tests.bot.servers import serve_asgi
from tests.bot.staff.conftest import Agent, MakeAgent, open_handoff_for
from tests.bot.test_socket_channel import Widget

QUIET = 0.5  # seconds a socket is watched for events that must not come


class ConsoleSocket:
    """A console's socket: the events it got, in order."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        for name in ("queue", "conversation"):
            self.client.on(name, self._recorder(name), namespace="/agent")
        self.client.on("disconnect", self._gone, namespace="/agent")

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def _gone(self, *reason: Any) -> None:
        self.disconnected.set()

    async def connect(self, url: str, agent: Agent | None, auth: Any = "the agent's") -> None:
        headers = {"Cookie": f"staff_session={agent.token}"} if agent else {}
        if auth == "the agent's":
            auth = {"csrf": agent.csrf if agent else ""}
        await self.client.connect(
            url, headers=headers, auth=auth, namespaces=["/agent"], transports=["websocket"],
            wait_timeout=10,
        )  # fmt: skip

    async def expect(self, name: str) -> Any:
        got, data = await asyncio.wait_for(self.events.get(), timeout=10)
        assert got == name, (got, data)
        return data

    async def watch(self, handoff_id: Any) -> Any:
        return await self.client.call("watch", {"handoff_id": handoff_id}, namespace="/agent")

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        http = getattr(self.client.eio, "http", None)  # left open by a refused connection
        if http is not None and not http.closed:
            await http.close()


@asynccontextmanager
async def live_gateway(database_url: str) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The gateway on loopback (with the Rasa stand-in) and an HTTP client for its API."""
    async with rasa_standin() as rasa:
        settings = gateway_settings(
            database_url, RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url, RASA_TOKEN=TOKEN
        )
        app = create_app(settings)
        app.sockets.server.eio.ping_interval = app.sockets.server.eio.ping_timeout = 1
        async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as http:
            yield url, http


@asynccontextmanager
async def consoles(*made: ConsoleSocket | Widget) -> AsyncIterator[None]:
    try:
        yield
    finally:
        for socket in made:
            await socket.close()


async def claim(http: httpx.AsyncClient, agent: Agent, handoff_id: int) -> None:
    response = await http.post(f"/agent/api/handoffs/{handoff_id}/claim", headers=agent.headers)
    assert response.status_code == 200, response.text


async def nothing_more(socket: ConsoleSocket) -> None:
    await asyncio.sleep(QUIET)
    assert socket.events.empty(), socket.events.get_nowait()


async def test_a_console_without_a_session_or_with_a_wrong_token_is_refused(
    database_url: str, make_agent: MakeAgent
) -> None:
    agent = make_agent()
    expired = make_agent("old", signed_in_at=utcnow() - dt.timedelta(hours=13))
    attempts: list[tuple[Agent | None, Any]] = [
        (None, {"csrf": agent.csrf}),  # no cookie (a customer's page, another site)
        (agent, {"csrf": "forged"}),
        (agent, None),
        (agent, {"csrf": expired.csrf}),
        (expired, "the agent's"),
    ]
    async with live_gateway(database_url) as (url, _):
        for who, auth in attempts:
            socket = ConsoleSocket()
            async with consoles(socket):
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await socket.connect(url, who, auth)


async def test_consoles_hear_of_queue_changes_and_of_the_conversations_they_watch(
    database_url: str, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria, luca = make_agent(), make_agent("luca", name="Luca Bianchi")
    watched = open_handoff_for(sessions, "web-watched-01")
    other = open_handoff_for(sessions, "web-other-0001")
    watcher, bystander = ConsoleSocket(), ConsoleSocket()
    async with live_gateway(database_url) as (url, http), consoles(watcher, bystander):
        await watcher.connect(url, maria)
        await bystander.connect(url, luca)
        assert await watcher.watch(watched) == {"ok": True}
        assert await watcher.watch("12") == {"ok": False, "error": "handoff_id"}

        await claim(http, maria, watched)
        status = await watcher.expect("conversation")
        assert status == {
            "handoff_id": watched,
            "event": {"type": "status", "status": "active", "claimed_by_name": "Maria Rossi"},
        }
        queue = await watcher.expect("queue")
        assert [(h["id"], h["status"]) for h in queue["handoffs"]] == [
            (other, "waiting"), (watched, "active"),
        ]  # fmt: skip
        assert queue["handoffs"][1]["claimed_by_name"] == "Maria Rossi"
        assert await bystander.expect("queue") == queue  # everyone hears of the queue

        sent = await http.post(
            f"/agent/api/handoffs/{watched}/reply", headers=maria.headers, json={"text": "Hello!"}
        )
        assert sent.status_code == 200
        message = await watcher.expect("conversation")
        assert message["handoff_id"] == watched
        event = message["event"]
        assert (event["type"], event["sender"], event["text"]) == ("message", "agent", "Hello!")
        assert event["agent"] == "Maria Rossi"
        assert event["at"].endswith("Z")

        await claim(http, luca, other)  # not watched by the watcher: only the queue changes
        await watcher.expect("queue")
        await nothing_more(watcher)
        await bystander.expect("queue")
        await nothing_more(bystander)  # watches nothing: no conversation events


async def test_a_customer_message_reaches_the_console_watching_it(
    database_url: str, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria = make_agent()
    handoff_id = open_handoff_for(sessions, "web-customer-session-1")
    console, widget = ConsoleSocket(), Widget()
    async with live_gateway(database_url) as (url, _), consoles(console, widget):
        await console.connect(url, maria)
        await console.watch(handoff_id)
        await widget.start(url, "customer-session-1")
        await widget.say("Are you there?")
        message = await console.expect("conversation")
    assert message["handoff_id"] == handoff_id
    assert message["event"]["sender"] == "customer"
    assert message["event"]["text"] == "Are you there?"


async def test_a_customer_socket_cannot_use_the_console_s_events(
    database_url: str, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria = make_agent()
    handoff_id = open_handoff_for(sessions, "web-someone-else-01")
    widget = Widget()
    received: list[tuple[str, Any]] = []

    async def anything(event: str, data: Any = None) -> None:
        received.append((event, data))

    widget.client.on("*", anything)
    async with live_gateway(database_url) as (url, http), consoles(widget):
        await widget.start(url, "nosy-customer-01")
        await widget.client.emit("watch", {"handoff_id": handoff_id})
        await widget.client.emit("claim", {"handoff_id": handoff_id})
        await asyncio.sleep(0.2)
        await claim(http, maria, handoff_id)
        await http.post(
            f"/agent/api/handoffs/{handoff_id}/reply", headers=maria.headers, json={"text": "Hi"}
        )
        await asyncio.sleep(QUIET)
        # The customer's connection opening the staff namespace is refused too.
        intruder = ConsoleSocket()
        async with consoles(intruder):
            with pytest.raises(socketio.exceptions.ConnectionError):
                await intruder.connect(url, None, {"csrf": ""})
    assert received == []
    assert widget.events.empty()


async def test_a_console_whose_session_ended_is_disconnected_at_the_next_change(
    database_url: str, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria, luca = make_agent(), make_agent("luca", name="Luca Bianchi")
    handoff_id = open_handoff_for(sessions)
    leaving, staying = ConsoleSocket(), ConsoleSocket()
    async with live_gateway(database_url) as (url, http), consoles(leaving, staying):
        await leaving.connect(url, maria)
        await staying.connect(url, luca)
        signed_out = await http.post(
            "/agent/logout", data={"csrf": maria.csrf}, headers=maria.cookie
        )
        assert signed_out.status_code == 303
        await claim(http, luca, handoff_id)
        await staying.expect("queue")
        await asyncio.wait_for(leaving.disconnected.wait(), timeout=10)
    assert leaving.events.empty()


async def test_a_broadcast_does_not_count_as_the_person_using_the_console(
    database_url: str, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    signed_in_at = utcnow() - dt.timedelta(minutes=30)
    watching = make_agent(signed_in_at=signed_in_at)
    acting = make_agent("luca", name="Luca Bianchi")
    handoff_id = open_handoff_for(sessions)
    socket = ConsoleSocket()
    async with live_gateway(database_url) as (url, http), consoles(socket):
        # Connecting is the person opening the console: that counts.
        await socket.connect(url, watching)
        with unit_of_work(sessions, writes=True) as session:
            row = session.query(StaffSession).filter_by(token_hash=token_hash(watching.token)).one()
            row.last_seen_at = signed_in_at
        await claim(http, acting, handoff_id)
        await socket.expect("queue")
    with unit_of_work(sessions, writes=True) as session:
        row = session.query(StaffSession).filter_by(token_hash=token_hash(watching.token)).one()
        assert row.last_seen_at == signed_in_at
