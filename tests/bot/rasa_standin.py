"""A stand-in for Rasa's HTTP server and the action server's health check, on loopback.

It answers the REST channel like Rasa (a list of messages), or fails the way a real Rasa
fails: 500s, a 400, an answer that never comes, an empty answer because the action server is
down. Tests switch its behaviour between messages and read what it received.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.bot.servers import serve_asgi

Mode = Literal["answer", "fail", "refuse", "hang", "garbage"]
Reply = Callable[[dict[str, Any]], list[dict[str, Any]]]
TOKEN = "standin-token"


def echo(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"recipient_id": body["sender"], "text": f"you said: {body['message']}"}]


@dataclass
class RasaStandIn:
    mode: Mode = "answer"
    reply: Reply = echo
    delay: float = 0.0  # seconds before answering (a slow Rasa)
    actions_up: bool = True
    rasa_up: bool = True  # /status and / answer 200
    probes_hang: bool = False  # /status, / and /health never answer
    received: list[dict[str, Any]] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    most_in_flight: int = 0  # per conversation, the most concurrent calls seen
    # Rasa's HTTP API: events appended per conversation, intents triggered, and what a
    # triggered intent answers.
    appended: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    triggered: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    trigger_delay: float = 0.0  # seconds before a triggered intent is answered
    trigger_reply: Callable[[str, str], list[dict[str, Any]]] = lambda sender, name: [
        {"recipient_id": sender, "text": f"triggered {name}"}
    ]
    url: str = ""
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def texts(self) -> list[str]:
        return [body["message"] for body in self.received]

    def release(self) -> None:
        """Let hanging requests go (they answer 503)."""
        self._released.set()

    async def webhook(self, request: Request) -> Response:
        body = await request.json()
        sender = body["sender"]
        self.in_flight[sender] = self.in_flight.get(sender, 0) + 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight[sender])
        try:
            return await self._answer(body)
        finally:
            self.in_flight[sender] -= 1

    async def _answer(self, body: dict[str, Any]) -> Response:
        if self.mode == "hang":
            await self._released.wait()
            return PlainTextResponse("released", status_code=503)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "fail":
            return PlainTextResponse("boom", status_code=500)
        if self.mode == "refuse":
            return JSONResponse({"error": "bad request"}, status_code=400)
        if self.mode == "garbage":
            return PlainTextResponse("<html>proxy error</html>")
        self.received.append(body)
        if not self.actions_up:
            return JSONResponse([])  # what Rasa answers when a custom action is unreachable
        return JSONResponse(self.reply(body))

    async def append_events(self, request: Request) -> Response:
        if request.query_params.get("token") != TOKEN:
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        if self.mode == "fail":
            return PlainTextResponse("boom", status_code=500)
        body = await request.json()
        events = body if isinstance(body, list) else [body]
        self.appended.setdefault(request.path_params["sender"], []).extend(events)
        return JSONResponse({"sender_id": request.path_params["sender"], "events": []})

    async def trigger_intent(self, request: Request) -> Response:
        if request.query_params.get("token") != TOKEN:
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        body = await request.json()
        sender = request.path_params["sender"]
        if self.trigger_delay:
            await asyncio.sleep(self.trigger_delay)
        self.triggered.append((sender, body["name"], body.get("entities") or {}))
        return JSONResponse({"tracker": {}, "messages": self.trigger_reply(sender, body["name"])})

    async def status(self, request: Request) -> Response:
        if self.probes_hang:
            await self._released.wait()
        if request.query_params.get("token") != TOKEN:
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        return self._up(self.rasa_up)

    async def root(self, request: Request) -> Response:
        if self.probes_hang:
            await self._released.wait()
        return self._up(self.rasa_up)

    async def health(self, request: Request) -> Response:
        if self.probes_hang:
            await self._released.wait()
        return self._up(self.actions_up)

    def _up(self, up: bool) -> Response:
        return JSONResponse({"status": "ok"}) if up else PlainTextResponse("", status_code=503)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/webhooks/rest/webhook", self.webhook, methods=["POST"]),
                Route("/status", self.status),
                Route("/", self.root),
                Route("/health", self.health),
                Route(
                    "/conversations/{sender}/tracker/events", self.append_events, methods=["POST"]
                ),
                Route(
                    "/conversations/{sender}/trigger_intent", self.trigger_intent, methods=["POST"]
                ),
            ]
        )


@asynccontextmanager
async def rasa_standin(**behaviour: Any) -> AsyncIterator[RasaStandIn]:
    standin = RasaStandIn(**behaviour)
    async with serve_asgi(standin.app()) as url:
        standin.url = url
        try:
            yield standin
        finally:
            standin.release()  # hanging requests must not hold the server's shutdown
