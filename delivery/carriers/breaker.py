"""A circuit breaker per carrier: stop calling a carrier that keeps failing, probe it later.

Closed: calls pass; ``failure_threshold`` failed attempts in a row open it. Open: calls are
refused at once until ``cooldown_seconds`` have passed. Half-open: one probe passes (another
only if that one has not reported within a further cool-down); its success closes the breaker,
its failure opens it again. Thread-safe: the action server calls carriers from worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

logger = logging.getLogger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cooldown_seconds <= 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown_seconds > 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0  # in a row, while closed
        self._opened_at: float | None = None  # None: closed
        self._probe_at: float | None = None  # when the half-open probe went out

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state(self._clock())

    def allow(self) -> bool:
        """May a call go out now? In half-open, True once per probe."""
        with self._lock:
            now = self._clock()
            state = self._state(now)
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.OPEN:
                return False
            probe_lost = (
                self._probe_at is not None and now - self._probe_at >= self.cooldown_seconds
            )
            if self._probe_at is None or probe_lost:
                self._probe_at = now
                return True
            return False

    def retry_after(self) -> float:
        """Seconds until a call may go out (0 when one may now)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self._opened_at + self.cooldown_seconds - self._clock())

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                logger.info("carrier %s answers again: circuit closed", self.name)
            self._failures = 0
            self._opened_at = None
            self._probe_at = None

    def record_failure(self) -> None:
        with self._lock:
            now = self._clock()
            if self._opened_at is not None:  # the probe failed (or a call that began earlier)
                self._opened_at = now
                self._probe_at = None
                return
            self._failures += 1
            if self._failures >= self.failure_threshold:
                logger.warning(
                    "carrier %s failed %d times in a row: circuit open for %.0f s",
                    self.name,
                    self._failures,
                    self.cooldown_seconds,
                )
                self._opened_at = now
                self._probe_at = None

    def _state(self, now: float) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if now - self._opened_at < self.cooldown_seconds:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN
