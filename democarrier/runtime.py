"""What the demo carrier service's routes share: the world, the simulation, bookings, secrets.

Made in the app's lifespan and handed to each request as ``request.state.demo``. Everything
runs on the one event loop and the simulation's tick is synchronous, so a request never sees
a parcel half-moved.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from democarrier.model import World
from democarrier.outbox import Outbox
from democarrier.settings import Credentials
from democarrier.simulation import Simulator
from democarrier.slots import Bookings
from democarrier.webhooks import WebhookWriter


@dataclass
class Runtime:
    world: World
    simulator: Simulator
    outbox: Outbox
    credentials: Credentials
    writer: WebhookWriter
    bookings: dict[str, Bookings]  # by carrier code
    clock: Callable[[], dt.datetime]
    tick_seconds: float


def runtime(request: Request) -> Runtime:
    demo: Runtime = request.state.demo
    return demo


def api_key_matches(request: Request, header: str, expected: str) -> bool:
    given = request.headers.get(header, "")
    return hmac.compare_digest(given.encode(), expected.encode())


def basic_auth_matches(request: Request, user: str, password: str) -> bool:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, f"{user}:{password}".encode())


async def json_body(request: Request) -> Any:
    """The request's JSON body; ValueError when it is not JSON."""
    return json.loads(await request.body())


def query_int(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; ValueError otherwise."""
    text = request.query_params.get(name)
    if text is None or not text.strip():
        return default
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


def query_float(request: Request, name: str) -> float | None:
    text = request.query_params.get(name)
    return float(text) if text is not None and text.strip() else None
