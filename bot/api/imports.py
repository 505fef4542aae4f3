"""``POST /api/v1/orders/import[?dry_run=true]``: a shop pushes its order file.

Authenticated with the bearer token in IMPORT_API_TOKEN (the endpoint answers 503 while it is
unset). The body is streamed to a temporary file up to IMPORT_MAX_BYTES, then validated and
loaded in a worker thread inside one unit of work: 200 with the report, or 422 with every
error and nothing written. See docs/import-format.md.
"""

from __future__ import annotations

import logging
import secrets
from tempfile import SpooledTemporaryFile
from typing import IO

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.state import gateway_state
from delivery.db.session import unit_of_work
from delivery.importer import ImportRejected, ImportReport, import_orders

logger = logging.getLogger(__name__)

#: Uploads up to this size stay in memory; larger ones go to a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024
_REALM = 'Bearer realm="order-import"'
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


async def import_orders_endpoint(request: Request) -> JSONResponse:
    gateway = gateway_state(request)
    settings = gateway.settings
    if settings.import_api_token is None:
        return _error(503, "import_disabled", "The order import API is disabled on this server.")
    if not _authorised(request, settings.import_api_token.get_secret_value()):
        given = "authorization" in request.headers
        challenge = _REALM + (', error="invalid_token"' if given else "")
        return _error(
            401,
            "unauthorized",
            "A valid bearer token is required.",
            headers={"WWW-Authenticate": challenge},
        )
    dry_run = request.query_params.get("dry_run", "").lower()
    if dry_run not in _TRUE | _FALSE:
        return _error(400, "bad_request", "dry_run must be true or false.")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return _error(415, "unsupported_media_type", "Send the order file as application/json.")
    limit = settings.import_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _too_large(limit)

    with SpooledTemporaryFile(max_size=IN_MEMORY_BYTES) as body:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return _too_large(limit)
            body.write(chunk)  # memory, or page cache once rolled over: no real blocking
        body.seek(0)
        try:
            report = await run_in_threadpool(
                _import, gateway.session_factory, body, dry_run in _TRUE
            )
        except ImportRejected as rejected:
            logger.info("order file rejected with %d errors", rejected.error_count)
            return JSONResponse(rejected.as_dict(), status_code=422)
    return JSONResponse(report.as_dict())


def _import(factory: sessionmaker[Session], body: IO[bytes], dry_run: bool) -> ImportReport:
    with unit_of_work(factory, writes=True) as session:
        return import_orders(body, session, dry_run=dry_run)


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return secrets.compare_digest(given.strip().encode(), token.encode())


def _too_large(limit: int) -> JSONResponse:
    return _error(413, "payload_too_large", f"The order file is larger than {limit} bytes.")


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)
