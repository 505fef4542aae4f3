"""A pickup point instead of the door: the check, where from, which point, tampered buttons, the
confirmation and the switch itself (once, whatever retries)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.pickup_points import (
    ActionAskPickupOrigin,
    ActionAskPickupPoint,
    ActionAskPickupPointFormChangeConfirmed,
    ActionCheckPickupPoint,
    ActionSwitchToPickupPoint,
    ValidatePickupPointForm,
)
from actions.runtime import Runtime
from delivery.db.models import Carrier, DeliveryChange, Order, PickupPoint, Shipment
from delivery.geo.distance import EARTH_RADIUS_KM
from delivery.services.identity import link_channel
from delivery.vocabulary import Channel, PickupPointKind, ShipmentStatus, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, Reply, RunAction
from tests.actions.test_change_refusals import filled_in
from tests.factories import NOW

# The default parcel goes to 10 Downing Street, London (51.5034, -0.1276).
HOME = (51.5034, -0.1276)
ORIGIN = "pickup_origin"
POINT = "pickup_point"


@pytest.fixture
def run(run: RunAction, domain: dict[str, Any]) -> RunAction:
    """conftest's ``run``, also checking that every response sent can be filled in."""
    return filled_in(run, domain)


@dataclass
class FormChat(Chat):
    latest_action: str = "action_listen"

    def tracker(self) -> Tracker:
        tracker = super().tracker()
        tracker.latest_action_name = self.latest_action
        return tracker

    def presses(self, entity: str, value: str, slot: str) -> FormChat:
        """A button (or a hand-typed '/inform{...}') whose entity Rasa maps to ``slot``."""
        self.says(f'/inform{{"{entity}":"{value}"}}', "inform", {entity: value})
        self.slots[slot] = value
        self.events.append({"event": "slot", "name": slot, "value": value})
        return self

    def shares_location(self, latitude: Any, longitude: Any) -> FormChat:
        """A Telegram location: the channel passes it as metadata, which Rasa keeps on the
        user event (not in the NLU result the tracker calls ``latest_message``)."""
        self.says("", "inform")
        location = {"location": {"latitude": latitude, "longitude": longitude}}
        self.events[-1]["metadata"] = location
        return self


def north_of_home(km: float) -> dict[str, float]:
    return {"latitude": HOME[0] + math.degrees(km / EARTH_RADIUS_KM), "longitude": HOME[1]}


def parcel(
    session: Session, *, carrier: dict[str, Any] | None = None, **shipment: Any
) -> tuple[Order, Shipment, Carrier]:
    the_carrier = factories.carrier(session, **(carrier or {}))
    order = factories.order(session)
    return order, factories.shipment(session, order, carrier_=the_carrier, **shipment), the_carrier


def point(session: Session, carrier: Carrier, km: float, **overrides: Any) -> PickupPoint:
    return factories.pickup_point(session, carrier, **(north_of_home(km) | overrides))


def verified(
    session: Session, order: Order, *, channel: Channel = Channel.WEB, **slots: Any
) -> FormChat:
    chat = FormChat(input_channel="telegram" if channel is Channel.TELEGRAM else "socketio")
    chat.slots.update({"order_number": order.number, "journey": "pickup_point", **slots})
    link_channel(
        session,
        channel=channel,
        external_id=chat.sender_id,
        customer_id=order.customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )
    return chat


def in_form(chat: FormChat, requested: str | None = ORIGIN) -> FormChat:
    chat.active_loop = {"name": "pickup_point_form"}
    chat.slots["requested_slot"] = requested
    return chat


def destination(session: Session, shipment: Shipment) -> int | None:
    session.expire_all()
    row = session.get(Shipment, shipment.id)
    assert row is not None
    return row.pickup_point_id


def changes(session: Session, shipment: Shipment) -> int:
    query = select(func.count()).select_from(DeliveryChange)
    return session.scalar(query.where(DeliveryChange.shipment_id == shipment.id)) or 0


def codes(reply: Reply) -> list[str]:
    return [b["payload"].split('"pickup_point":"')[1].rstrip('"}') for b in reply.buttons()]


# --- may it go to a pickup point? ----------------------------------------------------------------


async def test_a_parcel_in_transit_may_go_to_a_pickup_point(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, _ = parcel(session)
    reply = await run(ActionCheckPickupPoint(runtime), verified(session, order).says("locker"))
    assert reply.slots == {"journey_allowed": True}
    assert reply.messages == []


async def test_a_carrier_without_pickup_points_offers_another_day(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, _ = parcel(session, carrier={"supports_pickup_points": False, "name": "Vanline"})
    reply = await run(ActionCheckPickupPoint(runtime), verified(session, order).says("locker"))
    assert reply.slots == {"journey_allowed": False}
    [message] = reply.messages
    assert message["response"] == "utter_change_refused_pickup_points_not_supported"
    assert message["carrier"] == "Vanline"
    assert [b["payload"] for b in reply.buttons()] == ["/reschedule_delivery", "/talk_to_person"]


async def test_out_for_delivery_cannot_go_to_a_pickup_point(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, _ = parcel(session, status=ShipmentStatus.OUT_FOR_DELIVERY)
    reply = await run(ActionCheckPickupPoint(runtime), verified(session, order).says("locker"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_change_refused_out_for_delivery"]


async def test_an_unverified_conversation_ends_quietly(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, _ = parcel(session)
    chat = FormChat()
    chat.slots.update({"order_number": order.number, "journey_allowed": False})
    reply = await run(ActionCheckPickupPoint(runtime), chat.says("locker"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.messages == []


# --- where from ----------------------------------------------------------------------------------


async def test_where_from_offers_the_delivery_address_and_a_typed_place(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, _ = parcel(session)
    reply = await run(ActionAskPickupOrigin(runtime), in_form(verified(session, order)).says("x"))
    assert reply.responses == ["utter_ask_pickup_origin"]
    assert reply.buttons() == [
        {
            "title": "Near my delivery address",
            "payload": '/inform{"pickup_origin":"delivery_address"}',
        }
    ]
    reply = await run(
        ActionAskPickupOrigin(runtime),
        in_form(verified(session, order, channel=Channel.TELEGRAM)).says("x"),
    )
    assert reply.responses == ["utter_ask_pickup_origin_telegram"]
    lost, _, _ = parcel(session, latitude=None, longitude=None, city="Nowhere", postcode="ZZ")
    reply = await run(ActionAskPickupOrigin(runtime), in_form(verified(session, lost)).says("x"))
    assert reply.responses == ["utter_ask_pickup_origin_without_address"]


async def test_the_delivery_address_button_is_checked_and_kept(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 0.5)
    chat = in_form(verified(session, order)).presses(ORIGIN, "delivery_address", ORIGIN)
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert reply.slots[ORIGIN] == "delivery_address"
    assert reply.messages == []


async def test_a_shared_location_a_postcode_or_a_city_is_where_from(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 0.5)
    chat = in_form(verified(session, order)).shares_location(51.5034, "-0.1276")
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert reply.slots[ORIGIN] == "geo:51.50340,-0.12760"
    typed = in_form(verified(session, order)).says("SW1A 1AA", "inform", {"postcode": "SW1A 1AA"})
    assert (await run(ValidatePickupPointForm(runtime), typed)).slots[ORIGIN] == "SW1A 1AA"
    typed = in_form(verified(session, order)).says("london")  # a typed answer, no entity
    assert (await run(ValidatePickupPointForm(runtime), typed)).slots[ORIGIN] == "london"


async def test_the_proof_postcode_is_not_taken_for_a_place_when_the_form_starts(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 0.5)
    chat = in_form(verified(session, order), requested=None)
    chat.says("SW1A 2AA", "inform", {"postcode": "SW1A 2AA"})  # the answer to "your postcode?"
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert ORIGIN not in reply.slots
    chat.says("a locker near SW1A 1AA", "choose_pickup_point", {"postcode": "SW1A 1AA"})
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert reply.slots[ORIGIN] == "SW1A 1AA"


async def test_an_unknown_place_is_said_so_and_asked_again(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 0.5)
    chat = in_form(verified(session, order)).says("atlantis")
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert reply.slots[ORIGIN] is None
    [message] = reply.messages
    assert (message["response"], message["place"]) == ("utter_pickup_origin_unknown", "atlantis")


async def test_a_place_without_points_or_only_full_ones_is_said_so(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    chat = in_form(verified(session, order)).says("milano")
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert reply.slots[ORIGIN] is None
    assert reply.responses == ["utter_no_pickup_points_near"]
    assert reply.messages[0]["place"] == "Milano"
    point(session, carrier, 0.5, capacity=0)
    chat = in_form(verified(session, order)).presses(ORIGIN, "delivery_address", ORIGIN)
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert reply.slots[ORIGIN] is None
    assert reply.responses == ["utter_pickup_points_all_full"]
    assert reply.messages[0]["place"] == "your delivery address"


async def test_a_question_about_something_else_is_left_to_the_rules(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, _ = parcel(session)
    chat = in_form(verified(session, order)).says("how do lockers work?", "faq")
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert ORIGIN not in reply.slots
    assert reply.messages == []
    chat = in_form(verified(session, order), POINT)
    chat.says("do you have lockers in milano?", "faq", {"city": "Milano"})
    reply = await run(ValidatePickupPointForm(runtime), chat)
    assert ORIGIN not in reply.slots


# --- which point ---------------------------------------------------------------------------------


async def test_the_nearest_points_with_room_are_buttons_and_full_ones_are_named(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    full = point(session, carrier, 0.2, name="Full Shop", capacity=0)
    near = point(session, carrier, 0.32, name="Corner Shop")
    locker = point(
        session,
        carrier,
        1.24,
        name="Station Locker",
        kind=PickupPointKind.LOCKER,
        opening_hours={day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]]},
    )
    point(session, factories.carrier(session), 0.1, name="Someone Else's")
    chat = in_form(verified(session, order, pickup_origin="delivery_address"), POINT)
    reply = await run(ActionAskPickupPoint(runtime), chat.says("near me", "inform"))
    assert reply.responses == ["utter_pickup_points_full", "utter_ask_pickup_point_near_address"]
    assert reply.messages[0]["points"] == "Full Shop"
    assert codes(reply) == [near.code, locker.code]
    # The service rounds distances to 100 m.
    assert [b["title"] for b in reply.buttons()] == [
        "Corner Shop · 300 m · Mon–Sat 8:00–20:00",
        "Station Locker · 1.2 km · open 24/7",
    ]
    assert full.code not in codes(reply)


async def test_points_near_a_typed_place_name_the_place(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 0.5)
    chat = in_form(verified(session, order, pickup_origin="SW1A 2AA"), POINT)
    reply = await run(ActionAskPickupPoint(runtime), chat.says("SW1A 2AA"))
    [message] = reply.messages
    assert message["response"] == "utter_ask_pickup_point_near_place"
    assert message["place"] == "London"


async def test_a_new_place_while_choosing_starts_again_from_there(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 0.5)
    chat = in_form(verified(session, order, pickup_origin="delivery_address"), POINT)
    reply = await run(ValidatePickupPointForm(runtime), chat.shares_location(51.5, -0.12))
    assert reply.slots[ORIGIN] == "geo:51.50000,-0.12000"
    assert reply.slots[POINT] is None


async def test_a_point_with_room_of_the_parcels_carrier_is_taken(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    chosen = point(session, carrier, 0.5)
    chat = in_form(verified(session, order, pickup_origin="delivery_address"), POINT)
    reply = await run(ValidatePickupPointForm(runtime), chat.presses(POINT, chosen.code, POINT))
    assert reply.slots[POINT] == chosen.code
    assert reply.messages == []


async def test_a_tampered_closed_or_full_point_is_refused_politely(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    other_carriers = point(session, factories.carrier(session), 0.5)
    closed = point(session, carrier, 0.5, active=False)
    full = point(session, carrier, 0.5, capacity=0, name="Full Shop")
    for code, response in [
        (other_carriers.code, "utter_pickup_point_not_available"),
        (closed.code, "utter_pickup_point_not_available"),
        ("NO-SUCH-POINT", "utter_pickup_point_not_available"),
        (full.code, "utter_pickup_point_full"),
    ]:
        chat = in_form(verified(session, order, pickup_origin="delivery_address"), POINT)
        reply = await run(ValidatePickupPointForm(runtime), chat.presses(POINT, code, POINT))
        assert reply.slots[POINT] is None, code
        assert reply.responses == [response], code


async def test_a_point_for_someone_elses_order_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    theirs, their_parcel, their_carrier = parcel(session)
    mine, _, _ = parcel(session)
    chosen = point(session, their_carrier, 0.5)
    chat = in_form(verified(session, mine, order_number=theirs.number), POINT)
    reply = await run(ValidatePickupPointForm(runtime), chat.presses(POINT, chosen.code, POINT))
    assert reply.slots == {"requested_slot": None}
    chat.slots["change_confirmed"] = True
    reply = await run(ActionSwitchToPickupPoint(runtime), chat.says("yes", "affirm"))
    assert reply.messages == []
    assert destination(session, their_parcel) is None


# --- confirm and switch --------------------------------------------------------------------------


async def test_the_confirmation_names_the_point_and_its_address(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    chosen = point(session, carrier, 0.5, name="Corner Shop", street="5 High Street")
    chat = in_form(verified(session, order, pickup_point=chosen.code), "change_confirmed")
    reply = await run(ActionAskPickupPointFormChangeConfirmed(runtime), chat.says("x"))
    [message] = reply.messages
    assert message["response"] == "utter_confirm_pickup_point"
    assert (message["pickup_point"], message["address"]) == (
        "Corner Shop",
        "5 High Street, SW1A 1AA London",
    )


async def test_a_yes_switches_once_however_often_it_is_processed(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment, carrier = parcel(session)
    chosen = point(session, carrier, 0.5, name="Corner Shop")
    chat = verified(session, order, pickup_point=chosen.code, change_confirmed=True)
    chat.says("yes", "affirm")
    action = ActionSwitchToPickupPoint(runtime)
    first = await run(action, chat)
    again = await run(action, chat)  # the same message again (a retry)
    assert first.responses == again.responses == ["utter_switched_to_pickup_point"]
    message = first.messages[0]
    assert message["pickup_point"] == "Corner Shop"
    assert message["hours"] == "Mon–Sat 8:00–20:00"
    assert message["order_number"] == order.number
    assert destination(session, shipment) == chosen.id
    assert changes(session, shipment) == 1


async def test_a_no_changes_nothing(session: Session, runtime: Runtime, run: RunAction) -> None:
    order, shipment, carrier = parcel(session)
    chosen = point(session, carrier, 0.5)
    chat = verified(session, order, pickup_point=chosen.code, change_confirmed=False)
    reply = await run(ActionSwitchToPickupPoint(runtime), chat.says("no", "deny"))
    assert reply.responses == ["utter_pickup_point_not_changed"]
    assert destination(session, shipment) is None


async def test_a_point_filled_up_meanwhile_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment, carrier = parcel(session)
    chosen = point(session, carrier, 0.5, capacity=1, name="Tiny Shop")
    chat = verified(session, order, pickup_point=chosen.code, change_confirmed=True)
    factories.shipment(
        session, factories.order(session), carrier_=carrier, pickup_point_id=chosen.id
    )
    reply = await run(ActionSwitchToPickupPoint(runtime), chat.says("yes", "affirm"))
    [message] = reply.messages
    assert (message["response"], message["pickup_point"]) == (
        "utter_change_refused_point_full",
        "Tiny Shop",
    )
    assert [b["payload"] for b in reply.buttons()] == [
        "/choose_pickup_point",
        "/reschedule_delivery",
        "/talk_to_person",
    ]
    assert destination(session, shipment) is None
    assert changes(session, shipment) == 0


async def test_a_hand_typed_point_of_another_carrier_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment, _ = parcel(session)
    other = point(session, factories.carrier(session), 0.5)
    for code in (other.code, "NO-SUCH-POINT"):
        chat = verified(session, order, pickup_point=code, change_confirmed=True)
        reply = await run(ActionSwitchToPickupPoint(runtime), chat.says("yes", "affirm"))
        assert reply.responses == ["utter_change_refused_point_not_served"]
    assert destination(session, shipment) is None


async def test_nothing_happens_without_a_verified_conversation(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment, carrier = parcel(session)
    chosen = point(session, carrier, 0.5)
    chat = FormChat()
    chat.slots.update(
        {"order_number": order.number, "pickup_point": chosen.code, "change_confirmed": True}
    )
    reply = await run(ActionSwitchToPickupPoint(runtime), chat.says("yes", "affirm"))
    assert reply.messages == []
    assert destination(session, shipment) is None
    for action in (ActionAskPickupOrigin(runtime), ActionAskPickupPoint(runtime)):
        reply = await run(action, in_form(chat))
        assert reply.messages == [] and reply.slots == {"requested_slot": None}


async def test_parcels_go_to_the_point_all_together_or_not_at_all(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session)
    order = factories.order(session, lines=2)
    lines = [line.id for line in order.lines]
    first = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[0]])
    second = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[1]])
    chosen = point(session, carrier, 0.5, capacity=1)  # room for one parcel, not two
    chat = verified(session, order, pickup_point=chosen.code, change_confirmed=True)
    reply = await run(ActionSwitchToPickupPoint(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_change_refused_point_full"]
    assert destination(session, first) is None and destination(session, second) is None
    assert changes(session, first) == changes(session, second) == 0


async def test_the_points_are_listed_in_other_languages(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _, carrier = parcel(session)
    point(session, carrier, 1.24, name="Corner Shop")
    for language, title in [
        ("it", "Corner Shop · 1,2 km · lun–sab 8:00–20:00"),
        ("xx", "Corner Shop · 1.2 km · Mon–Sat 8:00–20:00"),
    ]:
        chat = in_form(
            verified(session, order, pickup_origin="delivery_address", language=language), POINT
        )
        reply = await run(ActionAskPickupPoint(runtime), chat.says("qui vicino"))
        assert reply.responses == ["utter_ask_pickup_point_near_address"]
        assert [b["title"] for b in reply.buttons()] == [title]
