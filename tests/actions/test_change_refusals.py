"""Delivery changes: which parcels change, and refusals told with what is still possible."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.change_refusals import (
    _TOLD_REASONS,
    NOT_SHIPPED,
    OPTION_PREFIX,
    REFUSED,
    REFUSED_PREFIX,
    WAITING_AT_PICKUP_POINT,
    Alternative,
    NotShippedYet,
    alternatives,
    change_plan,
    items_of,
    parcels_to_change,
    refusal_message,
    tell_refusal,
)
from actions.conversation import Conversation
from delivery.db.models import Order, Shipment
from delivery.services.changeability import ensure_changeable
from delivery.services.identity import link_channel
from delivery.services.refusals import RefusalReason, Refused
from delivery.vocabulary import (
    ChangeKind,
    Channel,
    OrderStatus,
    ShipmentStatus,
    VerificationMethod,
)
from tests import factories
from tests.actions.conftest import Chat, Reply, RunAction
from tests.factories import NOW

_VARIABLE = re.compile(r"{([^\n{}]+?)}")


def assert_filled(
    messages: list[dict[str, Any]], slots: dict[str, Any], domain: dict[str, Any]
) -> None:
    """Every variable of every variation of each response sent is given a value (Rasa would
    otherwise send the text with its {placeholders})."""
    for message in messages:
        variations = domain["responses"][message["response"]]
        for variation in variations:
            names = set(_VARIABLE.findall(variation.get("text") or ""))
            missing = names - set(message) - {k for k, v in slots.items() if v is not None}
            assert not missing, (message["response"], missing)


def filled_in(run: RunAction, domain: dict[str, Any]) -> RunAction:
    """``run``, also checking that every response sent can be filled in."""

    async def run_and_check(action: Any, chat: Chat) -> Reply:
        slots = dict(chat.slots)
        reply: Reply = await run(action, chat)
        assert_filled(reply.messages, slots, domain)
        return reply

    return run_and_check


def talk_for(chat: Chat, domain: dict[str, Any], now: dt.datetime = NOW) -> Conversation:
    return Conversation(
        tracker=chat.tracker(), dispatcher=CollectingDispatcher(), now=now, domain=domain
    )


def link(session: Session, chat: Chat, order: Order) -> None:
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=order.customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )


def reschedulable(shipment: Shipment) -> None:
    ensure_changeable(shipment, ChangeKind.RESCHEDULE)


def refused(reason: RefusalReason, **details: Any) -> Refused:
    return Refused(reason, **details)


def reload(session: Session, order: Order) -> Order:
    session.expire_all()
    found = session.get(Order, order.id)
    assert found is not None
    return found


# --- the verified order --------------------------------------------------------------------------


def test_change_plan_is_quiet_when_not_verified_and_tells_a_refusal(
    session: Session, domain: dict[str, Any]
) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.DELIVERED)
    chat = Chat()
    chat.slots["order_number"] = order.number
    talk = talk_for(chat, domain)
    plan = change_plan(
        talk, session, ChangeKind.RESCHEDULE, lambda o: parcels_to_change(o, reschedulable)
    )
    assert plan is None and talk.dispatcher.messages == []
    link(session, chat, order)
    talk = talk_for(chat, domain)
    assert (
        change_plan(
            talk,
            session,
            ChangeKind.RESCHEDULE,
            lambda o: parcels_to_change(o, reschedulable),
            quiet=True,
        )
        is None
    )
    assert talk.dispatcher.messages == []
    plan = change_plan(
        talk, session, ChangeKind.RESCHEDULE, lambda o: parcels_to_change(o, reschedulable)
    )
    assert plan is None
    assert [m["response"] for m in talk.dispatcher.messages] == [
        "utter_change_refused_already_delivered"
    ]


# --- which parcels -------------------------------------------------------------------------------


def test_an_order_without_parcels_is_not_shipped_yet_or_cancelled(session: Session) -> None:
    with pytest.raises(NotShippedYet):
        parcels_to_change(factories.order(session), reschedulable)
    cancelled = factories.order(session, status=OrderStatus.CANCELLED)
    with pytest.raises(Refused) as info:
        parcels_to_change(cancelled, reschedulable)
    assert info.value.reason is RefusalReason.ORDER_CANCELLED


def test_the_parcels_of_the_first_carrier_to_arrive_change_together(session: Session) -> None:
    order = factories.order(session, lines=4)
    first_carrier, other_carrier = factories.carrier(session), factories.carrier(session)
    lines = [line.id for line in order.lines]
    later = factories.shipment(
        session,
        order,
        carrier_=first_carrier,
        line_ids=[lines[0]],
        promised_date=(NOW + dt.timedelta(days=3)).date(),
    )
    sooner = factories.shipment(session, order, carrier_=first_carrier, line_ids=[lines[1]])
    factories.shipment(session, order, carrier_=other_carrier, line_ids=[lines[2]])
    factories.shipment(
        session,
        order,
        carrier_=first_carrier,
        line_ids=[lines[3]],
        status=ShipmentStatus.DELIVERED,
    )
    order = reload(session, order)
    parcels = parcels_to_change(order, reschedulable)
    assert [s.id for s in parcels] == [sooner.id, later.id]
    assert items_of(order, parcels) == "Item 1, Item 2"  # in the order's own order


def test_the_refusal_of_a_parcel_still_coming_is_the_one_told(session: Session) -> None:
    order = factories.order(session, lines=2)
    lines = [line.id for line in order.lines]
    factories.shipment(session, order, line_ids=[lines[0]], status=ShipmentStatus.DELIVERED)
    factories.shipment(session, order, line_ids=[lines[1]], status=ShipmentStatus.OUT_FOR_DELIVERY)
    with pytest.raises(Refused) as info:
        parcels_to_change(reload(session, order), reschedulable)
    assert info.value.reason is RefusalReason.OUT_FOR_DELIVERY


# --- telling why not -----------------------------------------------------------------------------


def test_every_refusal_told_has_a_response(domain: dict[str, Any]) -> None:
    names = [REFUSED, REFUSED_PREFIX + NOT_SHIPPED, REFUSED_PREFIX + WAITING_AT_PICKUP_POINT]
    names += [REFUSED_PREFIX + reason.value for reason in _TOLD_REASONS]
    names += [OPTION_PREFIX + option.value for option in Alternative]
    names.remove(OPTION_PREFIX + Alternative.TALK_TO_PERSON)  # everyone's person button
    assert [name for name in names if name not in domain["responses"]] == []


def test_past_the_cutoff_says_when_the_cutoff_was(session: Session, domain: dict[str, Any]) -> None:
    carrier = factories.carrier(session, reschedule_cutoff_hours=24, name="Speedy")
    order = factories.order(session)
    shipment = factories.shipment(session, order, carrier_=carrier)
    cutoff = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    problem = refused(RefusalReason.PAST_CUTOFF, shipment_id=shipment.id, cutoff_at=cutoff)
    response, values = refusal_message(
        talk_for(Chat(), domain), session, problem, order=reload(session, order)
    )
    assert response == "utter_change_refused_past_cutoff"
    assert values == {
        "order_number": order.number,
        "carrier": "Speedy",
        "hours": 24,
        "cutoff_day": "today",
        "cutoff_time": "9:00",
    }


def test_the_facts_each_refusal_needs(session: Session, domain: dict[str, Any]) -> None:
    carrier = factories.carrier(session, name="Speedy", reschedule_max_days_ahead=5)
    point = factories.pickup_point(session, carrier, name="Corner Shop")
    order = factories.order(session, lines=2)
    lines = [line.id for line in order.lines]
    home = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[0]])
    waiting = factories.shipment(
        session,
        order,
        carrier_=carrier,
        line_ids=[lines[1]],
        pickup_point_id=point.id,
        status=ShipmentStatus.READY_FOR_PICKUP,
    )
    order = reload(session, order)
    talk = talk_for(Chat(), domain)

    def told(problem: Refused | NotShippedYet) -> tuple[str, dict[str, Any]]:
        return refusal_message(talk, session, problem, order=order)

    assert told(refused(RefusalReason.NO_SLOTS, shipment_id=home.id)) == (
        "utter_change_refused_no_slots",
        {"order_number": order.number, "carrier": "Speedy", "days": 5},
    )
    full = told(refused(RefusalReason.POINT_FULL, shipment_id=home.id, point_id=point.id))
    assert full[0] == "utter_change_refused_point_full"
    assert full[1]["pickup_point"] == "Corner Shop"
    at_point = told(refused(RefusalReason.AT_PICKUP_POINT, shipment_id=waiting.id))
    assert at_point == (
        "utter_change_refused_waiting_at_pickup_point",
        {"order_number": order.number, "carrier": "Speedy", "pickup_point": "Corner Shop"},
    )
    assert told(NotShippedYet()) == (
        "utter_change_refused_not_shipped",
        {"order_number": order.number},
    )
    assert told(refused(RefusalReason.NOTHING_RETURNABLE)) == ("utter_change_refused", {})


def test_alternatives_offer_what_is_still_possible(session: Session) -> None:
    no_points = factories.carrier(session, supports_pickup_points=False)
    order = factories.order(session, lines=2)
    lines = [line.id for line in order.lines]
    factories.shipment(session, order, carrier_=no_points, line_ids=[lines[0]])
    order = reload(session, order)
    slot_taken = refused(RefusalReason.SLOT_UNAVAILABLE)
    assert alternatives(
        session, order, kind=ChangeKind.RESCHEDULE, problem=slot_taken, now=NOW
    ) == [Alternative.RESCHEDULE, Alternative.TALK_TO_PERSON]
    not_supported = refused(RefusalReason.PICKUP_POINTS_NOT_SUPPORTED)
    assert alternatives(
        session, order, kind=ChangeKind.PICKUP_POINT, problem=not_supported, now=NOW
    ) == [Alternative.RESCHEDULE, Alternative.TALK_TO_PERSON]

    delivered = factories.order(session)
    factories.shipment(session, delivered, status=ShipmentStatus.DELIVERED)
    delivered = reload(session, delivered)
    problem = refused(RefusalReason.ALREADY_DELIVERED)
    assert alternatives(
        session, delivered, kind=ChangeKind.RESCHEDULE, problem=problem, now=NOW
    ) == [Alternative.RETURN, Alternative.TALK_TO_PERSON]


def test_a_refusal_is_said_with_its_buttons_in_any_language(
    session: Session, domain: dict[str, Any]
) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.OUT_FOR_DELIVERY)
    order = reload(session, order)
    for language in ("en", "it", "xx"):
        chat = Chat(slots={"language": language})
        talk = talk_for(chat, domain)
        problem = refused(RefusalReason.OUT_FOR_DELIVERY, shipment_id=order.shipments[0].id)
        tell_refusal(talk, session, problem, order=order, kind=ChangeKind.RESCHEDULE)
        [message] = talk.dispatcher.messages
        assert message["response"] == "utter_change_refused_out_for_delivery"
        assert message["buttons"] == [{"title": "Talk to a person", "payload": "/talk_to_person"}]


def test_every_refusal_can_be_told_in_full(session: Session, domain: dict[str, Any]) -> None:
    carrier = factories.carrier(session)
    point = factories.pickup_point(session, carrier)
    order = factories.order(session)
    shipment = factories.shipment(session, order, carrier_=carrier, pickup_point_id=point.id)
    order = reload(session, order)
    talk = talk_for(Chat(), domain)
    details = {"shipment_id": shipment.id, "point_id": point.id, "cutoff_at": NOW}
    problems: list[Refused | NotShippedYet] = [NotShippedYet()]
    problems += [refused(reason, **details) for reason in RefusalReason]
    problems += [refused(reason) for reason in RefusalReason]  # without the facts
    for problem in problems:
        response, values = refusal_message(talk, session, problem, order=order)
        assert_filled([{"response": response, **values}], {}, domain)
