"""Booking a return with a home pickup: the check, the return_form and the booking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions import wording
from actions.return_replies import answers, reason_comment, reference_in
from actions.returns import (
    ActionAskReturnFormChangeConfirmed,
    ActionAskReturnFormReturnPickupSlot,
    ActionAskReturnItems,
    ActionAskReturnReason,
    ActionCheckReturn,
    ActionCreateReturn,
    ValidateReturnForm,
)
from actions.runtime import Runtime
from delivery.db.models import Carrier, Customer, Order, Return
from delivery.services.identity import link_channel
from delivery.vocabulary import (
    Channel,
    ReturnReason,
    ReturnStatus,
    ShipmentStatus,
    VerificationMethod,
)
from tests import factories
from tests.actions.conftest import Chat, RunAction
from tests.factories import NOW

TUESDAY_MORNING = "2026-03-03T09:00-13:00"
WEDNESDAY_MORNING = "2026-03-04T09:00-13:00"
WEDNESDAY_AFTERNOON = "2026-03-04T13:00-18:00"


# --- set-up -------------------------------------------------------------------------------------


def delivered_order(
    session: Session,
    customer: Customer | None = None,
    *,
    names: tuple[str, ...] = ("Blue jumper",),
    carrier: Carrier | None = None,
    delivered_days_ago: int = 3,
) -> Order:
    """An order of items with these names, delivered a few days ago at 10 Downing Street."""
    order = factories.order(session, customer_=customer, lines=len(names))
    for line, name in zip(order.lines, names, strict=True):
        line.name = name
    factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=delivered_days_ago),
    )
    session.flush()
    return order


def link(session: Session, chat: Chat, customer_id: int) -> None:
    """The conversation proved to be this customer (as order_form or the channel does)."""
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )


def verified_chat(session: Session, order: Order, **slots: Any) -> Chat:
    """A verified conversation about ``order``, in the return journey."""
    chat = Chat()
    chat.slots.update({"journey": "return", "order_number": order.number, **slots})
    link(session, chat, order.customer_id)
    return chat


def in_form(chat: Chat, **slots: Any) -> Chat:
    chat.active_loop = {"name": "return_form"}
    chat.slots.update({"journey_allowed": True, "requested_slot": None, **slots})
    return chat


def reply_to(
    chat: Chat,
    question: str | None,
    text: str,
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    fills: dict[str, Any] | None = None,
) -> Chat:
    """The customer answers ``question`` as Rasa passes it to the form's validation: the question
    asked before the message, the message, then the slots its entities fill."""
    chat.slots["requested_slot"] = question
    chat.events.append({"event": "slot", "name": "requested_slot", "value": question})
    chat.says(text, intent, entities)
    for name, value in (fills or {}).items():
        chat.slots[name] = value
        chat.events.append({"event": "slot", "name": name, "value": value})
    return chat


def returns_of(session: Session, order: Order) -> list[Return]:
    return list(session.scalars(select(Return).where(Return.order_id == order.id)))


@pytest.fixture
def form(runtime: Runtime) -> ValidateReturnForm:
    return ValidateReturnForm(runtime)


# --- can the order go back ----------------------------------------------------------------------


async def test_a_delivered_order_can_go_back_without_a_word(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    chat = verified_chat(session, delivered_order(session))
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.slots == {"journey_allowed": True}
    assert reply.messages == []


async def test_an_unverified_conversation_ends_quietly(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = Chat()
    chat.slots.update({"journey": "return", "order_number": order.number})
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.messages == []


async def test_someone_else_s_order_number_ends_quietly(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    mine = delivered_order(session)
    theirs = delivered_order(session)
    chat = verified_chat(session, mine)
    chat.slots["order_number"] = theirs.number  # e.g. a hand-typed /inform{"order_number":...}
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.messages == []


async def test_an_order_not_delivered_yet_is_too_early(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = factories.order(session)
    factories.shipment(session, order, status=ShipmentStatus.IN_TRANSIT)
    chat = verified_chat(session, order)
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_return_ineligible_not_delivered"]
    assert reply.messages[0]["order_number"] == order.number
    assert reply.messages[0]["window_days"] == 30
    assert reply.buttons() == []  # the response offers to track the order instead


async def test_a_person_is_offered_when_the_shop_takes_nothing_back(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    order.lines[0].returnable = False
    chat = verified_chat(session, order)
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.responses == ["utter_return_ineligible_not_returnable"]
    assert reply.buttons() == [{"title": "Talk to a person", "payload": "/talk_to_person"}]


async def test_a_closed_return_window_says_when_it_closed(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session, delivered_days_ago=40)
    chat = verified_chat(session, order)
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.responses == ["utter_return_ineligible_window_closed"]
    closed_on = (NOW - dt.timedelta(days=40) + dt.timedelta(days=30)).date()
    assert reply.messages[0]["closed_on"] == wording.day(closed_on, "en")


async def test_lines_that_fail_for_different_reasons_are_each_explained(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session, names=("Mug", "Socks"))
    order.lines[1].returnable = False
    factories.return_(session, order, items={order.lines[0].id: 1})
    chat = verified_chat(session, order)
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.responses == ["utter_return_nothing_returnable"]
    assert reply.messages[0]["lines"] == (
        "Mug (already in a return); Socks (the shop doesn't take it back)"
    )


async def test_a_carrier_without_return_pickups_is_named(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session, name="Parcel Express", supports_return_pickup=False)
    chat = verified_chat(session, delivered_order(session, carrier=carrier))
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_return_pickup_not_supported"]
    assert reply.messages[0]["carrier"] == "Parcel Express"


async def test_no_free_pickup_slot_is_said_so(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session, slot_capacity=0)
    chat = verified_chat(session, delivered_order(session, carrier=carrier))
    reply = await run(ActionCheckReturn(runtime), chat.says("return it", "request_return"))
    assert reply.slots == {"journey_allowed": False}
    assert reply.responses == ["utter_return_no_pickup_slots"]


# --- the form: which items ----------------------------------------------------------------------


async def test_the_form_asks_nothing_of_an_unverified_conversation(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = in_form(Chat())
    chat.slots.update({"journey": "return", "order_number": order.number})
    reply = await run(form, chat.says("/inform", entities={"return_line": "1"}))
    assert reply.slots["requested_slot"] is None


async def test_the_form_asks_nothing_when_the_check_said_no(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = in_form(verified_chat(session, delivered_order(session)), journey_allowed=False)
    reply = await run(form, chat.says("hello", "greet"))
    assert reply.slots == {"requested_slot": None}


async def test_the_only_item_of_an_order_is_chosen_without_asking(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = in_form(verified_chat(session, order))
    reply = await run(form, chat.says("ada@example.com"))
    assert reply.slots == {"return_items": [str(order.lines[0].id)]}


async def test_the_returnable_items_are_offered_and_the_others_explained(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session, names=("Blue jumper", "Scarf", "Socks"))
    order.lines[1].quantity = 2
    order.lines[2].returnable = False
    chat = in_form(verified_chat(session, order))
    reply = await run(ActionAskReturnItems(runtime), chat.says("ada@example.com"))
    assert reply.responses == ["utter_return_some_items_excluded", "utter_return_which_items"]
    assert reply.messages[0]["lines"] == "Socks (the shop doesn't take it back)"
    jumper, scarf = order.lines[0].id, order.lines[1].id
    assert reply.buttons() == [
        {"title": "Blue jumper", "payload": f'/inform{{"return_line":"{jumper}"}}'},
        {"title": "2 × Scarf", "payload": f'/inform{{"return_line":"{scarf}"}}'},
        {"title": "All of them", "payload": '/inform{"return_line":"all"}'},
    ]


async def test_a_button_s_item_is_taken_and_all_means_every_returnable_one(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session, names=("Blue jumper", "Scarf", "Socks"))
    order.lines[2].returnable = False
    jumper, scarf = (str(line.id) for line in order.lines[:2])
    chat = in_form(verified_chat(session, order))
    reply_to(
        chat,
        "return_items",
        "/inform",
        entities={"return_line": jumper},
        fills={"return_items": [jumper]},
    )
    assert (await run(form, chat)).slots["return_items"] == [jumper]

    chat = in_form(verified_chat(session, order))
    reply_to(
        chat,
        "return_items",
        "/inform",
        entities={"return_line": "all"},
        fills={"return_items": ["all"]},
    )
    assert (await run(form, chat)).slots["return_items"] == [jumper, scarf]


@pytest.mark.parametrize("which", ["someone else's", "not returnable", "made up"])
async def test_a_tampered_item_is_refused_politely(
    session: Session, form: ValidateReturnForm, run: RunAction, which: str
) -> None:
    order = delivered_order(session, names=("Blue jumper", "Socks"))
    order.lines[1].returnable = False
    other = delivered_order(session)
    line_id = {
        "someone else's": str(other.lines[0].id),
        "not returnable": str(order.lines[1].id),
        "made up": "12abc",
    }[which]
    chat = in_form(verified_chat(session, order))
    reply_to(
        chat,
        "return_items",
        f'/inform{{"return_line":"{line_id}"}}',
        fills={"return_items": [line_id]},
    )
    reply = await run(form, chat)
    assert reply.slots == {"return_items": None}
    assert reply.responses == ["utter_return_item_unavailable"]


async def test_items_can_be_typed_by_name_place_or_all(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session, names=("Blue jumper", "Wool scarf"))
    jumper, scarf = (str(line.id) for line in order.lines)
    for text, expected in (
        ("the jumper please", [jumper]),
        ("2", [scarf]),
        ("both of them", [jumper, scarf]),
    ):
        chat = in_form(verified_chat(session, order))
        chat.sender_id = f"visitor-{text}"
        link(session, chat, order.customer_id)
        reply = await run(form, reply_to(chat, "return_items", text))
        assert reply.slots["return_items"] == expected, text


async def test_words_that_name_no_item_ask_again(
    session: Session, runtime: Runtime, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session, names=("Blue jumper", "Wool scarf"))
    chat = in_form(verified_chat(session, order))
    reply = await run(form, reply_to(chat, "return_items", "the red one"))
    assert reply.slots == {"return_items": None}
    asked = await run(ActionAskReturnItems(runtime), chat)
    assert asked.responses == ["utter_return_item_unclear", "utter_return_which_items"]


async def test_a_question_in_the_middle_is_left_to_its_rule(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session, names=("Blue jumper", "Wool scarf"))
    chat = in_form(verified_chat(session, order))
    reply = await run(form, reply_to(chat, "return_items", "how long do refunds take?", "faq"))
    assert "return_items" not in reply.slots  # the form is rejected, the faq rule answers


# --- the form: why ------------------------------------------------------------------------------


async def test_the_reasons_are_offered_as_buttons(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = in_form(verified_chat(session, order), return_items=[str(order.lines[0].id)])
    reply = await run(ActionAskReturnReason(runtime), chat.says("/inform"))
    assert reply.responses == ["utter_return_why"]
    assert reply.messages[0]["items"] == "Blue jumper"
    buttons = reply.buttons()
    assert [b["payload"] for b in buttons] == [
        f'/inform{{"return_reason":"{reason}"}}' for reason in ReturnReason
    ]
    assert buttons[0]["title"] == "It doesn't fit"
    assert all(b["title"] for b in buttons)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("they're too small", "does_not_fit"),
        ("it arrived cracked", "damaged"),
        ("you sent me the wrong colour", "wrong_item"),
        ("I changed my mind", "changed_mind"),
        ("my cat hates it", "other"),
    ],
)
async def test_a_reason_in_the_customer_s_words(
    session: Session, form: ValidateReturnForm, run: RunAction, text: str, reason: str
) -> None:
    order = delivered_order(session)
    chat = in_form(verified_chat(session, order), return_items=[str(order.lines[0].id)])
    reply = await run(form, reply_to(chat, "return_reason", text))
    assert reply.slots["return_reason"] == reason


async def test_a_made_up_reason_is_asked_again(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = in_form(verified_chat(session, order), return_items=[str(order.lines[0].id)])
    reply_to(
        chat, "return_reason", '/inform{"return_reason":"free"}', fills={"return_reason": "free"}
    )
    assert (await run(form, chat)).slots["return_reason"] is None


async def test_a_greeting_is_not_a_reason(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = in_form(verified_chat(session, order), return_items=[str(order.lines[0].id)])
    reply = await run(form, reply_to(chat, "return_reason", "hello there", "greet"))
    assert "return_reason" not in reply.slots


# --- the form: when -----------------------------------------------------------------------------


def at_pickup_question(session: Session, order: Order) -> Chat:
    return in_form(
        verified_chat(session, order),
        return_items=[str(order.lines[0].id)],
        return_reason="does_not_fit",
    )


async def test_the_carrier_s_free_slots_are_offered(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session, name="Parcel Express")
    chat = at_pickup_question(session, delivered_order(session, carrier=carrier))
    reply = await run(ActionAskReturnFormReturnPickupSlot(runtime), chat.says("/inform"))
    assert reply.responses == ["utter_return_when"]
    assert reply.messages[0]["carrier"] == "Parcel Express"
    buttons = reply.buttons()
    assert len(buttons) == 8
    assert buttons[0] == {
        "title": "Tue 3 Mar, 9:00–13:00",
        "payload": f'/inform{{"slot_key":"{TUESDAY_MORNING}"}}',
    }


async def test_a_slot_from_a_button_is_re_checked(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply_to(chat, "return_pickup_slot", "/inform", fills={"return_pickup_slot": TUESDAY_MORNING})
    assert (await run(form, chat)).slots["return_pickup_slot"] == TUESDAY_MORNING


@pytest.mark.parametrize("key", ["2026-03-08T09:00-13:00", "2026-03-03T07:00-08:00", "garbage"])
async def test_a_slot_the_carrier_does_not_offer_is_refused(
    session: Session, form: ValidateReturnForm, run: RunAction, key: str
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply_to(chat, "return_pickup_slot", "/inform", fills={"return_pickup_slot": key})
    reply = await run(form, chat)
    assert reply.slots["return_pickup_slot"] is None
    assert reply.responses == ["utter_return_slot_unavailable"]


async def test_a_typed_day_and_part_of_day_picks_the_slot(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply = await run(form, reply_to(chat, "return_pickup_slot", "wednesday afternoon pls"))
    assert reply.slots["return_pickup_slot"] == WEDNESDAY_AFTERNOON


async def test_the_afternoon_is_the_slot_mostly_in_the_afternoon(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    # 16:00-20:00 starts in the afternoon, but a customer who asks for it means 12:00-16:00.
    windows = [["08:00", "12:00"], ["12:00", "16:00"], ["16:00", "20:00"]]
    carrier = factories.carrier(session, delivery_windows=windows)
    chat = at_pickup_question(session, delivered_order(session, carrier=carrier))
    reply = await run(form, reply_to(chat, "return_pickup_slot", "wednesday afternoon"))
    assert reply.slots["return_pickup_slot"] == "2026-03-04T12:00-16:00"


async def test_a_typed_day_with_several_slots_offers_that_day(
    session: Session, runtime: Runtime, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply = await run(form, reply_to(chat, "return_pickup_slot", "4/3"))
    assert reply.slots == {"return_pickup_slot": None}  # not rejected: the question goes on
    asked = await run(ActionAskReturnFormReturnPickupSlot(runtime), chat)
    assert asked.responses == ["utter_return_pickups_then"]
    assert asked.messages[0]["when"] == "on Wednesday 4 March"
    assert [b["payload"] for b in asked.buttons()] == [
        f'/inform{{"slot_key":"{WEDNESDAY_MORNING}"}}',
        f'/inform{{"slot_key":"{WEDNESDAY_AFTERNOON}"}}',
    ]


async def test_a_typed_day_without_pickups_offers_the_others(
    session: Session, runtime: Runtime, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply = await run(form, reply_to(chat, "return_pickup_slot", "sunday morning"))
    assert reply.slots == {"return_pickup_slot": None}
    asked = await run(ActionAskReturnFormReturnPickupSlot(runtime), chat)
    assert asked.responses == ["utter_return_no_pickup_then"]
    assert asked.messages[0]["when"] == "on Sunday 8 March in the morning"
    assert len(asked.buttons()) == 8


async def test_words_without_a_day_ask_again(
    session: Session, runtime: Runtime, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply = await run(form, reply_to(chat, "return_pickup_slot", "whenever suits them"))
    assert reply.slots == {"return_pickup_slot": None}
    asked = await run(ActionAskReturnFormReturnPickupSlot(runtime), chat)
    assert asked.responses == ["utter_return_day_unclear"]


async def test_a_day_in_a_digression_is_not_taken(
    session: Session, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    reply_to(chat, "return_pickup_slot", "do you deliver on saturday?", "faq")
    assert "return_pickup_slot" not in (await run(form, chat)).slots


async def test_another_day_instead_of_a_yes_changes_the_slot_and_asks_again(
    session: Session, runtime: Runtime, form: ValidateReturnForm, run: RunAction
) -> None:
    chat = at_pickup_question(session, delivered_order(session))
    chat.slots["return_pickup_slot"] = TUESDAY_MORNING
    reply = await run(form, reply_to(chat, "change_confirmed", "actually wednesday afternoon"))
    assert reply.slots == {"return_pickup_slot": WEDNESDAY_AFTERNOON}
    assert "change_confirmed" not in reply.slots  # still to be confirmed, with the new day

    reply = await run(form, reply_to(chat, "change_confirmed", "make it wednesday"))
    assert reply.slots == {"return_pickup_slot": None}  # two fit: the question offers them
    asked = await run(ActionAskReturnFormReturnPickupSlot(runtime), chat)
    assert asked.responses == ["utter_return_pickups_then"]
    assert len(asked.buttons()) == 2


def test_a_message_answered_by_a_rule_is_no_answer_to_the_form() -> None:
    chat = reply_to(Chat(), "return_pickup_slot", "are you a robot? tuesday", "inform")
    assert answers(chat.tracker(), "return_pickup_slot")
    chat.events.append({"event": "action", "name": "utter_iamabot"})
    assert not answers(chat.tracker(), "return_pickup_slot")
    assert not answers(chat.tracker(), "return_reason")


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("its r 4ht8pz", "R-4HT8PZ"),
        ("status of R7KQ2MX please", "R-7KQ2MX"),
        ("R-7KQ2MX.", "R-7KQ2MX"),
        ("r-abc234@example.com", None),  # an e-mail address, not a reference
        ("order 1000234", None),
    ],
)
def test_a_reference_is_read_from_the_text(text: str, reference: str | None) -> None:
    assert reference_in({"text": text, "entities": []}) == reference


def test_the_reason_s_words_are_those_of_the_message_that_gave_it() -> None:
    chat = reply_to(Chat(), "return_reason", "the sleeves are too short")
    # As in Rasa's tracker: the form runs, its validation sets the slot, the next question...
    chat.events += [
        {"event": "action", "name": "return_form"},
        {"event": "slot", "name": "return_reason", "value": "does_not_fit"},
        {"event": "slot", "name": "requested_slot", "value": "return_pickup_slot"},
        {"event": "action", "name": "action_listen"},
    ]
    reply_to(chat, "change_confirmed", "yes", "affirm", fills={"change_confirmed": True})
    assert reason_comment(chat.tracker()) == "the sleeves are too short"
    # Carried over into a new session, the slot no longer has its message.
    chat.events += [
        {"event": "session_started"},
        {"event": "slot", "name": "return_reason", "value": "does_not_fit"},
    ]
    assert reason_comment(chat.tracker()) is None


# --- confirming and booking ---------------------------------------------------------------------


def confirmed(session: Session, order: Order, answer: bool | None = True) -> Chat:
    chat = in_form(
        verified_chat(session, order),
        return_items=[str(order.lines[0].id)],
        return_reason="does_not_fit",
        return_pickup_slot=WEDNESDAY_MORNING,
        change_confirmed=answer,
    )
    chat.active_loop = {}
    return chat


async def test_the_confirmation_sums_the_return_up(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session, name="Parcel Express")
    order = delivered_order(session, carrier=carrier)
    chat = confirmed(session, order, None)
    reply = await run(ActionAskReturnFormChangeConfirmed(runtime), chat.says("/inform"))
    assert reply.responses == ["utter_return_confirm"]
    message = reply.messages[0]
    assert message["items"] == "Blue jumper"
    assert message["reason"] == "It doesn't fit"
    assert message["day"] == "Wednesday 4 March"
    assert message["window"] == "9:00–13:00"
    assert message["carrier"] == "Parcel Express"
    assert message["address"] == "10 Downing Street, SW1A 2AA London"


async def test_a_yes_books_the_return_once_with_the_customer_s_words(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = confirmed(session, order)
    reply_to(
        chat, "return_reason", "too small on the shoulders", fills={"return_reason": "does_not_fit"}
    )
    reply_to(chat, "change_confirmed", "yes", "affirm", fills={"change_confirmed": True})
    action = ActionCreateReturn(runtime)

    first = await run(action, chat)
    again = await run(action, chat)  # the same "yes" processed twice (a retry, a double tap)

    [return_] = returns_of(session, order)
    assert first.responses == again.responses == ["utter_return_booked"]
    assert first.messages[0]["reference"] == again.messages[0]["reference"] == return_.reference
    assert first.messages[0]["day"] == "Wednesday 4 March"
    assert return_.status is ReturnStatus.SCHEDULED
    assert return_.reason is ReturnReason.DOES_NOT_FIT
    assert return_.comment == "too small on the shoulders"
    assert [(line.order_line_id, line.quantity) for line in return_.lines] == [
        (order.lines[0].id, 1)
    ]


async def test_every_unit_of_a_chosen_line_goes_back(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    order.lines[0].quantity = 3
    chat = confirmed(session, order)
    await run(ActionCreateReturn(runtime), chat.says("yes", "affirm"))
    [return_] = returns_of(session, order)
    assert return_.lines[0].quantity == 3
    assert return_.comment is None  # the reason came from a button


async def test_a_no_books_nothing(session: Session, runtime: Runtime, run: RunAction) -> None:
    order = delivered_order(session)
    reply = await run(
        ActionCreateReturn(runtime), confirmed(session, order, False).says("no", "deny")
    )
    assert reply.responses == ["utter_return_not_booked"]
    assert returns_of(session, order) == []


async def test_nothing_is_booked_for_an_unverified_conversation(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = confirmed(session, order)
    chat.sender_id = "someone-else"
    reply = await run(ActionCreateReturn(runtime), chat.says("yes", "affirm"))
    assert reply.messages == []
    assert returns_of(session, order) == []


async def test_a_slot_taken_meanwhile_asks_for_another(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session, slot_capacity=1)
    order = delivered_order(session, carrier=carrier)
    chat = confirmed(session, order)
    other = delivered_order(session, carrier=carrier)
    factories.return_(session, other, carrier_=carrier, pickup_date=dt.date(2026, 3, 4))
    reply = await run(ActionCreateReturn(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_return_slot_taken"]
    assert reply.slots == {"return_pickup_slot": None, "change_confirmed": None}
    assert [e["name"] for e in reply.events if e["event"] == "followup"] == ["return_form"]
    assert returns_of(session, order) == []


async def test_a_line_returned_meanwhile_is_refused(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = confirmed(session, order)
    factories.return_(session, order)  # booked in another conversation
    reply = await run(ActionCreateReturn(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_return_refused"]
    assert session.scalar(select(func.count()).select_from(Return)) == 1


async def test_another_language_falls_back_to_english_words_and_its_own_dates(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = delivered_order(session)
    chat = confirmed(session, order, None)
    chat.slots["language"] = "it"
    reply = await run(ActionAskReturnFormChangeConfirmed(runtime), chat.says("/inform"))
    assert reply.messages[0]["reason"] == "It doesn't fit"
    assert reply.messages[0]["day"] == wording.day(dt.date(2026, 3, 4), "it")
    reasons = await run(ActionAskReturnReason(runtime), chat)
    assert all(button["title"] for button in reasons.buttons())
