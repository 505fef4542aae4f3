"""One customer message's way through the gateway, the same for every channel.

Guards first (per-connection rate limit, size limit, a typed ``/intent{...}`` only when it is a
button the bot offered in this conversation's latest turn), each answered politely by the
gateway itself. A message that passes is stored in the transcript as ``pending`` and queued on
its conversation; one worker per conversation sends the queue to Rasa in order (so a
conversation's messages never overtake each other), records and delivers the replies. While
Rasa or its action server is down or slow, the customer hears "one moment" once and the worker
retries with backoff; nothing they typed is lost, and on the next start :meth:`Relay.resume`
sends whatever is still pending.

Channels call :meth:`Relay.handle` with a ``deliver`` callback that reaches the conversation,
and register how to reach any conversation of theirs (:meth:`Relay.register_channel`), which
is how replies to messages resumed after a restart find their way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import transcript
from bot.conversation_queue import (
    INPUT_CHANNELS,
    Backoff,
    ConversationQueues,
    CustomListener,
    Deliver,
    DeliverTo,
    FollowUp,
    Job,
    deliver_safely,
    in_unit_of_work,
    outgoing_from_rasa,
)
from bot.gateway_texts import GatewayText, gateway_text
from bot.rasa_client import RasaClient
from bot.rate_limit import RateLimiter, Verdict
from bot.transcript import Button, Outgoing, TranscriptMessage
from delivery.clock import utcnow
from delivery.services.handoffs import HandoffView, open_handoff
from delivery.services.upset import Upset, assess_upset, conversation_is_upset
from delivery.settings import Settings
from delivery.vocabulary import Channel

__all__ = [
    "INPUT_CHANNELS",
    "Backoff",
    "Button",
    "Deliver",
    "DeliverTo",
    "Incoming",
    "Outgoing",
    "Relay",
    "TranscriptMessage",
    "outgoing_from_rasa",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Told of a customer's message while their conversation is with a person: (handoff, text, at).
HandedOffListener = Callable[[HandoffView, str, dt.datetime], Awaitable[None]]
#: Raised after Rasa's answer to an upset customer: the assistant hands over to a person.
UPSET_FOLLOW_UP = FollowUp("EXTERNAL_handoff", {"handoff_reason": "upset"})
#: How many of the customer's latest messages the upset check weighs.
UPSET_LOOKBACK = 3


@dataclass(frozen=True)
class Incoming:
    """One customer message, as the channel received it."""

    channel: Channel
    sender: str  # the conversation id (web-..., tg-...)
    text: str | None  # None: nothing to send (rasa-webchat's empty opening message)
    metadata: dict[str, Any]  # language, customer_name, location: set by channel code only
    connection: str  # what the rate limit counts against (socket sid, chat id)


@dataclass(frozen=True)
class _Refusal:
    text: str | None  # None: refused without a word (the customer was told already)


@dataclass
class _Intake:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Relay:
    """The gateway's path to Rasa, shared by every channel (created in the app's lifespan)."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: Settings,
        rasa: RasaClient,
        backoff: Backoff | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._rates = RateLimiter(settings.rate_limit_messages, settings.rate_limit_seconds)
        self._queues = ConversationQueues(
            sessions=sessions,
            rasa=rasa,
            backoff=self._backoff,
            slow_notice_seconds=settings.slow_reply_notice_seconds,
            clock=clock,
        )
        self._intakes: dict[str, _Intake] = {}
        self._handed_off_listeners: list[HandedOffListener] = []
        self._deliverers: dict[Channel, DeliverTo] = {}
        self._started = clock()
        self._resumer: asyncio.Task[None] | None = None
        self._closed = False

    def register_channel(self, channel: Channel, deliver_to: DeliverTo) -> None:
        self._deliverers[channel] = deliver_to

    def deliver_to(self, channel: Channel, conversation_id: str) -> Deliver | None:
        """How to reach a conversation outside a customer's turn (an agent's reply); None
        when its channel is off."""
        deliver_to = self._deliverers.get(channel)
        return deliver_to(conversation_id) if deliver_to is not None else None

    async def raise_intent(
        self,
        channel: Channel,
        conversation_id: str,
        trigger: FollowUp,
        *,
        tag: dict[str, Any] | None = None,
        record_with: Callable[[Session, Sequence[Outgoing]], None] | None = None,
        queue_timeout: float,
    ) -> Job:
        """Raise ``trigger`` in a conversation in its turn (behind the customer's queued
        messages), deliver the replies, then record them with ``record_with`` in one unit of
        work. The finished job says whether it worked (:attr:`Job.error`); one that has not
        even started within ``queue_timeout`` seconds is given up."""
        job = Job(
            entry_id=None,
            text="",
            metadata={},
            deliver=self.deliver_to(channel, conversation_id),
            trigger=trigger,
            tag=tag,
            record_with=record_with,
        )
        if self._closed:
            job.fail("the gateway is shutting down")
            return job
        self._queues.enqueue(channel, conversation_id, job)
        try:
            await asyncio.wait_for(job.finished.wait(), queue_timeout)
        except TimeoutError:
            if job.started:  # under way: it ends soon enough (Rasa's own timeout)
                await job.finished.wait()
            else:
                job.cancelled = True  # its worker skips it
                job.fail("timed out in the conversation's queue")
        return job

    def on_custom_payload(self, listener: CustomListener) -> None:
        """Be told of every custom payload the assistant sends (the handoff desk)."""
        self._queues.on_custom_payload(listener)

    def on_handed_off_message(self, listener: HandedOffListener) -> None:
        """Be told of every customer message while their conversation is handed off."""
        self._handed_off_listeners.append(listener)

    async def handle(self, incoming: Incoming, deliver: Deliver) -> None:
        """Guard, store and queue one message; returns once the customer heard something."""
        if self._closed or incoming.text is None or not incoming.text.strip():
            return
        text = incoming.text.strip()
        # Messages of one conversation are queued in the order they arrived, although the
        # guard and the transcript make each wait for the database.
        async with self._intake(incoming.sender):
            refusal = await self._guard(incoming, text)
            if refusal is None:
                metadata = {**incoming.metadata, "channel": incoming.channel.value}
                # Handed off: Rasa is paused and only logs the message (one transcript in
                # Rasa); the people on the conversation see it at once.
                entry_id, handoff, upset = await self._store_customer_message(
                    incoming, text, metadata
                )
                if handoff is not None:
                    await self._tell_handoff_watchers(handoff, text)
                follow_up = UPSET_FOLLOW_UP if handoff is None and upset else None
                job = Job(
                    entry_id=entry_id,
                    text=text,
                    metadata=metadata,
                    deliver=deliver,
                    follow_up=follow_up,
                )
                self._queues.enqueue(incoming.channel, incoming.sender, job)
        if refusal is not None:
            if refusal.text is not None:
                await deliver_safely(deliver, [Outgoing(text=refusal.text)], incoming.sender)
            return
        await job.settled.wait()

    async def history(self, sender: str, limit: int = 50) -> list[TranscriptMessage]:
        return await self._db(
            lambda session: transcript.history(session, sender, limit), writes=False
        )

    def connection_closed(self, connection: str) -> None:
        """Forget a connection's rate-limit state (a socket disconnected)."""
        self._rates.forget(connection)

    async def resume(self) -> None:
        """Queue the messages left pending by an earlier run of the gateway.

        Only those written before this relay was made: later ones are queued already. While
        the database is unreachable it keeps trying in the background.
        """
        if self._resumer is None:
            self._resumer = asyncio.create_task(self._resume(), name="relay:resume")
            # Usually done at once; waiting here lets startup report what it resumed.
            await asyncio.wait({self._resumer}, timeout=2.0)

    async def _resume(self) -> None:
        failures = 0
        while not self._closed:
            try:
                pending = await self._db(
                    lambda session: transcript.pending_messages(session, before=self._started)
                )
                break
            except SQLAlchemyError:
                failures += 1
                logger.warning("cannot read pending messages yet", exc_info=failures == 1)
                await asyncio.sleep(self._backoff.delay(failures))
        else:
            return
        for message in pending:
            deliver_to = self._deliverers.get(message.channel)
            job = Job(
                entry_id=message.entry_id,
                text=message.text,
                metadata=message.metadata,
                deliver=deliver_to(message.conversation_id) if deliver_to else None,
            )
            self._queues.enqueue(message.channel, message.conversation_id, job)
        if pending:
            logger.info("resumed %d pending customer messages", len(pending))

    async def aclose(self) -> None:
        """Stop the workers; messages still queued stay pending for the next start."""
        self._closed = True
        if self._resumer is not None:
            self._resumer.cancel()
            await asyncio.gather(self._resumer, return_exceptions=True)
        await self._queues.aclose()

    async def _guard(self, incoming: Incoming, text: str) -> _Refusal | None:
        """Why a message must not reach Rasa, or None when it may."""
        language = incoming.metadata.get("language")
        verdict = self._rates.check(incoming.connection)
        if verdict is Verdict.REFUSE:
            return _Refusal(gateway_text(GatewayText.SLOW_DOWN, language))
        if verdict is Verdict.REFUSE_SILENTLY:
            return _Refusal(None)
        if len(text) > self._settings.message_max_chars:
            limit = self._settings.message_max_chars
            return _Refusal(gateway_text(GatewayText.TOO_LONG, language, limit=limit))
        # Rasa reads "/intent{...}" as an intent with entities, skipping NLU: only a button the
        # bot offered in its latest turn may say that (the actions re-check every choice anyway).
        if text.startswith("/") and text not in await self._offered_payloads(incoming.sender):
            logger.info("refused a typed intent in %s", incoming.sender)
            return _Refusal(gateway_text(GatewayText.USE_BUTTONS, language))
        return None

    async def _tell_handoff_watchers(self, handoff: HandoffView, text: str) -> None:
        for listener in self._handed_off_listeners:
            try:
                await listener(handoff, text, self._clock())
            except Exception:
                logger.exception("a handoff listener failed for %s", handoff.conversation_id)

    async def _offered_payloads(self, sender: str) -> frozenset[str]:
        try:
            return await self._db(
                lambda session: transcript.offered_payloads(session, sender), writes=False
            )
        except SQLAlchemyError:
            logger.exception("could not read the offered buttons of %s", sender)
            return frozenset()  # refuse: a typed intent is never let through unchecked

    async def _store_customer_message(
        self, incoming: Incoming, text: str, metadata: dict[str, Any]
    ) -> tuple[int | None, HandoffView | None, bool]:
        """Store the message as pending; with it, in the same unit of work, read the
        conversation's open handoff and whether the customer is upset enough for one."""
        annoyed = assess_upset(text) >= Upset.ANNOYED

        def store(session: Session) -> tuple[int, HandoffView | None, bool]:
            entry_id = transcript.add_customer_message(
                session,
                channel=incoming.channel,
                conversation_id=incoming.sender,
                text=text,
                metadata=metadata,
                now=self._clock(),
            )
            handoff = open_handoff(session, incoming.sender)
            if handoff is not None or not annoyed:
                return entry_id, handoff, False
            recent = transcript.recent_customer_texts(session, incoming.sender, UPSET_LOOKBACK)
            return entry_id, None, conversation_is_upset(recent)

        try:
            return await self._db(store)
        except SQLAlchemyError:
            # Better answered and unrecorded than not answered at all.
            logger.exception("could not store a message of %s; sending it anyway", incoming.sender)
            return None, None, False

    @asynccontextmanager
    async def _intake(self, sender: str) -> AsyncIterator[None]:
        """One message of ``sender`` at a time, first come first served (asyncio's locks are
        fair); the lock is dropped when nobody holds or waits for it."""
        intake = self._intakes.get(sender)
        if intake is None:
            intake = self._intakes[sender] = _Intake()
        intake.users += 1
        try:
            async with intake.lock:
                yield
        finally:
            intake.users -= 1
            if intake.users == 0:
                del self._intakes[sender]

    async def _db(self, work: Callable[[Session], T], *, writes: bool = True) -> T:
        return await in_unit_of_work(self._sessions, work, writes=writes)
