"""Another day for a delivery: the reschedule journey (data/rules/reschedule.yml).

``action_check_reschedule`` decides whether the verified order can be moved at all (and says why
not, with what else is possible); ``reschedule_form`` asks for a slot (``delivery_slot``) and a
yes (``change_confirmed``); ``action_reschedule_delivery`` moves it.

- **Slots offered** are the carrier's real free slots that every parcel moving can take
  (:func:`plan_reschedule`; which parcels move is explained in :mod:`actions.change_refusals`),
  earliest first, at most :data:`SLOTS_OFFERED` as buttons.
- **Typed days** ("friday afternoon", "23/11", "tomorrow") are read against those slots
  (:mod:`actions.slot_choice`): one match fills the slot, several are offered as buttons, none
  gets an apology and the nearest ones. The validation action fills the slot; the ask action,
  which runs right after on the same message, offers the narrowed choice.
- **Nothing from a button is trusted**: a slot key is user input (anyone can type
  ``/inform{"slot_key": ...}``), so it is checked against the slots offered *now* for the order
  the conversation proved to own, and :func:`~delivery.services.reschedule.reschedule` checks it
  once more when it moves the parcels, under an idempotency key, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions import wording
from actions.base import DeliveryAction, DeliveryFormValidation, UsesDatabase
from actions.buttons import slot_button
from actions.change_refusals import (
    NotShippedYet,
    by_relevance,
    change_plan,
    items_of,
    parcels_to_change,
    tell_refusal,
)
from actions.conversation import Conversation
from actions.names import Entity, Form, Intent, Response, SlotName
from actions.slot_choice import (
    TypedTime,
    chosen_slot,
    nearest_slots,
    part_word,
    read_typed_time,
)
from actions.verified_order import VerifiedOrderForm, verified_order
from delivery.db.models import Order, Shipment
from delivery.services.changeability import ensure_before_cutoff, ensure_changeable
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.reschedule import available_slots, current_slot, reschedule
from delivery.services.slots import Slot, local_today
from delivery.vocabulary import ChangeKind

#: At most this many slots are offered as buttons at once.
SLOTS_OFFERED = 6

# Responses (data/responses/delivery_changes.yml).
ASK_DELIVERY_SLOT = "utter_ask_delivery_slot"
ASK_DELIVERY_SLOT_AGAIN = "utter_ask_delivery_slot_again"
SLOTS_ON_DAY = "utter_delivery_slots_on_day"
SLOTS_IN_PART = "utter_delivery_slots_in_part"
NO_SLOT_ON_DAY = "utter_no_delivery_slot_on_day"
NO_SLOT_IN_PART = "utter_no_delivery_slot_in_part"
NO_SLOT_ON_DAY_IN_PART = "utter_no_delivery_slot_on_day_in_part"
SLOT_NOT_UNDERSTOOD = "utter_delivery_slot_not_understood"
SLOT_NOT_OFFERED = "utter_delivery_slot_not_offered"
SLOT_ALREADY_BOOKED = "utter_delivery_slot_already_booked"
CONFIRM_RESCHEDULE = "utter_confirm_reschedule"
RESCHEDULED = "utter_rescheduled"
NOT_CHANGED = "utter_reschedule_not_changed"

#: Messages whose text may name a day: answers, "deliver it on friday instead", and answers NLU
#: was unsure of (only used when a day is really found in them).
_TIME_INTENTS = frozenset({Intent.INFORM, Intent.RESCHEDULE_DELIVERY, Intent.NLU_FALLBACK})
_LISTEN = "action_listen"


@dataclass(frozen=True)
class ReschedulePlan:
    """The parcels that move together, the slots all of them can move to (earliest first), and
    today where the carrier delivers (typed days are read from it)."""

    order: Order
    shipments: list[Shipment]
    slots: list[Slot]
    today: dt.date


def plan_reschedule(session: Session, order: Order, *, now: dt.datetime) -> ReschedulePlan:
    """What moving ``order``'s delivery means now; raises Refused or NotShippedYet if it can't."""
    shipments = parcels_to_change(order, reschedulable(now))
    slots = available_slots(session, shipments[0], now=now)
    for other in shipments[1:]:
        theirs = set(available_slots(session, other, now=now))
        slots = [slot for slot in slots if slot in theirs]
    if not slots:
        raise Refused(RefusalReason.NO_SLOTS, shipment_id=shipments[0].id)
    return ReschedulePlan(order, shipments, slots, local_today(shipments[0].carrier, now))


def reschedulable(now: dt.datetime) -> Callable[[Shipment], None]:
    """The check a parcel passes to move (free slots aside): the carrier has not committed it."""

    def check(shipment: Shipment) -> None:
        ensure_changeable(shipment, ChangeKind.RESCHEDULE)
        ensure_before_cutoff(shipment, now=now)

    return check


def may_name_a_time(talk: Conversation) -> bool:
    """Could the latest message be a typed day? Not a button, not a question about something
    else (a digression is answered by the rules)."""
    return (
        talk.latest_intent in _TIME_INTENTS
        and not talk.latest_text.startswith("/")
        and talk.entity(Entity.SLOT_KEY) is None
    )


def typed_time(talk: Conversation, plan: ReschedulePlan) -> TypedTime | None:
    """The day the latest message asks for and the offered slots that fit; None if it names
    no day or part of the day, or cannot be meant as one."""
    if not may_name_a_time(talk):
        return None
    return read_typed_time(talk, plan.slots, plan.today)


def planned_text(shipment: Shipment, language: str) -> str:
    """When the parcel is coming now: 'Wed 4 Mar, 9:00–13:00' (the carrier's estimate first)."""
    if shipment.eta_date is not None:
        day, start, end = shipment.eta_date, shipment.eta_window_start, shipment.eta_window_end
    else:
        day = shipment.promised_date
        start, end = shipment.promised_window_start, shipment.promised_window_end
    if start is None or end is None:
        return wording.day(day, language)
    return wording.slot_label(Slot(day, start, end), language)


def _plan(talk: Conversation, session: Session, *, quiet: bool = False) -> ReschedulePlan | None:
    """The verified order's plan; None when not verified or refused (told unless ``quiet``)."""
    return change_plan(
        talk,
        session,
        ChangeKind.RESCHEDULE,
        lambda order: plan_reschedule(session, order, now=talk.now),
        quiet=quiet,
    )


class ActionCheckReschedule(DeliveryAction):
    """May the verified order's delivery move? Sets ``journey_allowed``; says why not.

    Quiet when the conversation does not own the order: order_form has said why (a lockout)."""

    def name(self) -> str:
        return "action_check_reschedule"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        return [SlotSet(SlotName.JOURNEY_ALLOWED, _plan(talk, session) is not None)]

    def events_after_failure(self, talk: Conversation) -> list[dict[str, Any]]:
        return [SlotSet(SlotName.JOURNEY_ALLOWED, False)]


class ValidateRescheduleForm(VerifiedOrderForm, DeliveryFormValidation):
    def name(self) -> str:
        return f"validate_{Form.RESCHEDULE}"

    async def extract_delivery_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed day: one fitting slot fills it; several or none leave it to the question."""
        talk = self.conversation(dispatcher, tracker, domain)
        requested = tracker.get_slot(SlotName.REQUESTED_SLOT)
        # Read when the form starts (the request itself may name the day), when asked, and when
        # the customer changes their mind at the confirmation.
        if requested not in (None, SlotName.DELIVERY_SLOT, SlotName.CHANGE_CONFIRMED):
            return {}
        if not may_name_a_time(talk):
            return {}

        def read(session: Session) -> TypedTime | None:
            plan = _plan(talk, session, quiet=True)  # a refusal is told by the question
            return typed_time(talk, plan) if plan is not None else None

        typed = await self.in_session(read)
        if typed is None:
            if requested == SlotName.DELIVERY_SLOT and talk.latest_intent == Intent.INFORM:
                talk.say(SLOT_NOT_UNDERSTOOD)
                return {SlotName.DELIVERY_SLOT: None}
            return {}
        chosen = typed.only_match
        slots: dict[str, Any] = {SlotName.DELIVERY_SLOT: chosen.key if chosen else None}
        if requested == SlotName.CHANGE_CONFIRMED:
            slots[SlotName.CHANGE_CONFIRMED] = None  # a new day needs a new yes
        return slots

    async def validate_delivery_slot(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The slot must be one offered now for the verified order (buttons are user input)."""
        if value is None:
            return {SlotName.DELIVERY_SLOT: None}
        talk = self.conversation(dispatcher, tracker, domain)
        try:
            slot = Slot.from_key(str(value))
        except ValueError:
            talk.say(SLOT_NOT_OFFERED)
            return {SlotName.DELIVERY_SLOT: None}

        def check(session: Session) -> bool | None:
            """True: offered; False: not (said so); None: the form must end (said why)."""
            plan = _plan(talk, session)
            if plan is None:
                return None
            if slot in plan.slots:
                return True
            if slot == current_slot(plan.shipments[0]):
                talk.say(SLOT_ALREADY_BOOKED, slot=wording.slot_label(slot, talk.language))
            else:
                talk.say(SLOT_NOT_OFFERED)
            return False

        outcome = await self.in_session(check)
        if outcome is None:
            return {SlotName.DELIVERY_SLOT: None, SlotName.REQUESTED_SLOT: None}
        return {SlotName.DELIVERY_SLOT: slot.key if outcome else None}


class ActionAskDeliverySlot(DeliveryAction):
    """Offers the free slots as buttons (narrowed to a typed day when there was one)."""

    def name(self) -> str:
        return "action_ask_delivery_slot"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        plan = _plan(talk, session)
        if plan is None:  # the form ends (a refusal has been told)
            return [SlotSet(SlotName.REQUESTED_SLOT, None)]
        response, values, slots = self._offer(talk, plan)
        buttons = [slot_button(slot, talk.language) for slot in slots[:SLOTS_OFFERED]]
        talk.say(response, buttons=buttons, **values)
        return []

    def _offer(
        self, talk: Conversation, plan: ReschedulePlan
    ) -> tuple[str, dict[str, Any], list[Slot]]:
        typed = typed_time(talk, plan)
        if typed is None:
            if talk.tracker.latest_action_name == _LISTEN:  # asked again after an answer
                return ASK_DELIVERY_SLOT_AGAIN, {}, plan.slots
            planned = planned_text(plan.shipments[0], talk.language)
            return ASK_DELIVERY_SLOT, {"planned": planned}, plan.slots
        day, part = typed.preferred.date, typed.preferred.part_of_day
        values: dict[str, Any] = {}
        if day is not None:
            values["day"] = wording.day(day, talk.language)
        if part is not None:
            values["part"] = part_word(talk, part)
        if typed.matches:
            return (SLOTS_ON_DAY if day is not None else SLOTS_IN_PART), values, typed.matches
        nearest = nearest_slots(plan.slots, typed.preferred, SLOTS_OFFERED)
        if day is not None and part is not None:
            return NO_SLOT_ON_DAY_IN_PART, values, nearest
        return (NO_SLOT_ON_DAY if day is not None else NO_SLOT_IN_PART), values, nearest

    def events_after_failure(self, talk: Conversation) -> list[dict[str, Any]]:
        return [SlotSet(SlotName.REQUESTED_SLOT, None)]


class ActionAskRescheduleFormChangeConfirmed(UsesDatabase, Action):
    """'Shall I move your delivery to Tue 3 Mar, 9:00–13:00?' with Yes/No."""

    def name(self) -> str:
        return "action_ask_reschedule_form_change_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        talk = self.conversation(dispatcher, tracker, domain)
        slot = chosen_slot(talk, SlotName.DELIVERY_SLOT)
        if slot is None:  # validated before, so never; but never ask about nonsense either
            talk.say(Response.TRY_AGAIN)
            return [SlotSet(SlotName.REQUESTED_SLOT, None)]
        talk.say(CONFIRM_RESCHEDULE, slot=wording.slot_label(slot, talk.language))
        return []


class ActionRescheduleDelivery(DeliveryAction):
    """Moves the parcels to the confirmed slot (or says nothing changed on a no)."""

    def name(self) -> str:
        return "action_reschedule_delivery"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        confirmed = talk.slot(SlotName.CHANGE_CONFIRMED)
        order = verified_order(talk, session)
        if order is None or confirmed is None:
            return []  # not verified, or the form ended on a refusal it has told
        if confirmed is False:
            first = by_relevance(order.shipments)
            planned = planned_text(first[0], talk.language) if first else ""
            talk.say(NOT_CHANGED, planned=planned)
            return []
        # Validated before, so never None; but then refused like a slot just taken.
        slot = chosen_slot(talk, SlotName.DELIVERY_SLOT)
        try:
            if slot is None:
                raise Refused(RefusalReason.SLOT_UNAVAILABLE)
            self._move(talk, session, order, slot)
        except (Refused, NotShippedYet) as problem:
            tell_refusal(talk, session, problem, order=order, kind=ChangeKind.RESCHEDULE)
        return []

    def _move(self, talk: Conversation, session: Session, order: Order, slot: Slot) -> None:
        now = talk.now
        # Changeability only: whether the slot is free is reschedule()'s to say, after it has
        # looked for a replay of this very request (the slot is no longer "free" once taken).
        shipments = parcels_to_change(order, reschedulable(now))
        key = talk.idempotency_key(self.name())
        with session.begin_nested():  # all parcels move, or none
            for shipment in shipments:
                reschedule(
                    session,
                    shipment,
                    slot,
                    idempotency_key=f"{key}:{shipment.id}",
                    actor=f"assistant:{talk.key}",
                    now=now,
                )
        talk.say(
            RESCHEDULED,
            slot=wording.slot_label(slot, talk.language),
            items=items_of(order, shipments),
        )
