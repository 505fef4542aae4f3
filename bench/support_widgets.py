"""The clients of bench/gateway_overhead.py: widgets on socket.io and a direct REST caller.

A :class:`Widget` speaks the gateway's protocol as a widget does (python-socketio's
AsyncClient): ``session_request`` -> ``session_confirm``, then ``user_uttered`` ->
``bot_uttered``. :func:`measure_pairs` times the same turn through the gateway and straight to
Rasa's REST channel, interleaved; :func:`hold` keeps many widgets chatting for a while.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio  # type: ignore[import-untyped]

#: The turn both paths time: Rasa answers it with utter_greet (a rule, no custom action).
TEXT = "hello"
EXPECT = "delivery assistant"
#: What the gateway and the direct call tell Rasa, alike (the gateway adds channel "web").
METADATA = {"language": "en"}


class UnexpectedReply(Exception):
    """Rasa answered, but not with the greeting."""


class Widget:
    """One widget's socket.io connection to the gateway, in one conversation at a time."""

    def __init__(self, transports: tuple[str, ...] = ("polling", "websocket")) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.transports = list(transports)
        self.session_id = ""
        self.closing = False
        self.dropped = 0  # disconnects the benchmark did not ask for
        self._confirms: asyncio.Queue[Any] = asyncio.Queue()
        self._replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("session_confirm", self._confirms.put)
        self.client.on("bot_uttered", self._replies.put)
        self.client.on("disconnect", self._on_disconnect)

    async def _on_disconnect(self, *reason: Any) -> None:
        if not self.closing:
            self.dropped += 1

    async def connect(self, url: str, session_id: str, wait: float = 30) -> None:
        await self.client.connect(
            url, socketio_path="/socket.io/", transports=self.transports, wait_timeout=wait
        )
        await self.start(session_id, wait)

    async def start(self, session_id: str, wait: float = 30) -> None:
        """Ask for the conversation ``session_id`` (a new one, or another on this socket)."""
        await self.client.emit("session_request", {"session_id": session_id})
        confirmed = await asyncio.wait_for(self._confirms.get(), wait)
        if confirmed != session_id:
            raise UnexpectedReply(f"session_confirm {confirmed!r} for {session_id!r}")
        self.session_id = session_id

    async def turn(self, wait: float) -> tuple[float, int]:
        """Say :data:`TEXT`; milliseconds until the greeting came (at most ``wait`` seconds),
        and the other messages seen meanwhile (the gateway's "one moment" when Rasa is slow)."""
        others = 0
        started = time.perf_counter()
        await self.client.emit(
            "user_uttered",
            {"message": TEXT, "session_id": self.session_id, "customData": METADATA},
        )
        async with asyncio.timeout(wait):
            while True:
                reply = await self._replies.get()
                if EXPECT in str(reply.get("text", "")):
                    return (time.perf_counter() - started) * 1000, others
                others += 1

    async def close(self) -> None:
        self.closing = True
        if self.client.connected:
            await self.client.disconnect()


async def rest_turn(http: httpx.AsyncClient, rasa_url: str, sender: str) -> float:
    """Say :data:`TEXT` straight to Rasa's REST channel; milliseconds until it answered."""
    started = time.perf_counter()
    response = await http.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": TEXT, "input_channel": "socketio", "metadata": METADATA},
    )
    response.raise_for_status()
    elapsed = (time.perf_counter() - started) * 1000
    if not any(EXPECT in str(r.get("text", "")) for r in response.json()):
        raise UnexpectedReply(response.text[:200])
    return elapsed


@dataclass
class Pairs:
    """Interleaved turns: (direct ms, gateway ms) per pair, and the turns that failed."""

    pairs: list[tuple[float, float]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    gateway_turns: int = 0  # every message sent through the gateway, unmeasured ones too


async def measure_pairs(
    gateway_url: str, rasa_url: str, *, pairs: int, block: int, tag: str, wait: float = 60
) -> Pairs:
    """``pairs`` turns on each path, one at a time, alternating which path goes first.

    Every ``block`` pairs both paths start new conversations, so that the trackers stay short
    and equal; the opening turn of each (Rasa runs action_session_start) is not measured.
    """
    result = Pairs()
    widget = Widget(transports=("websocket",))
    await widget.connect(gateway_url, f"{tag}-0")
    try:
        async with httpx.AsyncClient(timeout=wait) as http:
            for number in range((pairs + block - 1) // block):
                sender = f"{tag}-direct-{number}"
                await widget.start(f"{tag}-{number}")
                await rest_turn(http, rasa_url, sender)
                await widget.turn(wait)
                result.gateway_turns += 1
                for i in range(min(block, pairs - number * block)):
                    result.gateway_turns += 1
                    try:
                        if i % 2 == 0:
                            direct = await rest_turn(http, rasa_url, sender)
                            via_gateway, _ = await widget.turn(wait)
                        else:
                            via_gateway, _ = await widget.turn(wait)
                            direct = await rest_turn(http, rasa_url, sender)
                    except (TimeoutError, httpx.HTTPError, UnexpectedReply) as exc:
                        result.errors[type(exc).__name__] += 1
                        continue
                    result.pairs.append((direct, via_gateway))
    finally:
        await widget.close()
    return result


async def connect_widgets(
    url: str, count: int, tag: str, *, at_once: int = 20
) -> tuple[list[Widget], Counter[str]]:
    """``count`` widgets, each in a conversation of its own; at most ``at_once`` connecting."""
    gate = asyncio.Semaphore(at_once)
    errors: Counter[str] = Counter()

    async def one(number: int) -> Widget | None:
        widget = Widget()
        async with gate:
            try:
                await widget.connect(url, f"{tag}-{number:04d}")
            except Exception as exc:
                errors[f"connect: {type(exc).__name__}"] += 1
                await widget.close()
                return None
        return widget

    made = await asyncio.gather(*(one(n) for n in range(count)))
    return [w for w in made if w is not None], errors


@dataclass
class Soak:
    """What the widgets saw while they were held open."""

    sent: int = 0
    answered: int = 0
    lost: int = 0  # no greeting within the timeout
    notices: int = 0  # other messages before the greeting
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)


async def hold(
    widgets: list[Widget], *, seconds: float, interval: float, wait: float, seed: int = 4
) -> Soak:
    """Every widget says :data:`TEXT` about every ``interval`` seconds (jittered) until
    ``seconds`` have passed, waiting for each answer (``wait`` s at most) before the next."""
    soak = Soak()
    deadline = time.monotonic() + seconds
    chance = random.Random(seed)  # spreads the messages out; nothing secret

    async def chat(widget: Widget, first_wait: float) -> None:
        await asyncio.sleep(first_wait)
        while time.monotonic() < deadline:
            soak.sent += 1
            try:
                elapsed, others = await widget.turn(wait)
            except TimeoutError:
                soak.lost += 1
            except Exception as exc:
                soak.errors[type(exc).__name__] += 1
            else:
                soak.answered += 1
                soak.notices += others
                soak.latencies_ms.append(elapsed)
            pause = interval * chance.uniform(0.5, 1.5)
            if time.monotonic() + pause >= deadline:
                return  # no message would follow: the hold ends with the last answer
            await asyncio.sleep(pause)

    await asyncio.gather(*(chat(w, chance.uniform(0, interval)) for w in widgets))
    return soak
