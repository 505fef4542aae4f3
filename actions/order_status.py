"""Where is my order: the verified customer's order, told as a timeline with what comes next.

Parcels whose news is older than WISMO_REFRESH_MAX_AGE_SECONDS are first asked about at their
carrier (:mod:`actions.fresh_tracking`); one whose carrier could not be asked is told as last
known, with a line that says so.
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
from actions.names import Response, SlotName
from actions.order_story import tell_order
from actions.phrases import phrase
from delivery.carriers.on_demand import NotRefreshed
from delivery.services.tracking_reads import track_order_number

log = logging.getLogger(__name__)


class ActionShowOrderStatus(DeliveryAction):
    writes = False

    def name(self) -> str:
        return "action_show_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """As every database action runs, with the carriers asked first (outside the unit of
        work that reads the answer)."""
        talk = self.conversation(dispatcher, tracker, domain)
        not_refreshed = await refresh_order(self, talk, talk.slot(SlotName.ORDER_NUMBER))
        try:
            return await self.in_session(lambda session: self.tell(talk, session, not_refreshed))
        except Exception:
            log.exception("%s failed in conversation %s", self.name(), tracker.sender_id)
            talk.say(Response.TRY_AGAIN)
            return self.events_after_failure(talk)

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        return self.tell(talk, session, {})

    def tell(
        self, talk: Conversation, session: Session, not_refreshed: Mapping[int, NotRefreshed]
    ) -> list[EventType]:
        number = talk.slot(SlotName.ORDER_NUMBER)
        customer = talk.customer(session)
        if customer is None or not number:
            # Not verified: order_form has already said why (e.g. the lockout message).
            return []
        tracking = track_order_number(session, number, now=talk.now, customer_id=customer.id)
        if tracking is None:
            talk.say(Response.NOT_YOUR_ORDER)
            return [SlotSet(SlotName.ORDER_NUMBER, None)]
        words = partial(phrase, talk.domain, language=talk.language)
        for message in tell_order(
            tracking,
            today=talk.now.date(),
            language=talk.language,
            words=words,
            not_refreshed=not_refreshed,
        ):
            talk.say(message.response, buttons=message.buttons, **message.values)
        return []
