"""Telegram's limits: a burst to one chat is spaced out, other chats do not wait for it, and a
429 "retry after" is waited out once."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.relay import Incoming, Outgoing
from bot.telegram.ratelimit import ChatRateLimiter, TokenBucket
from tests.support.telegram_standin import BotApiError, TelegramStandin, TelegramUser
from tests.telegram.harness import FakeRelay, polling_channel


def burst(incoming: Incoming) -> list[Outgoing]:
    if incoming.text == "burst":
        return [Outgoing(text=f"part {n}") for n in range(6)]
    return [Outgoing(text="hello")]


def test_a_bucket_lets_a_burst_through_then_spaces_requests() -> None:
    bucket = TokenBucket(rate=2.0, burst=2.0)
    now = bucket.updated
    waits = [bucket.reserve(now) for _ in range(4)]
    assert waits == [0.0, 0.0, pytest.approx(0.5), pytest.approx(1.0)]
    assert bucket.reserve(now + 10) == 0.0  # refilled (up to the burst)


async def test_a_burst_to_one_chat_is_spaced_and_other_chats_do_not_wait(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    relay.answer = burst
    # Telegram's one a second per chat, at 10x the speed and with no burst allowance.
    limiter = ChatRateLimiter(per_chat_per_second=10, per_chat_burst=1)
    bob = TelegramUser(id=777, first_name="Bob")
    async with polling_channel(standin, relay, sessions, limiter=limiter):
        await standin.say(ada, "burst")
        await standin.wait_for("sendMessage", lambda c: c.chat_id == ada.chat_id)
        await standin.say(bob, "hi")
        to_ada = await standin.wait_for("sendMessage", lambda c: c.chat_id == ada.chat_id, count=6)
        [to_bob] = await standin.wait_for("sendMessage", lambda c: c.chat_id == bob.chat_id)

    assert [c.text for c in to_ada] == [f"part {n}" for n in range(6)]
    # 0.1 s apart: any k messages span at least (k - 1) * 0.1 s, give or take the jitter of
    # their arrival at the stand-in (the limiter spaces the requests, not their arrival).
    for (i, earlier), (j, later) in itertools.combinations(enumerate(to_ada), 2):
        assert later.at - earlier.at >= (j - i) * 0.1 - 0.06, [c.at for c in to_ada]
    assert to_bob.at < to_ada[-1].at  # Bob's answer did not queue behind Ada's burst


# python-telegram-bot itself warns while building the RetryAfter error (its 22.x deprecation).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_flood_wait_is_waited_out_and_the_message_sent(
    standin: TelegramStandin, relay: FakeRelay, sessions: sessionmaker[Session], ada: TelegramUser
) -> None:
    flood = BotApiError(429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
    standin.refuse_next("sendMessage", flood)
    async with polling_channel(standin, relay, sessions):
        await standin.say(ada, "hi")
        first, second = await standin.wait_for("sendMessage", count=2)

    assert first.text == second.text == "you said: hi"
    assert second.at - first.at >= 0.9
