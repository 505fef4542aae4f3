"""Telegram's flood limits, kept on our side: about 30 messages a second overall and about one a
second per chat (Telegram allows short bursts, then answers 429 "retry after").

python-telegram-bot's own ``AIORateLimiter`` needs the ``rate-limiter`` extra (aiolimiter),
which the project does not install; this is the same idea in a few lines: a token bucket for the
whole bot and one per chat. A request waits for a token from its chat's bucket, then from the
global one, so a burst to one chat is spaced out without holding up other chats. Should Telegram
still answer 429, every request waits the time it asks for, and the refused one is repeated once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

#: Calls that do not count against a chat: the typing indicator and button acknowledgements
#: (the latter carry no chat id anyway) should never wait behind the chat's messages.
_UNLIMITED_PER_CHAT = frozenset({"sendChatAction", "answerCallbackQuery"})

#: Idle chats' buckets are forgotten once there are this many.
_MAX_IDLE_BUCKETS = 10_000


@dataclass
class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up. A reservation may drive the count
    below zero: the requests queued behind it then wait their turn, in order."""

    rate: float
    burst: float
    tokens: float = 0.0
    updated: float = 0.0

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.updated = time.monotonic()

    def reserve(self, now: float) -> float:
        """Take one token; how long to wait before using it (0: at once)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        return self.tokens + (now - self.updated) * self.rate >= self.burst


class ChatRateLimiter(BaseRateLimiter[None]):
    """Spaces the bot's requests to stay within Telegram's limits (see the module's docs)."""

    def __init__(
        self,
        *,
        overall_per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
        max_retries: int = 1,
    ) -> None:
        self._overall = TokenBucket(overall_per_second, overall_per_second)
        self._per_chat_rate = per_chat_per_second
        self._per_chat_burst = per_chat_burst
        self._chats: dict[int | str, TokenBucket] = {}
        self._max_retries = max_retries
        self._paused_until = 0.0  # after a 429, nothing is sent before this (monotonic) time

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        self._chats.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int | str) and endpoint not in _UNLIMITED_PER_CHAT:
            await _wait(self._chat_bucket(chat_id).reserve(time.monotonic()))
        await _wait(self._overall.reserve(time.monotonic()))
        for attempt in range(self._max_retries + 1):
            await _wait(self._paused_until - time.monotonic())
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                delay = _seconds(exc)
                logger.warning("Telegram asks to wait %.1f s (%s)", delay, endpoint)
                self._paused_until = max(self._paused_until, time.monotonic() + delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _chat_bucket(self, chat_id: int | str) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= _MAX_IDLE_BUCKETS:
                self._forget_idle_chats()
            bucket = self._chats[chat_id] = TokenBucket(self._per_chat_rate, self._per_chat_burst)
        return bucket

    def _forget_idle_chats(self) -> None:
        now = time.monotonic()
        self._chats = {chat: b for chat, b in self._chats.items() if not b.idle(now)}


async def _wait(delay: float) -> None:
    if delay > 0:
        await asyncio.sleep(delay)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta in the next major version
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        period = exc.retry_after
    return period.total_seconds() if isinstance(period, dt.timedelta) else float(period)
