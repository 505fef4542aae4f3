"""Signed webhook deliveries to the gateway, kept until it takes them.

Each delivery is POSTed to ``<gateway>/api/v1/carriers/<carrier>/events`` with
``X-Carrier-Signature: sha256=<HMAC of the body>``. A 2xx is done. No connection, a timeout, a
5xx or a 429 leaves it queued for a later pass, after a backoff that doubles up to a minute,
and ends the pass (the gateway is unwell: the rest wait too). Any other 4xx is the gateway
refusing that body (a wrong secret, a bad payload): logged and dropped, as resending the same
bytes cannot help. Nothing here raises: the service goes on whatever the gateway does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from delivery.carriers.signatures import SIGNATURE_HEADER, sign
from democarrier.webhooks import Delivery

logger = logging.getLogger(__name__)

MAX_PENDING = 5000
#: Deliveries tried per pass: a long backlog drains over a few ticks and never stalls the clock.
MAX_PER_PASS = 200
MAX_BACKOFF_SECONDS = 60.0
_RETRYABLE = frozenset({408, 425, 429})


@dataclass(eq=False)  # removed from the queue by identity
class _Queued:
    delivery: Delivery
    attempts: int = 0
    due: dt.datetime | None = None  # None: at the next pass


@dataclass
class PassReport:
    sent: int = 0
    deferred: int = 0
    dropped: int = 0
    answers: list[int] = field(default_factory=list)  # HTTP statuses seen, in order


class Outbox:
    def __init__(
        self, client: httpx.AsyncClient, gateway_url: str, secrets: Mapping[str, bytes]
    ) -> None:
        self._client = client
        self._gateway_url = gateway_url.rstrip("/")
        self._secrets = dict(secrets)
        self._queue: deque[_Queued] = deque()
        self.sent = 0
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._queue)

    def add(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            if len(self._queue) >= MAX_PENDING:
                lost = self._queue.popleft()
                self.dropped += 1
                logger.warning("webhook backlog full: dropped %s", lost.delivery.delivery_id)
            self._queue.append(_Queued(delivery))

    async def deliver(self, now: dt.datetime) -> PassReport:
        """One pass over the deliveries that are due, oldest first (:data:`MAX_PER_PASS`)."""
        report = PassReport()
        due = [q for q in self._queue if q.due is None or q.due <= now][:MAX_PER_PASS]
        for queued in due:
            status = await self._post(queued.delivery)
            if status is not None:
                report.answers.append(status)
            if status is not None and 200 <= status < 300:
                self._queue.remove(queued)
                self.sent += 1
                report.sent += 1
                continue
            if status is not None and 400 <= status < 500 and status not in _RETRYABLE:
                self._queue.remove(queued)
                self.dropped += 1
                report.dropped += 1
                continue
            queued.attempts += 1
            backoff = min(MAX_BACKOFF_SECONDS, 2.0**queued.attempts)
            queued.due = now + dt.timedelta(seconds=backoff)
            report.deferred += 1
            break  # the gateway is down or unwell: the others wait for the next pass
        return report

    async def _post(self, delivery: Delivery) -> int | None:
        """The gateway's HTTP status, or None when it could not be reached."""
        url = f"{self._gateway_url}/api/v1/carriers/{delivery.carrier}/events"
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secrets[delivery.carrier], delivery.body),
        }
        try:
            response = await self._client.post(url, content=delivery.body, headers=headers)
        except httpx.HTTPError as error:
            logger.info("webhook %s not delivered: %s", delivery.delivery_id, type(error).__name__)
            return None
        if response.status_code >= 400:
            logger.warning(
                "webhook %s answered %d: %s",
                delivery.delivery_id,
                response.status_code,
                response.text[:300],
            )
        else:
            logger.debug("webhook %s: %s", delivery.delivery_id, response.text[:300])
        return response.status_code
