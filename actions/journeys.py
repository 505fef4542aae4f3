"""Starting a journey: remember what the customer came to do and forget the last one's choices.

"Where is my order?" from a conversation that has already proved who it is, about one of the
customer's orders (named, or their only one), is answered right here, in one step: it is the
assistant's hottest path, and asking nothing is what the customer expects. Everything else goes
on to ``order_form`` (rules in data/rules/).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import DeliveryAction
from actions.conversation import Conversation
from actions.fresh_tracking import refresh_order
from actions.names import JOURNEY_OF_INTENT, JOURNEY_SLOTS, Journey, Response, SlotName
from actions.order_story import tell_order
from actions.phrases import phrase
from actions.verification import only_order_number
from delivery.carriers.on_demand import NotRefreshed
from delivery.services.tracking_reads import track_order_number

log = logging.getLogger(__name__)


class ActionStartJourney(DeliveryAction):
    """Sets ``journey`` from the intent (a bare order number or e-mail out of the blue, intent
    ``inform``, means "where is my order?"); the order number the message carried stays."""

    writes = False

    def name(self) -> str:
        return "action_start_journey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """As every database action runs; for "where is my order?" the carriers are asked
        first (outside the unit of work that answers), as action_show_order_status does."""
        talk = self.conversation(dispatcher, tracker, domain)
        not_refreshed: Mapping[int, NotRefreshed] = {}
        if self._journey(talk) is Journey.WISMO:
            number = talk.slot(SlotName.ORDER_NUMBER)
            not_refreshed = await refresh_order(self, talk, number, or_their_only_order=True)
        try:
            return await self.in_session(lambda session: self.start(talk, session, not_refreshed))
        except Exception:
            log.exception("%s failed in conversation %s", self.name(), tracker.sender_id)
            talk.say(Response.TRY_AGAIN)
            return self.events_after_failure(talk)

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        return self.start(talk, session, {})

    def start(
        self, talk: Conversation, session: Session, not_refreshed: Mapping[int, NotRefreshed]
    ) -> list[EventType]:
        journey = self._journey(talk)
        events: list[EventType] = [SlotSet(SlotName.JOURNEY, journey.value)]
        events += [SlotSet(slot, None) for slot in JOURNEY_SLOTS]
        answered = journey is Journey.WISMO and self._answer_at_once(
            talk, session, events, not_refreshed
        )
        return [*events, SlotSet(SlotName.JOURNEY_ANSWERED, answered)]

    @staticmethod
    def _journey(talk: Conversation) -> Journey:
        return JOURNEY_OF_INTENT.get(talk.latest_intent or "", Journey.WISMO)

    def _answer_at_once(
        self,
        talk: Conversation,
        session: Session,
        events: list[EventType],
        not_refreshed: Mapping[int, NotRefreshed],
    ) -> bool:
        customer = talk.customer(session)
        if customer is None:
            return False
        number = talk.slot(SlotName.ORDER_NUMBER) or only_order_number(session, customer)
        if not number:
            return False
        tracking = track_order_number(session, number, now=talk.now, customer_id=customer.id)
        if tracking is None:
            return False  # not theirs (or unknown): order_form asks for its proof
        words = partial(phrase, talk.domain, language=talk.language)
        for message in tell_order(
            tracking,
            today=talk.now.date(),
            language=talk.language,
            words=words,
            not_refreshed=not_refreshed,
        ):
            talk.say(message.response, buttons=message.buttons, **message.values)
        events.append(SlotSet(SlotName.ORDER_NUMBER, tracking.order_number))
        return True
