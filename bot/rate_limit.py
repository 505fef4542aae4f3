"""A sliding-window message limit per connection (a socket, a Telegram chat).

A connection may send ``limit`` messages within any ``window`` seconds. The first message over
the limit is refused with an explanation; further ones in the same burst are refused silently,
so that a flood is not answered with a flood.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

#: Past this many tracked connections, idle ones are dropped on the next check.
_PRUNE_ABOVE = 10_000


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE = "refuse"  # tell the customer to slow down
    REFUSE_SILENTLY = "refuse_silently"  # already told during this burst


@dataclass
class _Window:
    accepted: deque[float] = field(default_factory=deque)
    told_at: float | None = None


class RateLimiter:
    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._connections: dict[str, _Window] = {}

    def check(self, connection: str) -> Verdict:
        """Count one message of ``connection``, unless it is over the limit."""
        now = self._clock()
        if len(self._connections) > _PRUNE_ABOVE:
            self._prune(now)
        state = self._connections.setdefault(connection, _Window())
        while state.accepted and state.accepted[0] <= now - self._window:
            state.accepted.popleft()
        if len(state.accepted) < self._limit:
            state.accepted.append(now)
            return Verdict.ALLOW
        if state.told_at is not None and state.told_at > now - self._window:
            return Verdict.REFUSE_SILENTLY
        state.told_at = now
        return Verdict.REFUSE

    def forget(self, connection: str) -> None:
        self._connections.pop(connection, None)

    def _prune(self, now: float) -> None:
        idle = [
            key
            for key, state in self._connections.items()
            if not state.accepted or state.accepted[-1] <= now - self._window
        ]
        for key in idle:
            del self._connections[key]
