"""``POST /api/v1/carriers/{carrier}/events``: a carrier pushes tracking events.

The raw body must be signed with the carrier's secret (``X-Carrier-Signature: sha256=<hex>``,
HMAC-SHA256, checked before anything is parsed); the carrier's adapter parses it, and every
parcel's update is applied in one unit of work in a worker thread, together with the
notifications the change deserves (queued for the gateway's sender). Replays are harmless
(events are idempotent by the carrier's event id, notifications by their dedup key). The
answers are in docs/carriers-design.md: 200 applied, 202 nothing of ours, 4xx with a JSON
error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.state import gateway_state
from delivery.carriers.errors import InvalidPayload
from delivery.carriers.poller import note_check
from delivery.carriers.refresh import RefreshOutcome
from delivery.carriers.registry import webhook_parser, webhook_secret
from delivery.carriers.signatures import SIGNATURE_HEADER, verify
from delivery.carriers.values import TrackingSnapshot
from delivery.carriers.webhooks import AfterApply, WebhookReport, apply_webhook
from delivery.clock import utcnow
from delivery.db.models import Shipment
from delivery.db.session import unit_of_work
from delivery.notifications.from_refresh import notify_refresh
from delivery.notifications.kinds import KindRules
from delivery.notifications.policy import QueuePolicy
from delivery.settings import Settings

logger = logging.getLogger(__name__)

#: Largest webhook body accepted (a batch of a few thousand events).
MAX_BODY_BYTES = 1024 * 1024


async def carrier_events_endpoint(request: Request) -> JSONResponse:
    carrier = request.path_params["carrier"]
    parse = webhook_parser(carrier)
    if parse is None:
        return _error(404, "unknown_carrier", f"There is no carrier {carrier!r}.")
    gateway = gateway_state(request)
    secret = webhook_secret(gateway.settings, carrier)
    if secret is None:
        return _error(
            403,
            "webhook_not_configured",
            f"No webhook secret is configured for {carrier!r}; its events cannot be accepted.",
        )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return _error(415, "unsupported_media_type", "Send the events as application/json.")
    body = await _read_body(request)
    if body is None:
        return _error(413, "payload_too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return _error(401, "signature_missing", f"The {SIGNATURE_HEADER} header is required.")
    if not verify(secret, body, signature):
        logger.warning("%s webhook with a bad signature rejected", carrier)
        return _error(401, "signature_invalid", "The signature does not match the body.")
    try:
        document = json.loads(body)
    except ValueError:
        return _error(400, "bad_json", "The body is not valid JSON.")
    try:
        snapshots = parse(document)
    except InvalidPayload as invalid:
        logger.info("%s webhook rejected: %s", carrier, invalid)
        return JSONResponse(
            {
                "error": "invalid_payload",
                "message": f"The body is not in {carrier}'s event format; nothing was applied.",
                "errors": [problem.as_dict() for problem in invalid.problems],
            },
            status_code=422,
        )
    notify = _notifier(gateway.settings)
    report = await run_in_threadpool(_apply, gateway.session_factory, carrier, snapshots, notify)
    if report.applied and gateway.notifier is not None:
        gateway.notifier.wake()  # what it queued is told now, not at the next poll
    return JSONResponse(report.as_dict(), status_code=200 if report.applied else 202)


def _notifier(settings: Settings) -> AfterApply:
    """Queues the notifications each applied change deserves (docs/notifications-design.md)."""
    rules, policy = KindRules.from_settings(settings), QueuePolicy.from_settings(settings)

    def notify(session: Session, shipment: Shipment, outcome: RefreshOutcome) -> None:
        now = utcnow()
        notify_refresh(session, shipment, outcome, rules=rules, policy=policy, now=now)
        # The carrier just told us: the poller need not ask about this parcel for a while.
        note_check(session, shipment.id, now=now, answered=True)

    return notify


def _apply(
    factory: sessionmaker[Session],
    carrier: str,
    snapshots: Sequence[TrackingSnapshot],
    notify: AfterApply,
) -> WebhookReport:
    """One unit of work; retried once when a concurrent delivery stored the same event first."""
    for attempt in (1, 2):
        try:
            with unit_of_work(factory, writes=True) as session:
                return apply_webhook(session, carrier, snapshots, now=utcnow(), after_apply=notify)
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("%s webhook raced another delivery of the same event; retrying", carrier)
    raise AssertionError("unreachable")  # pragma: no cover


async def _read_body(request: Request) -> bytes | None:
    """The raw body (signatures are over its exact bytes); None when over the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)
