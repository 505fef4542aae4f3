"""One queue of customer messages per conversation, each sent to Rasa by its own worker.

A worker sends its conversation's messages one at a time and in order, records the replies in
the transcript (marking the message delivered) and hands them to the channel. While Rasa or
its action server is down, or slower than a customer should wait in silence, the customer
hears "one moment" once, and the worker retries with backoff until Rasa answers; messages that
arrive meanwhile wait behind the first. A message Rasa refuses outright is marked failed.

A job may also raise an intent instead of sending text (a proactive notification): it waits its
turn like a message, so it never cuts into a customer's turn, but it is not retried here and its
failures are reported back (:attr:`Job.error`) for its sender to retry on its own terms.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import transcript
from bot.gateway_texts import GatewayText, gateway_text
from bot.rasa_client import RasaClient, RasaError, RasaRefused, RasaUnavailable
from bot.transcript import Button, Outgoing
from delivery.db.session import unit_of_work
from delivery.vocabulary import Channel

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The ``input_channel`` Rasa (and so the actions) see for each channel.
INPUT_CHANNELS = {Channel.WEB: "socketio", Channel.TELEGRAM: "telegram"}

Deliver = Callable[[Sequence[Outgoing]], Awaitable[None]]
#: A channel's way to reach one of its conversations by id (for replies that come later).
DeliverTo = Callable[[str], Deliver]
#: Told of every custom payload the assistant sends (conversation id, payload): how the
#: handoff desk learns that the assistant handed a conversation over.
CustomListener = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class FollowUp:
    """An intent the gateway raises in the conversation right after Rasa's answer (e.g.
    ``EXTERNAL_handoff`` when the customer is upset)."""

    intent: str
    entities: dict[str, Any] = field(default_factory=dict)


class Undeliverable(Exception):
    """A channel could not deliver; ``permanent``: it never will (the customer blocked the bot)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Backoff:
    """Waits between tries while Rasa is down: first, first*factor, ... up to longest."""

    first: float = 1.0
    factor: float = 2.0
    longest: float = 30.0

    def delay(self, failures: int) -> float:
        return float(min(self.longest, self.first * self.factor ** max(0, failures - 1)))


@dataclass
class Job:
    """One customer message on its way to Rasa, or an intent the gateway raises (``trigger``)."""

    entry_id: int | None  # its transcript entry; None when the database could not store it
    text: str
    metadata: dict[str, Any]
    deliver: Deliver | None  # None: nobody to tell (resumed for a channel that is off)
    follow_up: FollowUp | None = None
    # Set once the customer has heard something: the replies, or "one moment".
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    # A raised intent: its replies are delivered first, then recorded (tagged with ``tag``)
    # in one unit of work with ``record_with`` (e.g. marking the notification sent).
    trigger: FollowUp | None = None
    tag: dict[str, Any] | None = None
    record_with: Callable[[Session, Sequence[Outgoing]], None] | None = None
    # Outcome of a raised intent: set when done; ``error`` says why it failed.
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None
    permanent: bool = False
    cancelled: bool = False  # its sender gave up waiting: skip it
    started: bool = False  # a worker has taken it up
    replied: bool = False  # the assistant said something

    def fail(self, error: str, *, permanent: bool = False) -> None:
        self.error, self.permanent = error, permanent
        self.finish()

    def finish(self) -> None:
        self.settled.set()
        self.finished.set()


@dataclass
class _Conversation:
    channel: Channel
    sender: str
    jobs: deque[Job] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None
    told_to_wait: bool = False  # "one moment" said since the last answer
    waiting_for_rasa: bool = False  # the worker is between retries


class ConversationQueues:
    """The conversations with messages on their way to Rasa, each with its worker."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        rasa: RasaClient,
        backoff: Backoff,
        slow_notice_seconds: float,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._backoff = backoff
        self._slow_notice_seconds = slow_notice_seconds
        self._clock = clock
        self._conversations: dict[str, _Conversation] = {}
        self._closed = False
        self._custom_listeners: list[CustomListener] = []

    def on_custom_payload(self, listener: CustomListener) -> None:
        self._custom_listeners.append(listener)

    async def aclose(self) -> None:
        """Stop the workers; messages still queued stay pending in the transcript."""
        self._closed = True
        for conversation in self._conversations.values():
            for job in conversation.jobs:
                if job.trigger is not None:
                    job.fail("the gateway is shutting down")
                job.settled.set()  # nobody waits on queues that are gone
        workers = [c.worker for c in self._conversations.values() if c.worker is not None]
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._conversations.clear()

    def enqueue(self, channel: Channel, sender: str, job: Job) -> None:
        """Queue ``job`` behind the conversation's earlier messages."""
        # No await between finding the conversation and queueing: its worker cannot end and
        # drop it in between, so there is never a second worker for one conversation.
        conversation = self._conversations.get(sender)
        if conversation is None:
            conversation = self._conversations[sender] = _Conversation(channel, sender)
        conversation.jobs.append(job)
        if conversation.waiting_for_rasa:
            job.settled.set()  # the customer already knows to wait
        if conversation.worker is None:
            conversation.worker = asyncio.create_task(
                self._work(conversation), name=f"relay:{sender}"
            )

    async def _work(self, conversation: _Conversation) -> None:
        failures = 0
        try:
            while conversation.jobs and not self._closed:
                job = conversation.jobs[0]
                if job.cancelled:
                    conversation.jobs.popleft()
                    continue
                if job.trigger is not None:
                    await self._raise(conversation, job)
                    continue
                try:
                    replies = await self._ask_rasa(conversation, job)
                except RasaUnavailable as exc:
                    failures += 1
                    delay = self._backoff.delay(failures)
                    logger.warning(
                        "Rasa unavailable for %s (%s); retry %d in %.1f s",
                        conversation.sender, exc, failures, delay,
                    )  # fmt: skip
                    await self._tell_to_wait(conversation, job)
                    conversation.waiting_for_rasa = True
                    for queued in conversation.jobs:
                        queued.settled.set()
                    await asyncio.sleep(delay)
                    continue
                except RasaRefused as exc:
                    logger.error("Rasa refused a message of %s: %s", conversation.sender, exc)
                    await self._give_up(conversation, job)
                    continue
                except Exception:
                    # A bug must not block the conversation behind one message forever.
                    logger.exception("relaying a message of %s failed", conversation.sender)
                    await self._give_up(conversation, job)
                    continue
                failures = 0
                conversation.jobs.popleft()
                conversation.told_to_wait = conversation.waiting_for_rasa = False
                await self._answer(conversation, job, replies)
        finally:
            # Runs without an await before the task ends: no message can slip in unseen.
            if self._conversations.get(conversation.sender) is conversation:
                del self._conversations[conversation.sender]

    async def _raise(self, conversation: _Conversation, job: Job) -> None:
        """Raise a job's intent; deliver, then record its replies. Failures are the job's
        sender's to retry: nothing here waits for Rasa to come back."""
        conversation.jobs.popleft()
        job.started = True
        try:
            await self._raise_and_record(conversation, job)
        except asyncio.CancelledError:
            if not job.finished.is_set():
                job.fail("the gateway is shutting down")
            raise

    async def _raise_and_record(self, conversation: _Conversation, job: Job) -> None:
        trigger = job.trigger
        assert trigger is not None
        try:
            replies = await self._rasa.trigger_intent(
                conversation.sender, trigger.intent, trigger.entities
            )
            if not replies and not await self._rasa.action_server_status():
                raise RasaUnavailable("no answer, and the action server is down")
        except RasaRefused as exc:
            job.fail(f"Rasa refused {trigger.intent}: {exc}", permanent=True)
            return
        except RasaError as exc:
            job.fail(f"Rasa unavailable: {exc}")
            return
        except Exception as exc:
            logger.exception("raising %s in %s failed", trigger.intent, conversation.sender)
            job.fail(f"unexpected: {type(exc).__name__}")
            return
        messages = [m for m in map(outgoing_from_rasa, replies) if m is not None]
        job.replied = bool(messages)
        if job.deliver is not None and messages:
            try:
                await job.deliver(messages)
            except Undeliverable as exc:
                job.fail(str(exc), permanent=exc.permanent)
                return
            except Exception as exc:
                logger.exception("delivering to %s failed", conversation.sender)
                job.fail(f"delivery failed: {type(exc).__name__}")
                return

        def record(session: Session) -> None:
            transcript.add_bot_messages(
                session,
                channel=conversation.channel,
                conversation_id=conversation.sender,
                messages=messages,
                now=self._clock(),
                tag=job.tag,
            )
            if job.record_with is not None:
                job.record_with(session, messages)

        try:
            await in_unit_of_work(self._sessions, record)
        except SQLAlchemyError:
            # Delivered but not recorded: its sender's lease runs out and it may be sent
            # again (the one at-least-once point, see docs/notifications-design.md).
            logger.exception("could not record what was raised in %s", conversation.sender)
            job.fail("delivered, but the database could not record it")
            return
        await self._tell_listeners(conversation.sender, messages)
        job.finish()

    async def _ask_rasa(self, conversation: _Conversation, job: Job) -> list[dict[str, Any]]:
        """Rasa's replies; "one moment" meanwhile if they take longer than the customer should
        wait in silence."""
        call = asyncio.ensure_future(self._rasa_turn(conversation, job))
        try:
            done, _ = await asyncio.wait({call}, timeout=self._slow_notice_seconds)
            if not done:
                await self._tell_to_wait(conversation, job)
                job.settled.set()
            return await call
        finally:
            call.cancel()  # only matters when this worker is being cancelled

    async def _rasa_turn(self, conversation: _Conversation, job: Job) -> list[dict[str, Any]]:
        replies = await self._rasa.send(
            conversation.sender,
            job.text,
            input_channel=INPUT_CHANNELS[conversation.channel],
            metadata=job.metadata,
        )
        # Rasa answers 200 with nothing when a custom action could not be reached: that is the
        # action server being down, not the bot having nothing to say.
        if not replies and not await self._rasa.action_server_status():
            raise RasaUnavailable("no answer, and the action server is down")
        return replies

    async def _answer(
        self, conversation: _Conversation, job: Job, replies: list[dict[str, Any]]
    ) -> None:
        messages = [m for m in map(outgoing_from_rasa, replies) if m is not None]

        def record(session: Session) -> None:
            now = self._clock()
            transcript.add_bot_messages(
                session,
                channel=conversation.channel,
                conversation_id=conversation.sender,
                messages=messages,
                now=now,
            )
            if job.entry_id is not None:
                transcript.mark_delivered(session, job.entry_id, now)

        try:
            await in_unit_of_work(self._sessions, record)
        except SQLAlchemyError:
            logger.exception("could not record the replies to %s", conversation.sender)
        if job.deliver is not None and messages:
            await deliver_safely(job.deliver, messages, conversation.sender)
        await self._tell_listeners(conversation.sender, messages)
        if job.follow_up is not None:
            await self._follow_up(conversation, job, job.follow_up)
        job.settled.set()

    async def _follow_up(self, conversation: _Conversation, job: Job, follow_up: FollowUp) -> None:
        """Raise the gateway's intent and pass its replies on like any others."""
        try:
            replies = await self._rasa.trigger_intent(
                conversation.sender, follow_up.intent, follow_up.entities
            )
        except RasaError as exc:
            logger.warning(
                "could not raise %s in %s: %s", follow_up.intent, conversation.sender, exc
            )
            return
        await self._answer(conversation, replace(job, entry_id=None, follow_up=None), replies)

    async def _tell_listeners(self, sender: str, messages: Sequence[Outgoing]) -> None:
        for message in messages:
            if message.custom is None:
                continue
            for listener in self._custom_listeners:
                try:
                    await listener(sender, message.custom)
                except Exception:
                    logger.exception("a custom payload listener failed for %s", sender)

    async def _tell_to_wait(self, conversation: _Conversation, job: Job) -> None:
        if conversation.told_to_wait or job.deliver is None:
            return
        conversation.told_to_wait = True
        text = gateway_text(GatewayText.ONE_MOMENT, job.metadata.get("language"))
        await deliver_safely(job.deliver, [Outgoing(text=text)], conversation.sender)

    async def _give_up(self, conversation: _Conversation, job: Job) -> None:
        """Drop a message Rasa will never take (kept in the transcript as failed)."""
        conversation.jobs.popleft()
        job.settled.set()
        entry_id = job.entry_id
        if entry_id is None:
            return
        try:
            await in_unit_of_work(
                self._sessions, lambda session: transcript.mark_failed(session, entry_id)
            )
        except SQLAlchemyError:
            logger.exception("could not mark message %d as failed", entry_id)


def outgoing_from_rasa(reply: dict[str, Any]) -> Outgoing | None:
    """One message of Rasa's REST answer as a channel-neutral message (None if it is empty)."""
    text = reply.get("text")
    image = reply.get("image")
    custom = reply.get("custom")
    if not isinstance(custom, dict):
        custom = None
    if custom is None and reply.get("attachment") is not None:
        # Rasa's socket.io channel sends an attachment as {"attachment": ...}; so do we.
        custom = {"attachment": reply["attachment"]}
    buttons = tuple(
        Button(title=str(button.get("title", "")), payload=str(button["payload"]))
        for button in reply.get("buttons") or ()
        if isinstance(button, dict) and button.get("payload") is not None
    )
    message = Outgoing(
        text=text if isinstance(text, str) else None,
        buttons=buttons,
        image=image if isinstance(image, str) else None,
        custom=custom,
    )
    return None if message == Outgoing() else message


async def deliver_safely(deliver: Deliver, messages: Sequence[Outgoing], sender: str) -> None:
    """A channel failing to deliver must not stop the conversation's worker."""
    try:
        await deliver(messages)
    except Undeliverable as exc:
        logger.info("could not deliver %d messages to %s: %s", len(messages), sender, exc)
    except Exception:
        logger.exception("delivering %d messages to %s failed", len(messages), sender)


async def in_unit_of_work(
    sessions: sessionmaker[Session], work: Callable[[Session], T], *, writes: bool = True
) -> T:
    """``work`` in one unit of work on a worker thread (the database driver blocks).

    The gateway writes while the action server writes too: ``writes`` takes SQLite's write lock
    up front (see delivery.db.session.unit_of_work); pass False for reads.
    """

    def run() -> T:
        with unit_of_work(sessions, writes=writes) as session:
            return work(session)

    return await asyncio.to_thread(run)
