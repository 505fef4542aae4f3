"""Failed sign-ins counted per username and per client address, in a sliding window.

After ``limit`` failures for a username, or from an address, within ``window`` seconds, further
attempts are refused without checking the password until the oldest failure leaves the window.
Counting both stops guessing one account from many places and many accounts from one place.

An attempt is reserved before its password is checked (:meth:`LoginThrottle.attempt`) and
counts against the limit until it ends, so a burst of parallel guesses cannot all slip past the
check before the first of them fails. The counts live in the gateway's memory: a restart
forgets them, which costs an attacker a restart they cannot cause.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable

#: Five failures within fifteen minutes (docs/handoff-design.md).
LOGIN_FAILURE_LIMIT = 5
LOGIN_WINDOW_SECONDS = 15 * 60.0
#: Past this many tracked keys, the ones with no recent failure are dropped.
_PRUNE_ABOVE = 10_000


class LoginThrottle:
    def __init__(
        self,
        limit: int = LOGIN_FAILURE_LIMIT,
        window: float = LOGIN_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._in_flight: Counter[str] = Counter()

    def attempt(self, username: str, address: str) -> int | None:
        """Reserve an attempt: None when it may go ahead (then call exactly one of
        :meth:`failed`, :meth:`succeeded` or :meth:`abandoned`), else the seconds to wait."""
        now = self._clock()
        if len(self._failures) > _PRUNE_ABOVE:
            self._prune(now)
        waits = [self._wait(key, now) for key in _keys(username, address)]
        longest = max((w for w in waits if w is not None), default=None)
        if longest is not None:
            return max(1, math.ceil(longest))
        self._in_flight.update(_keys(username, address))
        return None

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        self.abandoned(username, address)
        for key in _keys(username, address):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str, address: str) -> None:
        """A correct password clears the username's failures (not the address's: one valid
        account must not reset the count of guesses at others)."""
        self.abandoned(username, address)
        self._failures.pop(_user_key(username), None)

    def abandoned(self, username: str, address: str) -> None:
        """The attempt ended without an answer (an error): it no longer counts."""
        self._in_flight.subtract(_keys(username, address))
        self._in_flight += Counter()  # drops the keys at zero

    def _wait(self, key: str, now: float) -> float | None:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        over = len(failures) + self._in_flight[key] - self._limit
        if over < 0:
            return None
        if over >= len(failures):
            return 1.0  # only attempts still under way fill the limit: they end soon
        # Allowed again once enough failures have aged out to be under the limit.
        return failures[over] + self._window - now

    def _prune(self, now: float) -> None:
        stale = [k for k, f in self._failures.items() if not f or f[-1] <= now - self._window]
        for key in stale:
            del self._failures[key]


def _user_key(username: str) -> str:
    return "user:" + username.strip().lower()


def _keys(username: str, address: str) -> tuple[str, str]:
    return _user_key(username), "address:" + address
