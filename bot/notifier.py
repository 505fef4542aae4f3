"""The gateway's notification sender: due notifications into the customers' chats.

It claims due notifications from the durable queue (leases, :mod:`delivery.notifications.claims`),
picks the chat to tell each one in (:mod:`bot.notification_chats`), and raises
``EXTERNAL_notification`` there through Rasa's trigger-intent API, in the conversation's turn
(:meth:`bot.relay.Relay.raise_intent`), so the conversation holds the context and the customer
can answer "move it to Friday" right after. The assistant's ``action_notify`` words it. The
replies are delivered first, then recorded in the transcript (tagged with the notification's
id) in the same unit of work that marks the notification sent.

- No chat it can reach (no Telegram chat, no widget open): ``held``, until the customer opens
  the widget (:meth:`Notifier.customer_opened` claims theirs and tells them there).
- The chat is with a live agent: given back for a few minutes; the bot does not cut in.
- Rasa down, Telegram unreachable: ``mark_failed`` (retried later with backoff); the customer
  blocked the bot: failed for good.
- Telegram's limits (30 messages a second, one a second per chat) are kept by the Telegram
  channel's rate limiter; the sender keeps a bounded number of notifications in flight so
  none waits there long enough for its lease to run out.
- Shutdown: no new claims; what is in flight finishes (or is given back) before the gateway
  stops, so a restart neither loses nor repeats a notification. Killed outright, leases run
  out and the rows are claimed again: nothing is lost, and what was delivered but not yet
  recorded may be told twice (the one at-least-once point, docs/notifications-design.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation_queue import FollowUp, in_unit_of_work
from bot.notification_chats import LinkedChat, linked_chats, linked_customer_id
from bot.relay import Outgoing, Relay
from delivery.clock import utcnow
from delivery.notifications.claims import ClaimedNotification, claim_due, claim_for_customer
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import mark_failed, mark_held, mark_sent, release
from delivery.vocabulary import Channel

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The intent the gateway raises; ``action_notify`` answers it (data/rules/notifications.yml).
NOTIFY_INTENT = "EXTERNAL_notification"

#: Whether a conversation can be reached now (a widget session: is one connected?).
Reachable = Callable[[Channel, str], bool]
#: A claimed notification's outcome, reported in one unit of work.
Outcome = Callable[[Session], object]


@dataclass(frozen=True)
class NotifierConfig:
    concurrency: int = 32  # notifications in flight at once (enough for Telegram's 30/s)
    poll_seconds: float = 2.0  # how often to look for due ones when nobody says there are
    with_agent_retry: dt.timedelta = dt.timedelta(minutes=5)
    shutdown_seconds: float = 10.0  # how long in-flight ones may take to finish on shutdown


def worker_name() -> str:
    """This process's name in the leases it takes (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Notifier:
    """Claims due notifications and tells each customer in one of their chats."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        relay: Relay,
        policy: QueuePolicy,
        reachable: Reachable,
        config: NotifierConfig | None = None,
        worker: str | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._relay = relay
        self._policy = policy
        self._reachable = reachable
        self._config = config or NotifierConfig()
        self.worker = worker or worker_name()
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._run(), name="notifier")

    def wake(self) -> None:
        """New notifications may be due (a carrier webhook queued some): look now."""
        self._wakeup.set()

    async def aclose(self) -> None:
        """Stop claiming; let what is in flight finish (each marks its own outcome)."""
        self._closing = True
        self._wakeup.set()
        if self._loop is not None:
            await asyncio.gather(self._loop, return_exceptions=True)
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=self._config.shutdown_seconds)
        for task in list(self._in_flight):
            task.cancel()  # past the grace period: their leases run out, nothing is lost
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def customer_opened(self, channel: Channel, conversation_id: str) -> None:
        """A customer opened a chat (the widget): tell them what they have not heard yet,
        there and now (quiet hours do not apply, they are here)."""
        if self._closing:
            return
        try:
            customer_id = await self._db(
                lambda s: linked_customer_id(s, channel, conversation_id), writes=False
            )
            if customer_id is None:
                return
            batch = await self._db(
                lambda s: claim_for_customer(
                    s, customer_id, worker=self.worker, now=self._clock(), policy=self._policy
                )
            )
        except SQLAlchemyError:
            logger.exception("could not look for notifications of %s", conversation_id)
            return
        chat = LinkedChat(channel, conversation_id, with_agent=False)
        for notification in batch:  # one conversation: in order, one after the other
            await self._tell(notification, chat)

    # --- the loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            free = self._config.concurrency - len(self._in_flight)
            if free <= 0:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            self._wakeup.clear()
            try:
                batch = await self._claim(free)
                failures = 0
            except SQLAlchemyError:
                failures += 1
                logger.warning("could not claim notifications", exc_info=failures == 1)
                batch = []
            for notification in batch:
                task = asyncio.create_task(
                    self._send(notification), name=f"notify:{notification.id}"
                )
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if len(batch) < free and not self._closing:
                # Everything due is taken: wait for more to come due, or to be told.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._config.poll_seconds)

    async def _claim(self, limit: int) -> list[ClaimedNotification]:
        def claim(session: Session) -> list[ClaimedNotification]:
            now = self._clock()
            return claim_due(session, worker=self.worker, now=now, limit=limit, policy=self._policy)

        return await self._db(claim)

    async def _send(self, notification: ClaimedNotification) -> None:
        try:
            chats = await self._db(
                lambda s: linked_chats(s, notification.customer_id), writes=False
            )
        except SQLAlchemyError:
            logger.exception("could not find the chats of notification %d", notification.id)
            await self._report(notification, self._failed(notification, "database unavailable"))
            return
        chat = next((c for c in chats if self._can_reach(c)), None)
        if chat is None:
            await self._report(notification, self._held(notification))
            return
        if chat.with_agent:
            later = self._clock() + self._config.with_agent_retry
            await self._report(notification, self._given_back(notification, later))
            return
        await self._tell(notification, chat)

    def _can_reach(self, chat: LinkedChat) -> bool:
        if self._relay.deliver_to(chat.channel, chat.conversation_id) is None:
            return False  # the channel is off (Telegram without a token)
        return self._reachable(chat.channel, chat.conversation_id)

    async def _tell(self, notification: ClaimedNotification, chat: LinkedChat) -> None:
        """Raise the notification in ``chat``; deliver, record and mark it sent together."""

        def record(session: Session, messages: Sequence[Outgoing]) -> None:
            if not messages:
                return  # the assistant had nothing to say: reported as failed below
            mark_sent(
                session,
                notification.id,
                worker=self.worker,
                now=self._clock(),
                channel=chat.channel,
                conversation_id=chat.conversation_id,
            )

        left = (notification.claimed_until - self._clock()).total_seconds()
        job = await self._relay.raise_intent(
            chat.channel,
            chat.conversation_id,
            FollowUp(NOTIFY_INTENT, {"notification_id": str(notification.id)}),
            tag={"notification_id": notification.id},
            record_with=record,
            # Not started within half the lease: give it back rather than race the lease.
            queue_timeout=max(1.0, left / 2),
        )
        if job.error is not None:
            logger.warning(
                "notification %d to %s failed: %s", notification.id, chat.conversation_id, job.error
            )
            failed = self._failed(notification, job.error, permanent=job.permanent)
            await self._report(notification, failed)
        elif not job.replied:
            silent = self._failed(notification, "the assistant said nothing", permanent=True)
            await self._report(notification, silent)
        else:
            logger.info(
                "notification %d (%s) told in %s",
                notification.id,
                notification.kind,
                chat.conversation_id,
            )

    async def _report(self, notification: ClaimedNotification, outcome: Outcome) -> None:
        """Report what became of a claimed notification (fenced: only while we hold it)."""
        try:
            await self._db(outcome)
        except SQLAlchemyError:
            # Its lease runs out and it is claimed again: nothing is lost.
            logger.exception("could not report on notification %d", notification.id)

    def _held(self, notification: ClaimedNotification) -> Outcome:
        return lambda s: mark_held(s, notification.id, worker=self.worker)

    def _given_back(self, notification: ClaimedNotification, not_before: dt.datetime) -> Outcome:
        return lambda s: release(s, notification.id, worker=self.worker, not_before=not_before)

    def _failed(
        self, notification: ClaimedNotification, error: str, *, permanent: bool = False
    ) -> Outcome:
        return lambda s: mark_failed(
            s,
            notification.id,
            worker=self.worker,
            now=self._clock(),
            error=error,
            policy=self._policy,
            permanent=permanent,
        )

    async def _db(self, work: Callable[[Session], T], *, writes: bool = True) -> T:
        return await in_unit_of_work(self._sessions, work, writes=writes)
