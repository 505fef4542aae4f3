"""A channel's ``deliver`` for tests: collects what the relay hands over, and waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.relay import Outgoing


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Outgoing] = []
        self._arrived = asyncio.Condition()

    async def __call__(self, messages: Sequence[Outgoing]) -> None:
        async with self._arrived:
            self.messages.extend(messages)
            self._arrived.notify_all()

    def texts(self) -> list[str | None]:
        return [m.text for m in self.messages]

    async def wait_for(self, count: int) -> list[str | None]:
        """The texts once at least ``count`` messages arrived (fails after 10 s)."""
        async with asyncio.timeout(10), self._arrived:
            await self._arrived.wait_for(lambda: len(self.messages) >= count)
        return self.texts()
