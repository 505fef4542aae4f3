"""A chat's updates keep their order; different chats do not wait for each other."""

from __future__ import annotations

import asyncio

from bot.telegram.services import ChatTurns


async def test_turns_are_kept_in_the_order_they_were_taken() -> None:
    turns = ChatTurns()
    done: list[str] = []

    async def update(name: str, chat: int, work: float) -> None:
        async with turns.turn(chat) as turn:
            await asyncio.sleep(work)  # e.g. answering a callback query first
            await turn.ready()
            done.append(name)

    await asyncio.gather(
        update("first", 1, 0.05), update("second", 1, 0.0), update("other chat", 2, 0.0)
    )
    # "second" was quicker but waited for "first"; the other chat waited for nobody.
    assert done == ["other chat", "first", "second"]


async def test_a_turn_that_ends_early_still_holds_back_the_next() -> None:
    turns = ChatTurns()
    done: list[str] = []
    release = asyncio.Event()

    async def slow() -> None:
        async with turns.turn(1) as turn:
            await turn.ready()
            await release.wait()
            done.append("slow")

    async def early() -> None:
        async with turns.turn(1):
            pass  # returned without waiting for its turn

    async def last() -> None:
        async with turns.turn(1) as turn:
            await turn.ready()
            done.append("last")

    tasks = [asyncio.create_task(c) for c in (slow(), early(), last())]
    await asyncio.sleep(0.02)
    assert done == []
    release.set()
    await asyncio.gather(*tasks)
    assert done == ["slow", "last"]
    assert len(turns) == 0  # nothing kept for idle chats
