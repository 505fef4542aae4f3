"""A carrier's HTTP API through requests: timeouts, retries with backoff, a circuit breaker.

Only calls that are safe to repeat are retried: GETs, and POSTs that carry an idempotency key
(the carrier then does the change once however often it is asked). Connection errors,
timeouts, 5xx and 429 are failures: retried with exponential backoff and equal jitter, counted
by the carrier's breaker, and finally raised as :class:`CarrierUnavailable`. A 4xx is the
carrier's answer: never retried, raised as :class:`CarrierRejected`. The session, breaker,
``sleep`` and the jitter's random source are injected, so tests take no time.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from delivery.carriers.breaker import CircuitBreaker
from delivery.carriers.errors import (
    CarrierError,
    CarrierRejected,
    CarrierResponseInvalid,
    CarrierUnavailable,
    PayloadProblem,
)

logger = logging.getLogger(__name__)

#: From a 4xx body (parsed JSON, or None) to the carrier's own (code, reason).
RejectionReader = Callable[[Any], tuple[str | None, str | None]]


@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    max_attempts: int = 3  # in all, for a call that may be retried
    backoff_base: float = 0.25  # seconds before the 2nd attempt (about), doubling after
    backoff_max: float = 4.0

    def delay(self, retry: int, rand: float, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, ...): equal jitter."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (retry - 1))
        if retry_after is not None and 0 <= retry_after <= self.backoff_max:
            return retry_after  # the carrier said when; we wait no longer than we would anyway
        return ceiling / 2 + rand * ceiling / 2


def _no_details(_body: Any) -> tuple[str | None, str | None]:
    return None, None


class CarrierHttp:
    """JSON over HTTP to one carrier's API at ``base_url`` (None: not configured)."""

    def __init__(
        self,
        carrier: str,
        base_url: str | None,
        *,
        session: requests.Session,
        breaker: CircuitBreaker,
        policy: HttpPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        rejection: RejectionReader = _no_details,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.carrier = carrier
        self.base_url = base_url.rstrip("/") if base_url else None
        self.session = session
        self.breaker = breaker
        self.policy = policy or HttpPolicy()
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._auth = auth
        self._rejection = rejection
        self._sleep = sleep
        self._rand = rand

    def get_json(self, path: str, *, params: Mapping[str, str | int | float] | None = None) -> Any:
        return self._call("GET", path, params=params, body=None, headers={}, retryable=True)

    def post_json(
        self,
        path: str,
        body: Any,
        *,
        idempotency_key: str | None = None,
        idempotency_header: str = "Idempotency-Key",
    ) -> Any:
        """POST ``body``; retried only when an idempotency key goes with it."""
        headers = {idempotency_header: idempotency_key} if idempotency_key else {}
        return self._call(
            "POST", path, params=None, body=body, headers=headers, retryable=bool(idempotency_key)
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None,
        body: Any,
        headers: Mapping[str, str],
        retryable: bool,
    ) -> Any:
        if self.base_url is None:
            raise CarrierUnavailable(self.carrier, "not_configured", "no API URL is configured")
        attempts = max(1, self.policy.max_attempts) if retryable else 1
        for attempt in range(1, attempts + 1):
            if not self.breaker.allow():
                wait = self.breaker.retry_after()
                raise CarrierUnavailable(
                    self.carrier, "circuit_open", f"circuit open, next try in {wait:.0f} s"
                )
            outcome, retry_after = self._attempt(method, path, params, body, headers)
            if isinstance(outcome, CarrierUnavailable):
                self.breaker.record_failure()
                logger.warning(
                    "%s %s %s: %s (attempt %d of %d)",
                    self.carrier,
                    method,
                    path,
                    outcome.message,
                    attempt,
                    attempts,
                )
                if attempt == attempts:
                    raise outcome
                self._sleep(self.policy.delay(attempt, self._rand(), retry_after))
                continue
            self.breaker.record_success()  # the carrier answered, whatever it said
            if isinstance(outcome, CarrierError):
                raise outcome
            return outcome  # the parsed body
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int | float] | None,
        body: Any,
        headers: Mapping[str, str],
    ) -> tuple[Any, float | None]:
        """One request: (parsed body or the CarrierError it amounts to, Retry-After seconds)."""
        try:
            response = self.session.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                json=body,
                headers={**self._headers, **headers},
                auth=self._auth,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            )
        except requests.Timeout as exc:
            return CarrierUnavailable(self.carrier, "timeout", f"timed out ({exc})"), None
        except requests.RequestException as exc:
            return CarrierUnavailable(self.carrier, "connection", f"{type(exc).__name__}"), None
        status = response.status_code
        if status == 429 or status >= 500:
            reason = "rate_limited" if status == 429 else "server_error"
            return (
                CarrierUnavailable(self.carrier, reason, f"HTTP {status}"),
                _retry_after(response),
            )
        if status >= 400:
            return self._rejected(response), None
        if status == 204 or not response.content:
            return None, None
        try:
            return response.json(), None
        except ValueError:
            problem = PayloadProblem("$", f"HTTP {status} body is not JSON")
            return CarrierResponseInvalid(self.carrier, [problem]), None

    def _rejected(self, response: requests.Response) -> CarrierRejected:
        try:
            body = response.json()
        except ValueError:
            body = None
        try:
            code, reason = self._rejection(body)
        except (AttributeError, KeyError, TypeError, ValueError):
            code, reason = None, None  # an error body not shaped as documented
        fallback = response.text.strip()[:200] or response.reason or "rejected"
        return CarrierRejected(self.carrier, response.status_code, reason or fallback, code)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: we keep our own backoff
