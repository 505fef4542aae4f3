"""Damaged or missing items: take down what happened, then hand over to a person.

Claims (replacement, refund, voucher) are settled by the shop's team for now; the report is kept
in the audit log against the order so the person who takes over sees it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import DeliveryAction, DeliveryFormValidation
from actions.conversation import Conversation
from actions.handoff import hand_over
from actions.names import Form, Journey, Response, SlotName
from actions.verification import journey_of, owned_order
from delivery.services import audit
from delivery.vocabulary import HandoffReason

#: Longest description kept (a customer may paste a long story).
MAX_DESCRIPTION = 2000


class ValidateClaimForm(DeliveryFormValidation):
    def name(self) -> str:
        return f"validate_{Form.CLAIM}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        talk = self.conversation(dispatcher, tracker)
        number = tracker.get_slot(SlotName.ORDER_NUMBER)

        def verified(session: Session) -> bool:
            return owned_order(session, talk.customer(session), number) is not None

        return list(domain_slots) if await self.in_session(verified) else []

    async def validate_claim_description(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        return {SlotName.CLAIM_DESCRIPTION: text[:MAX_DESCRIPTION] if text else None}


class ActionReportClaim(DeliveryAction):
    def name(self) -> str:
        return "action_report_claim"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        number = talk.slot(SlotName.ORDER_NUMBER)
        order_id = owned_order(session, talk.customer(session), number)
        description = talk.slot(SlotName.CLAIM_DESCRIPTION)
        if order_id is None or not description:
            return []  # not verified: order_form has said why
        journey = journey_of(talk.tracker) or Journey.DAMAGED_ITEM
        key = talk.idempotency_key(self.name())
        if audit.previous_entry(session, key, "claim_reported") is None:
            audit.record(
                session,
                actor=f"assistant:{talk.key}",
                action="claim_reported",
                entity_type="order",
                entity_id=order_id,
                details={"kind": journey.value, "description": description},
                now=talk.now,
                idempotency_key=key,
            )
        talk.say(Response.CLAIM_RECORDED, order_number=number)
        return hand_over(talk, session, self.runtime.settings, HandoffReason.CLAIM)
