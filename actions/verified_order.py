"""The verified customer's order: the one in the ``order_number`` slot, and only if the customer
this conversation proved to be owns it. A slot is never trusted alone.

The journeys that change an order (another day, a pickup point, a return) read it on every call,
and their forms ask nothing when the conversation does not own it: the form ends, order_form has
said why (a lockout), and the journey's final action stays quiet.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import UsesDatabase
from actions.conversation import Conversation
from actions.names import SlotName
from actions.verification import owned_order
from delivery.db.models import Order
from delivery.services.orders import customer_order


def verified_order(talk: Conversation, session: Session) -> Order | None:
    """The order in the ``order_number`` slot, with its parcels, if this conversation proved to
    be its owner; None otherwise (not verified, locked out, or someone else's number)."""
    customer = talk.customer(session)
    order_id = owned_order(session, customer, talk.slot(SlotName.ORDER_NUMBER))
    if customer is None or order_id is None:
        return None
    return customer_order(session, customer.id, order_id)


class VerifiedOrderForm(UsesDatabase):
    """The validation of a form about the verified customer's order: a mixin, put before
    :class:`~actions.base.DeliveryFormValidation` among the bases (it is no action itself, so
    the action server does not register it)."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing to ask (the form ends) unless the conversation owns the order."""
        talk = self.conversation(dispatcher, tracker)

        def owned(session: Session) -> bool:
            number = talk.slot(SlotName.ORDER_NUMBER)
            return owned_order(session, talk.customer(session), number) is not None

        return list(domain_slots) if await self.in_session(owned) else []

    async def validate_change_confirmed(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """A yes or a no, as the affirm/deny mapping set it (the final action re-checks all)."""
        return {SlotName.CHANGE_CONFIRMED: value if isinstance(value, bool) else None}
