"""``GET /health``: whether the gateway can reach its database (200, else 503)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.state import gateway_state

logger = logging.getLogger(__name__)


async def health(request: Request) -> JSONResponse:
    up = await run_in_threadpool(database_is_up, gateway_state(request).engine)
    status = "ok" if up else "unavailable"
    return JSONResponse({"status": status, "database": status}, status_code=200 if up else 503)


def database_is_up(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.warning("database health check failed", exc_info=True)
        return False
    return True
