"""The base of every action that touches the database.

``run`` is async (rasa-sdk runs it on its event loop), so the synchronous domain work goes to a
worker thread, in one unit of work: committed when the action returns, rolled back when it
fails. Any failure becomes a polite "please try again" and a log line, never a stack trace in
the chat.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.conversation import Conversation
from actions.names import Response
from actions.runtime import Runtime, default_runtime
from delivery.db.session import unit_of_work

log = logging.getLogger(__name__)

T = TypeVar("T")


class UsesDatabase:
    """Gives an action (or a form's validation action) the runtime and a way to do work."""

    #: Whether the work may write. Writers take SQLite's write lock when they start (see
    #: delivery.db.session.unit_of_work); read-only actions say False and never queue.
    writes: bool = True

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        return self._runtime or default_runtime()

    def conversation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict | None = None,
    ) -> Conversation:
        return Conversation(
            tracker=tracker, dispatcher=dispatcher, now=self.runtime.clock(), domain=domain or {}
        )

    async def in_session(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a thread, in one committed-or-rolled-back transaction."""

        def call() -> T:
            with unit_of_work(self.runtime.sessions, writes=self.writes) as session:
                return work(session)

        if not self.runtime.threaded:
            return call()
        return await asyncio.to_thread(call)


class DeliveryAction(UsesDatabase, Action, ABC):
    """An action whose whole ``act`` runs in one database transaction."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        talk = self.conversation(dispatcher, tracker, domain)
        try:
            return await self.in_session(lambda session: self.act(talk, session))
        except Exception:
            log.exception("%s failed in conversation %s", self.name(), tracker.sender_id)
            talk.say(Response.TRY_AGAIN)
            return self.events_after_failure(talk)

    @abstractmethod
    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        """Do the action's work; return the events for the tracker."""

    def events_after_failure(self, talk: Conversation) -> list[dict[str, Any]]:
        """Events to return when ``act`` failed (nothing was written)."""
        return []


class DeliveryFormValidation(UsesDatabase, FormValidationAction, ABC):
    """A form's validation action that touches the database.

    When anything fails, the customer hears "please try again", the values of this turn are
    dropped (never kept unchecked) and the form asks for them again.
    """

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>``; abstract, so that the action server registers only subclasses."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        unchecked = list(tracker.slots_to_validate())
        try:
            events: list[EventType] = await super().run(dispatcher, tracker, domain)
        except Exception:
            log.exception("%s failed in conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response=Response.TRY_AGAIN)
            return [SlotSet(slot, None) for slot in unchecked]
        return events
