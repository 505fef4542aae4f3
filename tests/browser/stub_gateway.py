"""A scripted stand-in of the gateway's socket.io side, to test the widget on its own.

It serves the real demo page and static files and speaks the widget's protocol
(docs/channels-design.md): it confirms sessions, answers ``history_request`` with a scripted
history, records every ``user_uttered`` and answers it from a script. A test can also push any
``bot_uttered`` (a live agent joining, an image) and stop and restart the server to see the
widget reconnect. It runs uvicorn in a thread of the test process, on loopback.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import socketio  # type: ignore[import-untyped]
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.pages import home_page
from delivery.settings import PROJECT_ROOT

STATIC = PROJECT_ROOT / "bot" / "static"
SESSION_ID = "stub-session-0001"


@dataclass
class StubGateway:
    """What the stub says; shared by every server started for it (restarts keep it)."""

    history: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    session_requests: list[dict[str, Any]] = field(default_factory=list)
    history_delay: float = 0.0  # seconds before the history is sent
    _sio: socketio.AsyncServer | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def app(self) -> socketio.ASGIApp:
        """A fresh server (python-socketio keeps per-event-loop state, so one per start)."""
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")

        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            await sio.enter_room(sid, SESSION_ID)
            # As Rasa's own channel does: the id as a bare string.
            await sio.emit("session_confirm", SESSION_ID, to=sid)
            self.session_requests.append(data or {})

        async def history_request(sid: str, data: dict[str, Any]) -> None:
            await asyncio.sleep(self.history_delay)
            await sio.emit("history", {"messages": self.history}, to=sid)

        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            self.received.append(data)
            for reply in self.replies.get(str(data.get("message")), []):
                await asyncio.sleep(0.3)  # long enough to see the typing indicator
                await sio.emit("bot_uttered", reply, to=SESSION_ID)

        sio.on("session_request", session_request)
        sio.on("history_request", history_request)
        sio.on("user_uttered", user_uttered)
        self._sio = sio
        site = Starlette(
            routes=[
                Route("/", home_page),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
            ]
        )
        return socketio.ASGIApp(sio, other_asgi_app=site)

    def push(self, message: dict[str, Any]) -> None:
        """Send one ``bot_uttered`` to the conversation, from the test's thread."""
        assert self._sio is not None and self._loop is not None, "the stub is not running"
        coroutine = self._sio.emit("bot_uttered", message, to=SESSION_ID)
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=5)


async def _stop_tasks(stub: StubGateway) -> None:
    """Stop socket.io's background tasks (pings, the service task) so the loop closes clean."""
    if stub._sio is not None:
        await stub._sio.shutdown()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextmanager
def running(stub: StubGateway, port: int) -> Iterator[str]:
    """Serve ``stub`` on 127.0.0.1:``port`` until the block ends; yields its URL."""
    config = uvicorn.Config(
        stub.app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        loop = asyncio.new_event_loop()
        stub._loop = loop
        loop.run_until_complete(server.serve())
        loop.run_until_complete(_stop_tasks(stub))
        loop.close()

    thread = threading.Thread(target=serve, name=f"stub-gateway-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the stub gateway did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
