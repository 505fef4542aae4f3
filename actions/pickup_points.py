"""A pickup point or parcel locker instead of the door: the pickup point journey
(data/rules/pickup_point.yml).

``action_check_pickup_point`` decides whether the verified order's parcels can be redirected
(and says why not, with what else is possible); ``pickup_point_form`` asks where to look
(``pickup_origin``), which point (``pickup_point``) and for a yes (``change_confirmed``);
``action_switch_to_pickup_point`` redirects them. Which parcels are redirected is explained in
:mod:`actions.change_refusals`; where to look and which points are offered, in
:mod:`actions.pickup_search`.

**Nothing from a button is trusted**: a point code is checked against the carrier of the
verified customer's parcels and the point's room when chosen, and again by
:func:`~delivery.services.pickup_points.switch_to_pickup_point`, under an idempotency key, in one
transaction.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.base import DeliveryAction, DeliveryFormValidation
from actions.buttons import payload
from actions.change_refusals import (
    NotShippedYet,
    change_plan,
    items_of,
    parcels_to_change,
    tell_refusal,
)
from actions.conversation import Conversation
from actions.names import Entity, Form, Intent, SlotName
from actions.opening_hours_wording import hours_text
from actions.phrases import phrase
from actions.pickup_search import (
    DELIVERY_ADDRESS,
    OriginKind,
    address_of,
    origin_in,
    point_button,
    point_by_code,
    points_near,
)
from actions.verified_order import VerifiedOrderForm, verified_order
from delivery.db.models import Order, Shipment
from delivery.geo.geocode import locate_shipment
from delivery.services.opening_hours import parse_hours
from delivery.services.pickup_points import (
    ensure_can_switch,
    occupied_places,
    switch_to_pickup_point,
)
from delivery.services.refusals import RefusalReason, Refused
from delivery.vocabulary import ChangeKind, Channel

# Responses (data/responses/delivery_changes.yml).
ASK_ORIGIN = "utter_ask_pickup_origin"
ASK_ORIGIN_TELEGRAM = "utter_ask_pickup_origin_telegram"
ASK_ORIGIN_WITHOUT_ADDRESS = "utter_ask_pickup_origin_without_address"
ADDRESS_BUTTON = "utter_pickup_origin_delivery_address"
POINTS_FULL = "utter_pickup_points_full"
POINT_NOT_AVAILABLE = "utter_pickup_point_not_available"
POINT_FULL = "utter_pickup_point_full"
CONFIRM_POINT = "utter_confirm_pickup_point"
SWITCHED = "utter_switched_to_pickup_point"
NOT_CHANGED = "utter_pickup_point_not_changed"

#: The question that lists the points, by where the search started.
_ASK_POINT = {
    OriginKind.DELIVERY_ADDRESS: "utter_ask_pickup_point_near_address",
    OriginKind.LOCATION: "utter_ask_pickup_point_near_location",
    OriginKind.PLACE: "utter_ask_pickup_point_near_place",
}


def plan_switch(order: Order, *, now: dt.datetime) -> list[Shipment]:
    """The parcels that go to a pickup point together; raises Refused or NotShippedYet."""
    return parcels_to_change(order, lambda shipment: ensure_can_switch(shipment, now=now))


def _plan(talk: Conversation, session: Session) -> list[Shipment] | None:
    """The verified order's parcels to redirect; None when not verified or refused (told)."""
    return change_plan(
        talk, session, ChangeKind.PICKUP_POINT, lambda order: plan_switch(order, now=talk.now)
    )


class ActionCheckPickupPoint(DeliveryAction):
    """May the verified order go to a pickup point? Sets ``journey_allowed``; says why not."""

    def name(self) -> str:
        return "action_check_pickup_point"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        return [SlotSet(SlotName.JOURNEY_ALLOWED, _plan(talk, session) is not None)]

    def events_after_failure(self, talk: Conversation) -> list[dict[str, Any]]:
        return [SlotSet(SlotName.JOURNEY_ALLOWED, False)]


class ValidatePickupPointForm(VerifiedOrderForm, DeliveryFormValidation):
    def name(self) -> str:
        return f"validate_{Form.PICKUP_POINT}"

    async def extract_pickup_origin(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A shared location, a postcode or city, or (when asked) the text as a place name.

        While the points are being chosen, a new place starts the search again from there.
        """
        talk = self.conversation(dispatcher, tracker, domain)
        requested = tracker.get_slot(SlotName.REQUESTED_SLOT)
        if requested not in (None, SlotName.PICKUP_ORIGIN, SlotName.PICKUP_POINT):
            return {}
        new_origin = origin_in(talk, requested)
        if new_origin is None:
            return {}
        return {SlotName.PICKUP_ORIGIN: new_origin, SlotName.PICKUP_POINT: None}

    async def validate_pickup_origin(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The place must be one the geocoder knows, with pickup points with room near it."""
        if value is None:
            return {SlotName.PICKUP_ORIGIN: None}
        talk = self.conversation(dispatcher, tracker, domain)
        chosen = str(value)

        def check(session: Session) -> bool | None:
            """True: usable; False: not (said so); None: the form must end (said why)."""
            shipments = _plan(talk, session)
            if shipments is None:
                return None
            return points_near(talk, session, chosen, shipments) is not None

        outcome = await self.in_session(check)
        if outcome is None:
            return {SlotName.PICKUP_ORIGIN: None, SlotName.REQUESTED_SLOT: None}
        return {SlotName.PICKUP_ORIGIN: chosen if outcome else None}

    async def validate_pickup_point(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The point must be an active one of the parcels' carrier, with room."""
        if value is None:
            return {SlotName.PICKUP_POINT: None}
        talk = self.conversation(dispatcher, tracker, domain)
        code = str(value)

        def check(session: Session) -> bool | None:
            shipments = _plan(talk, session)
            if shipments is None:
                return None
            point = point_by_code(session, code)
            if point is None or not point.active or point.carrier_id != shipments[0].carrier_id:
                talk.say(POINT_NOT_AVAILABLE)
                return False
            going_there = all(s.pickup_point_id == point.id for s in shipments)
            occupied = occupied_places(session, [point.id]).get(point.id, 0)
            if occupied >= point.capacity and not going_there:
                talk.say(POINT_FULL, pickup_point=point.name)
                return False
            return True

        outcome = await self.in_session(check)
        if outcome is None:
            return {SlotName.PICKUP_POINT: None, SlotName.REQUESTED_SLOT: None}
        return {SlotName.PICKUP_POINT: code if outcome else None}


class _PickupFormQuestion(DeliveryAction, ABC):
    """A question of the pickup point form: it ends the form quietly when the conversation does
    not own the order, and with the reason when the parcels can no longer be redirected."""

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        shipments = _plan(talk, session)
        if shipments is None:  # the form ends (a refusal has been told)
            return [SlotSet(SlotName.REQUESTED_SLOT, None)]
        return self.ask(talk, session, shipments)

    @abstractmethod
    def ask(
        self, talk: Conversation, session: Session, shipments: list[Shipment]
    ) -> list[EventType]:
        """Ask the question about ``shipments``, the parcels that would be redirected."""

    def events_after_failure(self, talk: Conversation) -> list[dict[str, Any]]:
        return [SlotSet(SlotName.REQUESTED_SLOT, None)]


class ActionAskPickupOrigin(_PickupFormQuestion):
    """Where to look: near the delivery address (a button), a postcode or city, a location."""

    def name(self) -> str:
        return "action_ask_pickup_origin"

    def ask(
        self, talk: Conversation, session: Session, shipments: list[Shipment]
    ) -> list[EventType]:
        if locate_shipment(shipments[0]) is None:
            talk.say(ASK_ORIGIN_WITHOUT_ADDRESS)
            return []
        near_home = {
            "title": phrase(talk.domain, ADDRESS_BUTTON, talk.language),
            "payload": payload(Intent.INFORM, Entity.PICKUP_ORIGIN, DELIVERY_ADDRESS),
        }
        question = ASK_ORIGIN_TELEGRAM if talk.channel is Channel.TELEGRAM else ASK_ORIGIN
        talk.say(question, buttons=[near_home])
        return []


class ActionAskPickupPoint(_PickupFormQuestion):
    """The nearest points with room as buttons (name, distance, hours); full ones named."""

    def name(self) -> str:
        return "action_ask_pickup_point"

    def ask(
        self, talk: Conversation, session: Session, shipments: list[Shipment]
    ) -> list[EventType]:
        chosen = str(talk.slot(SlotName.PICKUP_ORIGIN) or "")
        found = points_near(talk, session, chosen, shipments)
        if found is None:  # validated a moment ago: only when things changed since
            return [
                SlotSet(SlotName.PICKUP_ORIGIN, None),
                SlotSet(SlotName.REQUESTED_SLOT, SlotName.PICKUP_ORIGIN),
            ]
        origin, options = found
        with_room = [option for option in options if option.has_room]
        full = [option.name for option in options if not option.has_room]
        if full:
            talk.say(POINTS_FULL, points=", ".join(full))
        talk.say(
            _ASK_POINT[origin.kind],
            buttons=[point_button(talk, option) for option in with_room],
            place=origin.place,
        )
        return []


class ActionAskPickupPointFormChangeConfirmed(DeliveryAction):
    """'Shall I send your parcel to Corner Shop, 5 High Street, ...?' with Yes/No."""

    def name(self) -> str:
        return "action_ask_pickup_point_form_change_confirmed"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        point = point_by_code(session, str(talk.slot(SlotName.PICKUP_POINT) or ""))
        if point is None:  # validated before, so never; but never ask about nonsense either
            talk.say(POINT_NOT_AVAILABLE)
            return [SlotSet(SlotName.REQUESTED_SLOT, None)]
        talk.say(CONFIRM_POINT, pickup_point=point.name, address=address_of(point))
        return []


class ActionSwitchToPickupPoint(DeliveryAction):
    """Sends the parcels to the confirmed point (or says nothing changed on a no)."""

    def name(self) -> str:
        return "action_switch_to_pickup_point"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        confirmed = talk.slot(SlotName.CHANGE_CONFIRMED)
        order = verified_order(talk, session)
        if order is None or confirmed is None:
            return []  # not verified, or the form ended on a refusal it has told
        if confirmed is False:
            talk.say(NOT_CHANGED)
            return []
        try:
            self._switch(talk, session, order)
        except (Refused, NotShippedYet) as problem:
            tell_refusal(talk, session, problem, order=order, kind=ChangeKind.PICKUP_POINT)
        return []

    def _switch(self, talk: Conversation, session: Session, order: Order) -> None:
        shipments = plan_switch(order, now=talk.now)
        point = point_by_code(session, str(talk.slot(SlotName.PICKUP_POINT) or ""))
        if point is None:
            raise Refused(RefusalReason.POINT_NOT_SERVED, shipment_id=shipments[0].id)
        key = talk.idempotency_key(self.name())
        with session.begin_nested():  # all parcels go there, or none
            for shipment in shipments:
                switch_to_pickup_point(
                    session,
                    shipment,
                    point.id,
                    idempotency_key=f"{key}:{shipment.id}",
                    actor=f"assistant:{talk.key}",
                    now=talk.now,
                )
        talk.say(
            SWITCHED,
            items=items_of(order, shipments),
            pickup_point=point.name,
            address=address_of(point),
            hours=hours_text(talk, parse_hours(point.opening_hours)),
            order_number=order.number,
        )
