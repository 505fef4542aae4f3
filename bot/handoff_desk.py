"""The gateway's side of a live-agent handoff (docs/handoff-design.md).

The assistant decides to hand over (``action_request_handoff`` queues the handoff in the
database, pauses Rasa and says so with a custom payload); from then on the desk carries the
conversation between the customer's channel and the staff console:

- staff consoles hear of new handoffs and of every customer message (through the
  :class:`StaffBroadcast` the console implements);
- an agent claims, replies, hands back or closes; each step is the domain's
  (:mod:`delivery.services.handoffs`: two agents cannot claim one conversation), recorded in the
  gateway's transcript and in Rasa's tracker (events appended through Rasa's HTTP API), and
  reaches the customer through their channel;
- handing back or closing resumes Rasa, so the next message is the assistant's again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot import transcript
from bot.conversation_queue import deliver_safely, in_unit_of_work
from bot.gateway_texts import GatewayText, gateway_text
from bot.rasa_client import RasaClient, RasaError
from bot.relay import Relay
from bot.transcript import Outgoing, iso_utc
from delivery.clock import utcnow
from delivery.services import handoffs
from delivery.services.handoffs import HandoffView
from delivery.services.staff_sessions import StaffIdentity
from delivery.vocabulary import Channel, HandoffOutcome, HandoffStatus

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Tries (with doubling waits from one second) at telling Rasa a conversation moved on.
RASA_EVENT_TRIES = 5
MAX_REPLY_CHARS = 2000
#: Rasa stops predicting right after the action that paused it, without the ``action_listen``
#: that ends a normal turn; the policies (rules especially) expect one before the customer's
#: next message, so it is added when the conversation is resumed.
RESUME_EVENTS = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]


class StaffBroadcast(Protocol):
    """How the desk reaches the staff consoles (the console's live channel implements it)."""

    async def queue_changed(self) -> None: ...

    async def conversation_event(self, handoff_id: int, event: dict[str, Any]) -> None: ...


class _Nobody:
    """Until a console is attached, nobody listens."""

    async def queue_changed(self) -> None:
        return None

    async def conversation_event(self, handoff_id: int, event: dict[str, Any]) -> None:
        return None


class HandoffDesk:
    """Carries handed-off conversations between customers and agents."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        rasa: RasaClient,
        relay: Relay,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._relay = relay
        self._clock = clock
        self._broadcast: StaffBroadcast = _Nobody()
        self._background: set[asyncio.Task[None]] = set()
        relay.on_custom_payload(self._assistant_payload)
        relay.on_handed_off_message(self._customer_wrote)

    def set_broadcast(self, broadcast: StaffBroadcast) -> None:
        self._broadcast = broadcast

    # --- what agents do ------------------------------------------------------------------------

    async def claim(self, handoff_id: int, agent: StaffIdentity) -> HandoffView:
        view = await self._db(
            lambda s: handoffs.claim_handoff(
                s, handoff_id, staff_user_id=agent.user_id, now=self._clock()
            )
        )
        await self._announce(view, GatewayText.AGENT_JOINED, "agent_joined", agent.display_name)
        await self._status_changed(view)
        return view

    async def reply(self, handoff_id: int, agent: StaffIdentity, text: str) -> None:
        text = text.strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"a reply has 1 to {MAX_REPLY_CHARS} characters")
        message = Outgoing(text=text, agent=agent.display_name)
        now = self._clock()

        def record(session: Session) -> HandoffView:
            view = handoffs.ensure_handler(session, handoff_id, staff_user_id=agent.user_id)
            transcript.add_agent_message(
                session,
                channel=view.channel,
                conversation_id=view.conversation_id,
                message=message,
                now=now,
            )
            return view

        view = await self._db(record)
        await self._deliver(view, [message])
        self._tell_rasa(
            view.conversation_id,
            [{"event": "bot", "text": text, "metadata": {"agent": agent.display_name}}],
        )
        await self._broadcast.conversation_event(
            handoff_id,
            {"type": "message", "sender": "agent", "text": text, "agent": agent.display_name,
             "at": iso_utc(now)},
        )  # fmt: skip

    async def hand_back(self, handoff_id: int, agent: StaffIdentity) -> HandoffView:
        view = await self._db(
            lambda s: handoffs.hand_back(
                s, handoff_id, staff_user_id=agent.user_id, now=self._clock()
            )
        )
        await self._ended(view, agent)
        return view

    async def close(
        self, handoff_id: int, agent: StaffIdentity, outcome: HandoffOutcome
    ) -> HandoffView:
        view = await self._db(
            lambda s: handoffs.close_handoff(
                s, handoff_id, staff_user_id=agent.user_id, outcome=outcome, now=self._clock()
            )
        )
        await self._ended(view, agent if view.claimed_by_id is not None else None)
        return view

    async def aclose(self) -> None:
        """Wait briefly for Rasa updates still on their way."""
        if self._background:
            await asyncio.wait(self._background, timeout=5.0)

    # --- what the assistant and customers do ---------------------------------------------------

    async def _assistant_payload(self, sender: str, custom: dict[str, Any]) -> None:
        if custom.get("handoff") == "queued":
            await self._broadcast.queue_changed()

    async def _customer_wrote(self, handoff: HandoffView, text: str, at: dt.datetime) -> None:
        await self._broadcast.conversation_event(
            handoff.handoff_id,
            {"type": "message", "sender": "customer", "text": text, "at": iso_utc(at)},
        )

    # --- the steps' shared parts ---------------------------------------------------------------

    async def _ended(self, view: HandoffView, agent: StaffIdentity | None) -> None:
        """Rasa answers again; the customer hears that the agent left."""
        self._tell_rasa(view.conversation_id, RESUME_EVENTS)
        if agent is not None:
            await self._announce(view, GatewayText.AGENT_LEFT, "agent_left", agent.display_name)
        await self._status_changed(view)

    async def _announce(self, view: HandoffView, text: GatewayText, event: str, name: str) -> None:
        """An agent joined or left: the widget words it itself (and shows it in its header);
        other channels get the gateway's sentence."""
        language = await self._db(
            lambda s: transcript.latest_language(s, view.conversation_id), writes=False
        )
        if view.channel is Channel.WEB:
            message = Outgoing(custom={"handoff": event, "agent": name})
        else:
            message = Outgoing(text=gateway_text(text, language, name=name))
        now = self._clock()
        await self._db(
            lambda s: transcript.add_bot_messages(
                s,
                channel=view.channel,
                conversation_id=view.conversation_id,
                messages=[message],
                now=now,
            )
        )
        await self._deliver(view, [message])

    async def _status_changed(self, view: HandoffView) -> None:
        event: dict[str, Any] = {"type": "status", "status": view.status.value}
        if view.claimed_by_name and view.status is HandoffStatus.ACTIVE:
            event["claimed_by_name"] = view.claimed_by_name
        await self._broadcast.conversation_event(view.handoff_id, event)
        await self._broadcast.queue_changed()

    async def _deliver(self, view: HandoffView, messages: list[Outgoing]) -> None:
        deliver = self._relay.deliver_to(view.channel, view.conversation_id)
        if deliver is None:
            logger.warning(
                "%s is off: %s will see this in the history", view.channel, view.conversation_id
            )
            return
        await deliver_safely(deliver, messages, view.conversation_id)

    def _tell_rasa(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events to Rasa's tracker in the background, retrying while Rasa is down:
        the agent and the customer need not wait for it."""
        task = asyncio.create_task(self._append(sender, events), name=f"desk:{sender}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _append(self, sender: str, events: list[dict[str, Any]]) -> None:
        for attempt in range(RASA_EVENT_TRIES):
            try:
                await self._rasa.append_events(sender, events)
                return
            except RasaError as exc:
                logger.warning("Rasa did not take %s for %s: %s", events, sender, exc)
                await asyncio.sleep(2**attempt)
        logger.error("gave up telling Rasa %s for %s", events, sender)

    async def _db(self, work: Callable[[Session], T], *, writes: bool = True) -> T:
        return await in_unit_of_work(self._sessions, work, writes=writes)
