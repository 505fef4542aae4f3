"""Another day for a delivery: the check, the slots offered, typed days, tampered buttons, the
confirmation and the move itself (once, whatever retries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions import wording
from actions.reschedule import (
    ActionAskDeliverySlot,
    ActionAskRescheduleFormChangeConfirmed,
    ActionCheckReschedule,
    ActionRescheduleDelivery,
    ValidateRescheduleForm,
)
from actions.runtime import Runtime
from delivery.db.models import Carrier, DeliveryChange, Order, Shipment
from delivery.services.identity import link_channel
from delivery.services.slots import Slot
from delivery.vocabulary import Channel, ShipmentStatus, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, Reply, RunAction
from tests.actions.test_change_refusals import filled_in
from tests.factories import NOW

# NOW is Monday 2 March 2026, 10:00 in London. The default parcel is promised for Wednesday 4th,
# 09:00-13:00, by a carrier delivering Monday to Saturday, 09-13 and 13-18, 12 h cut-off, up to
# 7 days ahead: the free slots start on Wednesday 13-18.
MON, TUE, WED, THU, FRI, SAT, SUN = (dt.date(2026, 3, day) for day in range(2, 9))
NINE, ONE, SIX = dt.time(9), dt.time(13), dt.time(18)
WED_AFTERNOON = Slot(WED, ONE, SIX)
THU_MORNING = Slot(THU, NINE, ONE)
FRI_AFTERNOON = Slot(FRI, ONE, SIX)


@pytest.fixture
def run(run: RunAction, domain: dict[str, Any]) -> RunAction:
    """conftest's ``run``, also checking that every response sent can be filled in."""
    return filled_in(run, domain)


@dataclass
class FormChat(Chat):
    """A chat whose latest action can be set: the form runs after action_listen on a reply, and
    after action_check_reschedule when it starts."""

    latest_action: str = "action_listen"

    def tracker(self) -> Tracker:
        tracker = super().tracker()
        tracker.latest_action_name = self.latest_action
        return tracker

    def presses(self, entity: str, value: str, slot: str, intent: str = "inform") -> FormChat:
        """A button (or a hand-typed '/inform{...}') whose entity Rasa maps to ``slot``."""
        self.says(f'/{intent}{{"{entity}":"{value}"}}', intent, {entity: value})
        self.slots[slot] = value
        self.events.append({"event": "slot", "name": slot, "value": value})
        return self


def parcel(
    session: Session, *, carrier: dict[str, Any] | None = None, **shipment: Any
) -> tuple[Order, Shipment]:
    the_carrier = factories.carrier(session, **(carrier or {}))
    order = factories.order(session)
    return order, factories.shipment(session, order, carrier_=the_carrier, **shipment)


def verified(session: Session, order: Order, **slots: Any) -> FormChat:
    chat = FormChat()
    chat.slots.update({"order_number": order.number, "journey": "reschedule", **slots})
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=order.customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )
    return chat


def in_form(chat: FormChat, requested: str | None = "delivery_slot") -> FormChat:
    chat.active_loop = {"name": "reschedule_form"}
    chat.slots["requested_slot"] = requested
    return chat


def changes(session: Session, shipment: Shipment) -> int:
    query = select(func.count()).select_from(DeliveryChange)
    return session.scalar(query.where(DeliveryChange.shipment_id == shipment.id)) or 0


def slot_of(session: Session, shipment: Shipment) -> Slot:
    session.expire_all()
    row = session.get(Shipment, shipment.id)
    assert row is not None and row.promised_window_start and row.promised_window_end
    return Slot(row.promised_date, row.promised_window_start, row.promised_window_end)


def keys(reply: Reply) -> list[str]:
    return [b["payload"].split('"slot_key":"')[1].rstrip('"}') for b in reply.buttons()]


def delayed(session: Session, **carrier: Any) -> tuple[Order, Shipment]:
    """A late parcel with no new estimate: it can come from tomorrow (Tuesday) on."""
    return parcel(
        session,
        carrier=carrier,
        status=ShipmentStatus.DELAYED,
        promised_date=SUN - dt.timedelta(days=7),
        eta_date=None,
    )


# --- may it move? --------------------------------------------------------------------------------


async def test_a_parcel_in_transit_may_move(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    reply = await run(ActionCheckReschedule(runtime), verified(session, order).says("move it"))
    assert reply.slots == {"journey_allowed": True}
    assert reply.messages == []


async def test_out_for_delivery_is_told_with_a_person_to_talk_to(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session, status=ShipmentStatus.OUT_FOR_DELIVERY)
    reply = await run(ActionCheckReschedule(runtime), verified(session, order).says("move it"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_change_refused_out_for_delivery"]
    assert reply.buttons() == [{"title": "Talk to a person", "payload": "/talk_to_person"}]


async def test_past_the_cutoff_is_told_with_the_cutoff(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    # Tomorrow 09:00 with a 24 h cut-off: changes closed today at 09:00, an hour ago.
    order, _ = parcel(session, carrier={"reschedule_cutoff_hours": 24}, promised_date=TUE)
    reply = await run(ActionCheckReschedule(runtime), verified(session, order).says("move it"))
    assert reply.slots == {"journey_allowed": False}
    [message] = reply.messages
    assert message["response"] == "utter_change_refused_past_cutoff"
    assert (message["cutoff_day"], message["cutoff_time"], message["hours"]) == (
        "today",
        "9:00",
        24,
    )


async def test_no_free_slot_offers_a_pickup_point_instead(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session, carrier={"slot_capacity": 0})
    reply = await run(ActionCheckReschedule(runtime), verified(session, order).says("move it"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_change_refused_no_slots"]
    assert [b["payload"] for b in reply.buttons()] == ["/choose_pickup_point", "/talk_to_person"]


async def test_an_order_not_shipped_yet_has_nothing_to_move(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = factories.order(session)
    reply = await run(ActionCheckReschedule(runtime), verified(session, order).says("move it"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_change_refused_not_shipped"]


async def test_a_conversation_not_verified_for_the_order_ends_quietly(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = FormChat()  # not linked, e.g. locked out by order_form
    chat.slots.update({"order_number": order.number, "journey_allowed": False})
    reply = await run(ActionCheckReschedule(runtime), chat.says("100001"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.messages == []
    mine, _ = parcel(session)
    chat = verified(session, mine, order_number=order.number)  # someone else's number
    reply = await run(ActionCheckReschedule(runtime), chat.says("move it"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.messages == []


# --- the slots offered ---------------------------------------------------------------------------


async def test_the_question_offers_the_first_free_slots_as_buttons(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order), requested="delivery_slot")
    chat.latest_action = "action_check_reschedule"
    reply = await run(
        ActionAskDeliverySlot(runtime), chat.says("i want another day", "reschedule_delivery")
    )
    [message] = reply.messages
    assert message["response"] == "utter_ask_delivery_slot"
    assert message["planned"] == "Wed 4 Mar, 9:00–13:00"
    expected = [WED_AFTERNOON, THU_MORNING, Slot(THU, ONE, SIX), Slot(FRI, NINE, ONE)]
    expected += [FRI_AFTERNOON, Slot(SAT, NINE, ONE)]
    assert reply.buttons() == [
        {"title": wording.slot_label(s, "en"), "payload": f'/inform{{"slot_key":"{s.key}"}}'}
        for s in expected
    ]
    assert reply.buttons()[0]["title"] == "Wed 4 Mar, 13:00–18:00"


async def test_asked_again_after_an_answer_without_the_plan(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).presses(
        "slot_key", "2026-03-08T09:00-13:00", "delivery_slot"
    )
    reply = await run(ActionAskDeliverySlot(runtime), chat)
    assert reply.responses == ["utter_ask_delivery_slot_again"]
    assert len(reply.buttons()) == 6


async def test_the_question_ends_the_form_when_the_parcel_cannot_move_any_more(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session, status=ShipmentStatus.OUT_FOR_DELIVERY)
    reply = await run(ActionAskDeliverySlot(runtime), in_form(verified(session, order)).says("hm"))
    assert reply.responses == ["utter_change_refused_out_for_delivery"]
    assert reply.slots == {"requested_slot": None}


async def test_the_slots_work_in_other_languages(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    for language in ("it", "xx"):
        chat = in_form(verified(session, order, language=language))
        chat.latest_action = "action_check_reschedule"
        reply = await run(ActionAskDeliverySlot(runtime), chat.says("un altro giorno"))
        assert reply.responses == ["utter_ask_delivery_slot"]
        assert reply.buttons()[0]["title"] == wording.slot_label(WED_AFTERNOON, language)


# --- a slot from a button ------------------------------------------------------------------------


async def test_an_offered_slot_from_a_button_is_taken(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).presses("slot_key", THU_MORNING.key, "delivery_slot")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] == THU_MORNING.key
    assert reply.messages == []


async def test_a_slot_not_offered_or_not_a_slot_is_refused_politely(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    for key in ("2026-03-08T09:00-13:00", "2026-03-03T09:00-13:00", "2027-01-01T01:00-02:00", "x"):
        chat = in_form(verified(session, order)).presses("slot_key", key, "delivery_slot")
        reply = await run(ValidateRescheduleForm(runtime), chat)
        assert reply.slots["delivery_slot"] is None, key
        assert reply.responses == ["utter_delivery_slot_not_offered"], key


async def test_the_slot_it_already_has_is_said_so(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    current = Slot(WED, NINE, ONE)
    chat = in_form(verified(session, order)).presses("slot_key", current.key, "delivery_slot")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] is None
    assert reply.responses == ["utter_delivery_slot_already_booked"]


async def test_a_slot_key_for_someone_elses_order_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    theirs, their_parcel = parcel(session)
    mine, _ = parcel(session)
    # Verified for my order, the order number swapped for theirs by a hand-typed message.
    chat = in_form(verified(session, mine, order_number=theirs.number))
    chat.presses("slot_key", THU_MORNING.key, "delivery_slot")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots == {"requested_slot": None}  # the form ends, nothing validated
    chat.slots.update({"delivery_slot": THU_MORNING.key, "change_confirmed": True})
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
    assert reply.messages == []
    assert slot_of(session, their_parcel) == Slot(WED, NINE, ONE)
    assert changes(session, their_parcel) == 0


# --- typed days ----------------------------------------------------------------------------------


async def test_a_typed_day_with_one_free_slot_fills_it(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).says("friday afternoon please")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] == FRI_AFTERNOON.key
    assert reply.messages == []


async def test_an_evening_without_evening_slots_gets_the_one_that_reaches_into_it(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).says("friday evening")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] == FRI_AFTERNOON.key  # 13-18 runs past 17:00


async def test_the_day_in_the_request_itself_is_read_when_the_form_starts(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order), requested=None)
    chat.latest_action = "action_check_reschedule"
    chat.says("can you deliver it on friday afternoon instead", "reschedule_delivery")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] == FRI_AFTERNOON.key


async def test_a_typed_day_with_several_free_slots_offers_them(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = delayed(session)
    chat = in_form(verified(session, order)).says("tomorrow")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] is None
    assert reply.messages == []
    reply = await run(ActionAskDeliverySlot(runtime), chat)
    [message] = reply.messages
    assert message["response"] == "utter_delivery_slots_on_day"
    assert message["day"] == "Tuesday 3 March"
    assert keys(reply) == [Slot(TUE, NINE, ONE).key, Slot(TUE, ONE, SIX).key]


async def test_a_part_of_the_day_offers_those_slots(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).says("mornings are best")
    assert (await run(ValidateRescheduleForm(runtime), chat)).slots["delivery_slot"] is None
    reply = await run(ActionAskDeliverySlot(runtime), chat)
    [message] = reply.messages
    assert (message["response"], message["part"]) == ("utter_delivery_slots_in_part", "morning")
    assert all(key.endswith("T09:00-13:00") for key in keys(reply))


async def test_a_typed_day_without_free_slots_gets_the_nearest(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).says("sunday")
    assert (await run(ValidateRescheduleForm(runtime), chat)).slots["delivery_slot"] is None
    reply = await run(ActionAskDeliverySlot(runtime), chat)
    [message] = reply.messages
    assert (message["response"], message["day"]) == (
        "utter_no_delivery_slot_on_day",
        "Sunday 8 March",
    )
    assert keys(reply) == [
        Slot(FRI, NINE, ONE).key,
        FRI_AFTERNOON.key,
        Slot(SAT, NINE, ONE).key,
        Slot(SAT, ONE, SIX).key,
        Slot(dt.date(2026, 3, 9), NINE, ONE).key,
        Slot(dt.date(2026, 3, 9), ONE, SIX).key,
    ]
    chat = in_form(verified(session, order)).says("23/11 in the morning")
    reply = await run(ActionAskDeliverySlot(runtime), chat)
    assert reply.responses == ["utter_no_delivery_slot_on_day_in_part"]
    assert reply.messages[0]["part"] == "morning"


async def test_an_answer_without_a_day_is_said_so(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).says("whenever suits the driver")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots["delivery_slot"] is None
    assert reply.responses == ["utter_delivery_slot_not_understood"]


async def test_a_question_about_something_else_is_left_to_the_rules(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order)).says("do you deliver on friday?", "faq")
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert "delivery_slot" not in reply.slots  # nothing extracted: the form rejects, faq answers
    assert reply.messages == []


async def test_another_day_at_the_confirmation_asks_again(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order, delivery_slot=FRI_AFTERNOON.key), "change_confirmed")
    reply = await run(ValidateRescheduleForm(runtime), chat.says("actually thursday morning"))
    assert reply.slots["delivery_slot"] == THU_MORNING.key
    assert reply.slots["change_confirmed"] is None


# --- confirm and move ----------------------------------------------------------------------------


async def test_a_yes_at_the_confirmation_is_kept_and_the_slot_left_alone(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order, delivery_slot=THU_MORNING.key), "change_confirmed")
    chat.says("yes", "affirm")
    chat.slots["change_confirmed"] = True  # Rasa's affirm mapping
    chat.events.append({"event": "slot", "name": "change_confirmed", "value": True})
    reply = await run(ValidateRescheduleForm(runtime), chat)
    assert reply.slots == {"change_confirmed": True}


async def test_the_confirmation_names_the_slot(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    chat = in_form(verified(session, order, delivery_slot=THU_MORNING.key), "change_confirmed")
    reply = await run(ActionAskRescheduleFormChangeConfirmed(runtime), chat.says("x"))
    [message] = reply.messages
    assert (message["response"], message["slot"]) == (
        "utter_confirm_reschedule",
        "Thu 5 Mar, 9:00–13:00",
    )
    assert [b["payload"] for b in reply.buttons()] == []  # Yes/No live in the response itself


async def test_a_yes_moves_the_delivery_once_however_often_it_is_processed(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment = parcel(session)
    chat = verified(session, order, delivery_slot=THU_MORNING.key, change_confirmed=True)
    chat.says("yes", "affirm")
    action = ActionRescheduleDelivery(runtime)
    first = await run(action, chat)
    again = await run(action, chat)  # the same message again (a retry)
    assert first.responses == again.responses == ["utter_rescheduled"]
    assert first.messages[0]["slot"] == "Thu 5 Mar, 9:00–13:00"
    assert first.messages[0]["items"] == "Item 1"
    assert slot_of(session, shipment) == THU_MORNING
    assert changes(session, shipment) == 1


async def test_a_no_changes_nothing(session: Session, runtime: Runtime, run: RunAction) -> None:
    order, shipment = parcel(session)
    chat = verified(session, order, delivery_slot=THU_MORNING.key, change_confirmed=False)
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("no", "deny"))
    assert reply.responses == ["utter_reschedule_not_changed"]
    assert reply.messages[0]["planned"] == "Wed 4 Mar, 9:00–13:00"
    assert changes(session, shipment) == 0


async def test_a_slot_filled_up_meanwhile_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment = parcel(session, carrier={"slot_capacity": 1})
    chat = verified(session, order, delivery_slot=THU_MORNING.key, change_confirmed=True)
    carrier = session.get(Carrier, shipment.carrier_id)
    factories.shipment(
        session,
        factories.order(session),
        carrier_=carrier,
        promised_date=THU,
        promised_window_start=NINE,
        promised_window_end=ONE,
    )
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_change_refused_slot_unavailable"]
    assert [b["payload"] for b in reply.buttons()] == [
        "/reschedule_delivery",
        "/choose_pickup_point",
        "/talk_to_person",
    ]
    assert slot_of(session, shipment) == Slot(WED, NINE, ONE)
    assert changes(session, shipment) == 0


async def test_a_cutoff_passed_meanwhile_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction, clock: list[dt.datetime]
) -> None:
    order, shipment = parcel(session)
    chat = verified(session, order, delivery_slot=THU_MORNING.key, change_confirmed=True)
    clock[0] = dt.datetime(2026, 3, 3, 22, 0, tzinfo=dt.UTC)  # Wed 09:00 is 11 h away
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_change_refused_past_cutoff"]
    assert changes(session, shipment) == 0


async def test_a_hand_typed_slot_never_offered_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment = parcel(session)
    sunday = Slot(SUN, NINE, ONE).key
    for key in (sunday, "not-a-slot"):
        chat = verified(session, order, delivery_slot=key, change_confirmed=True)
        reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
        assert reply.responses == ["utter_change_refused_slot_unavailable"]
    assert changes(session, shipment) == 0


async def test_every_parcel_of_the_same_carrier_moves_together(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier, other = factories.carrier(session), factories.carrier(session)
    order = factories.order(session, lines=3)
    lines = [line.id for line in order.lines]
    first = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[0]])
    second = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[1]])
    elsewhere = factories.shipment(session, order, carrier_=other, line_ids=[lines[2]])
    chat = verified(session, order, delivery_slot=THU_MORNING.key, change_confirmed=True)
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
    assert reply.messages[0]["items"] == "Item 1, Item 2"
    assert slot_of(session, first) == slot_of(session, second) == THU_MORNING
    assert slot_of(session, elsewhere) == Slot(WED, NINE, ONE)
    assert changes(session, elsewhere) == 0


async def test_nothing_happens_without_a_verified_conversation(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment = parcel(session)
    chat = FormChat()
    chat.slots.update(
        {"order_number": order.number, "delivery_slot": THU_MORNING.key, "change_confirmed": True}
    )
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
    assert reply.messages == []
    assert changes(session, shipment) == 0
    reply = await run(ValidateRescheduleForm(runtime), in_form(chat).says("friday"))
    assert reply.slots == {"requested_slot": None}
    reply = await run(ActionAskDeliverySlot(runtime), chat)
    assert reply.messages == [] and reply.slots == {"requested_slot": None}


async def test_parcels_move_all_together_or_not_at_all(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    # One place left on Thursday morning, two parcels: the first takes it, the second cannot
    # follow, and the first is put back.
    carrier = factories.carrier(session, slot_capacity=1)
    order = factories.order(session, lines=2)
    lines = [line.id for line in order.lines]
    first = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[0]])
    second = factories.shipment(session, order, carrier_=carrier, line_ids=[lines[1]])
    chat = verified(session, order, delivery_slot=THU_MORNING.key, change_confirmed=True)
    reply = await run(ActionRescheduleDelivery(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_change_refused_slot_unavailable"]
    assert slot_of(session, first) == slot_of(session, second) == Slot(WED, NINE, ONE)
    assert changes(session, first) == changes(session, second) == 0
