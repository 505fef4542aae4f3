"""A booked return: where it is, moving its pickup, cancelling it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.return_changes import (
    ActionAskCancelReturnFormChangeConfirmed,
    ActionAskMoveReturnFormChangeConfirmed,
    ActionAskMoveReturnFormReturnPickupSlot,
    ActionAskReturnReference,
    ActionCancelReturn,
    ActionMoveReturn,
    ActionShowReturns,
    ValidateCancelReturnForm,
    ValidateMoveReturnForm,
)
from actions.runtime import Runtime
from delivery.db.models import AuditEntry, Carrier, Customer, Order, Return
from delivery.services.identity import link_channel
from delivery.vocabulary import Channel, ReturnStatus, ShipmentStatus, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, RunAction
from tests.factories import NOW

WEDNESDAY = dt.date(2026, 3, 4)  # the factory's pickup day: Wednesday 4 March, 9:00-13:00
FRIDAY_AFTERNOON = "2026-03-06T13:00-18:00"
THURSDAY_MORNING = "2026-03-05T09:00-13:00"


# --- set-up -------------------------------------------------------------------------------------


def booked(
    session: Session,
    customer: Customer | None = None,
    *,
    reference: str = "R-7KQ2MX",
    carrier: Carrier | None = None,
    **overrides: Any,
) -> Return:
    """A return of a delivered order's jumper, with the carrier that delivered it."""
    the_carrier = carrier or factories.carrier(session, name="Parcel Express")
    order: Order = factories.order(session, customer_=customer)
    order.lines[0].name = "Blue jumper"
    factories.shipment(
        session,
        order,
        carrier_=the_carrier,
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=3),
    )
    return factories.return_(session, order, carrier_=the_carrier, reference=reference, **overrides)


def verified_chat(session: Session, customer_id: int, journey: str, **slots: Any) -> Chat:
    chat = Chat()
    chat.slots.update({"journey": journey, **slots})
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )
    return chat


def started(chat: Chat, text: str, intent: str, entities: dict[str, str] | None = None) -> Chat:
    """The journey's first message and action_start_journey (which clears return_reference)."""
    chat.says(text, intent, entities)
    chat.events.append({"event": "action", "name": "action_start_journey"})
    return chat


def in_form(chat: Chat, form: str, **slots: Any) -> Chat:
    chat.active_loop = {"name": form}
    chat.slots.update({"requested_slot": None, **slots})
    return chat


def reply_to(
    chat: Chat,
    question: str,
    text: str,
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    fills: dict[str, Any] | None = None,
) -> Chat:
    """The customer answers ``question``; ``fills`` are the slots its entities fill."""
    chat.slots["requested_slot"] = question
    chat.events.append({"event": "slot", "name": "requested_slot", "value": question})
    chat.says(text, intent, entities)
    for name, value in (fills or {}).items():
        chat.slots[name] = value
        chat.events.append({"event": "slot", "name": name, "value": value})
    return chat


def audit_entries(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def move_form(runtime: Runtime) -> ValidateMoveReturnForm:
    return ValidateMoveReturnForm(runtime)


@pytest.fixture
def cancel_form(runtime: Runtime) -> ValidateCancelReturnForm:
    return ValidateCancelReturnForm(runtime)


# --- where is my return -------------------------------------------------------------------------


async def test_every_return_is_told_newest_first_with_what_can_be_done(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    open_one = booked(session)
    older = booked(
        session,
        open_one.order.customer,
        reference="R-4HT8PZ",
        status=ReturnStatus.REFUNDED,
        created_at=NOW - dt.timedelta(days=20),
    )
    chat = verified_chat(session, open_one.customer_id, "return_status")
    reply = await run(
        ActionShowReturns(runtime), started(chat, "where's my return", "return_status")
    )
    assert reply.responses == [
        "utter_return_status_scheduled",
        "utter_return_status_refunded",
        "utter_return_change_options",
    ]
    told = reply.messages[0]
    assert told["reference"] == "R-7KQ2MX"
    assert told["items"] == "Blue jumper"
    assert told["order_number"] == open_one.order.number
    assert (told["day"], told["window"], told["carrier"]) == (
        "Wednesday 4 March",
        "9:00–13:00",
        "Parcel Express",
    )
    assert reply.messages[1]["reference"] == older.reference
    assert reply.buttons() == [
        {
            "title": "Change the pickup day",
            "payload": '/move_return{"return_reference":"R-7KQ2MX"}',
        },
        {"title": "Cancel the return", "payload": '/cancel_return{"return_reference":"R-7KQ2MX"}'},
    ]


async def test_no_returns_offers_to_start_one(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    customer = factories.customer(session)
    chat = verified_chat(session, customer.id, "return_status")
    reply = await run(ActionShowReturns(runtime), started(chat, "my return?", "return_status"))
    assert reply.responses == ["utter_return_none"]


async def test_a_reference_in_the_question_narrows_to_that_return(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    first = booked(session)
    booked(session, first.order.customer, reference="R-4HT8PZ")
    chat = verified_chat(session, first.customer_id, "return_status")
    # The reference came with the journey's first message; order_form ran in between.
    started(chat, "status of R-4HT8PZ", "return_status", {"return_reference": "R-4HT8PZ"})
    chat.says("ada@example.com")
    reply = await run(ActionShowReturns(runtime), chat)
    assert [m["reference"] for m in reply.messages if "reference" in m] == ["R-4HT8PZ"]


async def test_someone_else_s_reference_reveals_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    mine = booked(session)
    booked(session, reference="R-9ZM3QA")  # another customer's
    chat = verified_chat(session, mine.customer_id, "return_status")
    started(chat, "where is R-9ZM3QA", "return_status", {"return_reference": "R-9ZM3QA"})
    reply = await run(ActionShowReturns(runtime), chat)
    assert reply.responses[:2] == ["utter_return_not_found", "utter_return_status_scheduled"]
    assert reply.messages[1]["reference"] == "R-7KQ2MX"
    assert all(m.get("reference") in (None, "R-9ZM3QA", "R-7KQ2MX") for m in reply.messages)
    assert len([m for m in reply.messages if "items" in m]) == 1  # only their own return


async def test_an_unverified_conversation_is_shown_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    booked(session)
    chat = Chat()
    chat.slots["journey"] = "return_status"
    reply = await run(ActionShowReturns(runtime), started(chat, "my return", "return_status"))
    assert reply.messages == []


# --- which return -------------------------------------------------------------------------------


async def test_the_only_open_return_is_chosen_without_asking(
    session: Session, cancel_form: ValidateCancelReturnForm, run: RunAction
) -> None:
    return_ = booked(session)
    chat = in_form(
        verified_chat(session, return_.customer_id, "cancel_return"), "cancel_return_form"
    )
    reply = await run(cancel_form, started(chat, "cancel my return", "cancel_return"))
    assert reply.slots == {"return_reference": "R-7KQ2MX"}


async def test_the_reference_of_the_first_message_is_taken(
    session: Session, cancel_form: ValidateCancelReturnForm, run: RunAction
) -> None:
    first = booked(session)
    booked(session, first.order.customer, reference="R-4HT8PZ")
    chat = in_form(verified_chat(session, first.customer_id, "cancel_return"), "cancel_return_form")
    started(chat, "cancel r-4ht8pz please", "cancel_return")
    reply = await run(cancel_form, chat)
    assert reply.slots == {"return_reference": "R-4HT8PZ"}


async def test_with_several_open_returns_the_customer_is_asked(
    session: Session, runtime: Runtime, cancel_form: ValidateCancelReturnForm, run: RunAction
) -> None:
    first = booked(session)
    booked(session, first.order.customer, reference="R-4HT8PZ")
    booked(session, first.order.customer, reference="R-W8C4LT", status=ReturnStatus.COLLECTED)
    chat = in_form(verified_chat(session, first.customer_id, "cancel_return"), "cancel_return_form")
    reply = await run(cancel_form, started(chat, "cancel a return", "cancel_return"))
    assert reply.slots == {}  # nothing chosen, the form goes on and asks
    asked = await run(ActionAskReturnReference(runtime), chat)
    assert asked.responses == ["utter_return_which"]
    assert [b["payload"] for b in asked.buttons()] == [
        '/inform{"return_reference":"R-4HT8PZ"}',
        '/inform{"return_reference":"R-7KQ2MX"}',
    ]
    assert asked.buttons()[1]["title"] == "R-7KQ2MX · Blue jumper · Wed 4 Mar"


async def test_a_typed_reference_is_read_from_the_text(
    session: Session, cancel_form: ValidateCancelReturnForm, run: RunAction
) -> None:
    first = booked(session)
    booked(session, first.order.customer, reference="R-4HT8PZ")
    chat = in_form(verified_chat(session, first.customer_id, "cancel_return"), "cancel_return_form")
    reply = await run(cancel_form, reply_to(chat, "return_reference", "its r 4ht8pz"))
    assert reply.slots["return_reference"] == "R-4HT8PZ"


@pytest.mark.parametrize("state", ["someone else's", "cancelled", "too late"])
async def test_a_return_that_cannot_change_is_refused(
    session: Session,
    cancel_form: ValidateCancelReturnForm,
    run: RunAction,
    clock: list[dt.datetime],
    state: str,
) -> None:
    mine = booked(session)
    other = booked(session, mine.order.customer, reference="R-4HT8PZ")
    if state == "someone else's":
        other.customer_id = factories.customer(session).id
    elif state == "cancelled":
        other.status = ReturnStatus.CANCELLED
    else:
        other.pickup_date = dt.date(2026, 3, 2)  # this afternoon: past the carrier's cut-off
        other.pickup_window_start, other.pickup_window_end = dt.time(13), dt.time(18)
    session.flush()
    chat = in_form(verified_chat(session, mine.customer_id, "cancel_return"), "cancel_return_form")
    reply_to(
        chat,
        "return_reference",
        '/inform{"return_reference":"R-4HT8PZ"}',
        entities={"return_reference": "R-4HT8PZ"},
        fills={"return_reference": "R-4HT8PZ"},
    )
    reply = await run(cancel_form, chat)
    assert reply.slots["return_reference"] is None
    expected = {
        "someone else's": "utter_return_not_found",
        "cancelled": "utter_return_not_open",
        "too late": "utter_return_too_late",
    }[state]
    assert reply.responses == [expected]
    if state == "someone else's":
        assert reply.messages[0]["reference"] == "R-4HT8PZ"
        assert "items" not in reply.messages[0]
    if state == "cancelled":
        assert reply.messages[0]["state"] == "cancelled"


@pytest.mark.parametrize("situation", ["unverified", "no returns", "only too late"])
async def test_the_form_asks_nothing_when_nothing_can_change(
    session: Session, cancel_form: ValidateCancelReturnForm, run: RunAction, situation: str
) -> None:
    customer = factories.customer(session)
    if situation == "only too late":
        booked(session, customer, pickup_date=dt.date(2026, 3, 2), pickup_window_start=dt.time(13))
    chat = in_form(verified_chat(session, customer.id, "cancel_return"), "cancel_return_form")
    if situation == "unverified":
        chat.sender_id = "someone-else"
    reply = await run(cancel_form, started(chat, "cancel my return", "cancel_return"))
    assert reply.slots == {"requested_slot": None}


# --- moving the pickup --------------------------------------------------------------------------


async def test_the_new_pickup_is_asked_with_the_current_one(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    chat = verified_chat(session, return_.customer_id, "move_return", return_reference="R-7KQ2MX")
    action = ActionAskMoveReturnFormReturnPickupSlot(runtime)
    reply = await run(action, chat.says("ada@example.com"))
    assert reply.responses == ["utter_return_move_when"]
    assert (reply.messages[0]["day"], reply.messages[0]["window"]) == (
        "Wednesday 4 March",
        "9:00–13:00",
    )
    payloads = [b["payload"] for b in reply.buttons()]
    assert '/inform{"slot_key":"2026-03-04T09:00-13:00"}' not in payloads  # where it is now
    assert payloads[0] == '/inform{"slot_key":"2026-03-03T09:00-13:00"}'


async def test_a_day_in_the_first_message_moves_straight_to_the_confirmation(
    session: Session, move_form: ValidateMoveReturnForm, run: RunAction
) -> None:
    return_ = booked(session)
    chat = in_form(verified_chat(session, return_.customer_id, "move_return"), "move_return_form")
    started(chat, "can they come friday afternoon instead", "move_return")
    reply = await run(move_form, chat)
    assert reply.slots == {"return_reference": "R-7KQ2MX", "return_pickup_slot": FRIDAY_AFTERNOON}


async def test_someone_else_s_slot_key_is_refused(
    session: Session, move_form: ValidateMoveReturnForm, run: RunAction
) -> None:
    return_ = booked(session)
    chat = in_form(
        verified_chat(session, return_.customer_id, "move_return"),
        "move_return_form",
        return_reference="R-7KQ2MX",
    )
    key = "2026-03-08T09:00-13:00"  # a Sunday: the carrier does not come
    reply_to(chat, "return_pickup_slot", "/inform", fills={"return_pickup_slot": key})
    reply = await run(move_form, chat)
    assert reply.slots["return_pickup_slot"] is None
    assert reply.responses == ["utter_return_slot_unavailable"]


async def test_no_other_free_slot_ends_the_form_and_says_so(
    session: Session,
    runtime: Runtime,
    move_form: ValidateMoveReturnForm,
    run: RunAction,
) -> None:
    carrier = factories.carrier(
        session, reschedule_max_days_ahead=0, delivery_windows=[["09:00", "13:00"]]
    )
    return_ = booked(session, carrier=carrier, pickup_date=dt.date(2026, 3, 3))
    chat = in_form(verified_chat(session, return_.customer_id, "move_return"), "move_return_form")
    reply = await run(move_form, started(chat, "move my return", "move_return"))
    assert reply.slots == {"return_reference": "R-7KQ2MX", "requested_slot": None}
    chat.active_loop = {}
    told = await run(ActionMoveReturn(runtime), chat)
    assert told.responses == ["utter_return_no_other_slots"]


async def test_the_move_is_confirmed_from_and_to(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    chat = verified_chat(
        session,
        return_.customer_id,
        "move_return",
        return_reference="R-7KQ2MX",
        return_pickup_slot=FRIDAY_AFTERNOON,
    )
    reply = await run(ActionAskMoveReturnFormChangeConfirmed(runtime), chat.says("/inform"))
    assert reply.responses == ["utter_return_confirm_move"]
    message = reply.messages[0]
    assert (message["day"], message["new_day"], message["new_window"]) == (
        "Wednesday 4 March",
        "Friday 6 March",
        "13:00–18:00",
    )


def move_confirmed(session: Session, return_: Return, answer: bool) -> Chat:
    chat = verified_chat(
        session,
        return_.customer_id,
        "move_return",
        return_reference=return_.reference,
        return_pickup_slot=FRIDAY_AFTERNOON,
        change_confirmed=answer,
    )
    return chat.says("yes" if answer else "no", "affirm" if answer else "deny")


async def test_a_yes_moves_the_pickup_once(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    chat = move_confirmed(session, return_, True)
    first = await run(ActionMoveReturn(runtime), chat)
    again = await run(ActionMoveReturn(runtime), chat)  # the same "yes" again
    assert first.responses == again.responses == ["utter_return_moved"]
    assert (first.messages[0]["day"], first.messages[0]["window"]) == (
        "Friday 6 March",
        "13:00–18:00",
    )
    session.refresh(return_)
    assert (return_.pickup_date, return_.pickup_window_start) == (dt.date(2026, 3, 6), dt.time(13))
    assert len(audit_entries(session, "move_return")) == 1


async def test_a_no_leaves_the_pickup_where_it_was(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    reply = await run(ActionMoveReturn(runtime), move_confirmed(session, return_, False))
    assert reply.responses == ["utter_return_not_moved"]
    session.refresh(return_)
    assert return_.pickup_date == WEDNESDAY


async def test_a_slot_taken_meanwhile_asks_for_another(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    carrier = factories.carrier(session, slot_capacity=1)
    return_ = booked(session, carrier=carrier)
    booked(
        session,
        carrier=carrier,
        reference="R-4HT8PZ",
        pickup_date=dt.date(2026, 3, 6),
        pickup_window_start=dt.time(13),
        pickup_window_end=dt.time(18),
    )
    reply = await run(ActionMoveReturn(runtime), move_confirmed(session, return_, True))
    assert reply.responses == ["utter_return_slot_taken"]
    assert [e["name"] for e in reply.events if e["event"] == "followup"] == ["move_return_form"]


async def test_someone_else_s_reference_changes_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    theirs = booked(session)
    me = factories.customer(session)
    chat = verified_chat(
        session,
        me.id,
        "move_return",
        return_reference=theirs.reference,  # e.g. typed as /inform{"return_reference":...}
        return_pickup_slot=FRIDAY_AFTERNOON,
        change_confirmed=True,
    )
    reply = await run(ActionMoveReturn(runtime), chat.says("yes", "affirm"))
    assert reply.responses == ["utter_return_none_open"]  # about their own returns only
    session.refresh(theirs)
    assert theirs.pickup_date == WEDNESDAY
    assert audit_entries(session, "move_return") == []


async def test_an_unverified_conversation_changes_nothing_and_hears_nothing(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    chat = move_confirmed(session, return_, True)
    chat.sender_id = "someone-else"
    assert (await run(ActionMoveReturn(runtime), chat)).messages == []
    assert (await run(ActionCancelReturn(runtime), chat)).messages == []
    session.refresh(return_)
    assert (return_.status, return_.pickup_date) == (ReturnStatus.SCHEDULED, WEDNESDAY)


# --- cancelling ---------------------------------------------------------------------------------


def cancel_confirmed(session: Session, return_: Return, answer: bool | None) -> Chat:
    chat = verified_chat(
        session,
        return_.customer_id,
        "cancel_return",
        return_reference=return_.reference,
        change_confirmed=answer,
    )
    return chat.says("yes" if answer else "no", "affirm" if answer else "deny")


async def test_the_cancellation_is_confirmed_first(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    reply = await run(
        ActionAskCancelReturnFormChangeConfirmed(runtime), cancel_confirmed(session, return_, None)
    )
    assert reply.responses == ["utter_return_confirm_cancel"]
    assert (reply.messages[0]["items"], reply.messages[0]["day"]) == (
        "Blue jumper",
        "Wednesday 4 March",
    )


async def test_a_yes_cancels_the_return_once(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    return_ = booked(session)
    chat = cancel_confirmed(session, return_, True)
    first = await run(ActionCancelReturn(runtime), chat)
    again = await run(ActionCancelReturn(runtime), chat)
    assert first.responses == again.responses == ["utter_return_cancelled"]
    session.refresh(return_)
    assert return_.status is ReturnStatus.CANCELLED
    assert len(audit_entries(session, "cancel_return")) == 1


async def test_a_no_keeps_the_return(session: Session, runtime: Runtime, run: RunAction) -> None:
    return_ = booked(session)
    reply = await run(ActionCancelReturn(runtime), cancel_confirmed(session, return_, False))
    assert reply.responses == ["utter_return_not_cancelled"]
    session.refresh(return_)
    assert return_.status is ReturnStatus.SCHEDULED


async def test_too_late_by_the_time_of_the_yes(
    session: Session, runtime: Runtime, run: RunAction, clock: list[dt.datetime]
) -> None:
    return_ = booked(session)
    chat = cancel_confirmed(session, return_, True)
    clock[0] = NOW + dt.timedelta(days=1, hours=12)  # Tuesday 22:00: past Wednesday's cut-off
    reply = await run(ActionCancelReturn(runtime), chat)
    assert reply.responses == ["utter_return_too_late"]
    session.refresh(return_)
    assert return_.status is ReturnStatus.SCHEDULED


async def test_nothing_to_cancel_is_explained(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    late = booked(session, pickup_date=dt.date(2026, 3, 2), pickup_window_start=dt.time(13))
    chat = verified_chat(session, late.customer_id, "cancel_return")
    reply = await run(ActionCancelReturn(runtime), chat.says("cancel my return", "cancel_return"))
    assert reply.responses == ["utter_return_too_late"]
    assert reply.messages[0]["reference"] == "R-7KQ2MX"
