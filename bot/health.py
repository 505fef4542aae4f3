"""``GET /health``: the gateway is up (200), and how each of its dependencies is doing.

``{"status": "ok" | "degraded", "database": "ok" | "down", "rasa": ..., "action_server": ...}``.
The gateway answers 200 whenever it can answer at all: while Rasa or the action server is down
it still takes customers' messages and keeps them until they are back. Each check has a short
timeout, so one hung dependency never hangs the page.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.state import gateway_state

logger = logging.getLogger(__name__)

#: Longest a database check may take (a connection attempt to a dead host can take minutes).
DATABASE_TIMEOUT_SECONDS = 3.0


async def health(request: Request) -> JSONResponse:
    gateway = gateway_state(request)
    database, rasa, actions = await asyncio.gather(
        database_is_up_soon(gateway.engine),
        gateway.rasa.status(),
        gateway.rasa.action_server_status(),
    )
    checks = {"database": database, "rasa": rasa, "action_server": actions}
    body = {"status": "ok" if all(checks.values()) else "degraded"}
    body.update({name: "ok" if up else "down" for name, up in checks.items()})
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def database_is_up_soon(engine: Engine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            # The thread goes on after a timeout, but the page no longer waits for it.
            return await asyncio.to_thread(database_is_up, engine)
    except TimeoutError:
        logger.warning("database health check timed out")
        return False


def database_is_up(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.warning("database health check failed", exc_info=True)
        return False
    return True
