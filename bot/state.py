"""What the gateway's handlers share, created by the app's lifespan (never at import)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from bot.handoff_desk import HandoffDesk
from bot.notifier import Notifier
from bot.rasa_client import RasaClient
from bot.relay import Relay
from delivery.settings import Settings


@dataclass(frozen=True)
class GatewayState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    rasa: RasaClient
    relay: Relay
    desk: HandoffDesk
    notifier: Notifier | None = None  # None: NOTIFIER_ENABLED is off


def gateway_state(request: Request) -> GatewayState:
    """The state the lifespan put in every request's scope."""
    state = getattr(request.state, "gateway", None)
    if not isinstance(state, GatewayState):
        raise RuntimeError("the gateway's lifespan has not run (use the app as an ASGI app)")
    return state
