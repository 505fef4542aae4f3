"""Where is my order: the verified customer's order, told as a timeline with what comes next."""

from __future__ import annotations

from functools import partial

from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

from actions.base import DeliveryAction
from actions.conversation import Conversation
from actions.names import Response, SlotName
from actions.order_story import tell_order
from actions.phrases import phrase
from delivery.services.tracking_reads import track_order_number


class ActionShowOrderStatus(DeliveryAction):
    writes = False

    def name(self) -> str:
        return "action_show_order_status"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
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
            tracking, today=talk.now.date(), language=talk.language, words=words
        ):
            talk.say(message.response, buttons=message.buttons, **message.values)
        return []
