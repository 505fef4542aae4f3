"""Reschedule, pickup point and return pickup, through the real Rasa server and action server;
the database is checked afterwards (demo showcase orders)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import Order, Return, Shipment
from delivery.services.slots import Slot
from delivery.vocabulary import ReturnStatus
from tests.support.assistant import Assistant, Conversation

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _payloads(chat: Conversation, replies: list[dict[str, Any]], prefix: str) -> list[str]:
    return [b["payload"] for b in chat.buttons(replies) if b["payload"].startswith(prefix)]


def _shipments(db: Session, number: str) -> list[Shipment]:
    db.expire_all()
    order = db.scalars(select(Order).where(Order.number == number)).one()
    return list(order.shipments)


def test_reschedule_with_a_slot_button_moves_the_delivery(
    assistant: Assistant, db: Session, far_order: str
) -> None:
    number, email = far_order.split()
    chat = assistant.conversation()
    chat.say("can I get my delivery on another day?")
    chat.say(number)
    replies = chat.say(email)
    slots = _payloads(chat, replies, '/inform{"slot_key"')
    assert slots, chat.shown()
    chosen = Slot.from_key(slots[-1].split('"slot_key":"')[1].rstrip('"}'))
    replies = chat.say(slots[-1])
    assert _payloads(chat, replies, "/affirm"), chat.shown()
    chat.say("/affirm")
    (shipment,) = _shipments(db, number)
    assert shipment.promised_date == chosen.date, chat.shown()
    assert shipment.promised_window_start == chosen.start, chat.shown()
    # The same confirmation sent again changes nothing more.
    chat.say("/affirm")
    assert _shipments(db, number)[0].promised_date == chosen.date


def test_a_slot_key_that_was_not_offered_changes_nothing(assistant: Assistant, db: Session) -> None:
    before = [(s.promised_date, s.promised_window_start) for s in _shipments(db, "100002")]
    chat = assistant.conversation()
    chat.say("reschedule order 100002 please, marco.rossi@example.com")
    chat.say('/inform{"slot_key":"2031-01-01T03:00-04:00"}')
    chat.say("/affirm")
    after = [(s.promised_date, s.promised_window_start) for s in _shipments(db, "100002")]
    assert after == before, chat.shown()


def test_an_order_out_for_delivery_cannot_move_and_says_why(assistant: Assistant) -> None:
    chat = assistant.conversation()
    text = chat.text_of(
        chat.say("I want to change the delivery day of 100004 aino.virtanen@example.com")
    )
    assert "out for delivery" in text.lower(), chat.shown()


def test_switch_to_a_pickup_point_near_the_delivery_address(
    assistant: Assistant, db: Session, far_order: str
) -> None:
    number, email = far_order.split()
    chat = assistant.conversation()
    chat.say(f"can you send order {number} to a parcel locker instead? {email}")
    replies = chat.transcript[-1][1]
    origin = _payloads(chat, replies, '/inform{"pickup_origin"')
    assert origin, chat.shown()
    replies = chat.say(origin[0])
    points = _payloads(chat, replies, '/inform{"pickup_point"')
    assert 3 <= len(points) <= 5, chat.shown()
    chat.say(points[0])
    chat.say("yes")
    code = points[0].split('"pickup_point":"')[1].rstrip('"}')
    (shipment,) = _shipments(db, number)
    assert shipment.pickup_point is not None, chat.shown()
    assert shipment.pickup_point.code == code, chat.shown()


def test_book_a_return_pickup_and_ask_about_it_later(assistant: Assistant, db: Session) -> None:
    chat = assistant.conversation()
    chat.say("I'd like to return something from order 100005")
    replies = chat.say("layla.haddad@example.com")
    items = _payloads(chat, replies, '/inform{"return_line"')
    assert items, chat.shown()
    replies = chat.say(items[0])
    reasons = _payloads(chat, replies, '/inform{"return_reason"')
    assert reasons, chat.shown()
    replies = chat.say(reasons[0])
    slots = _payloads(chat, replies, '/inform{"slot_key"')
    assert slots, chat.shown()
    chat.say(slots[0])
    text = chat.text_of(chat.say("/affirm"))
    db.expire_all()
    order = db.scalars(select(Order).where(Order.number == "100005")).one()
    returns = list(db.scalars(select(Return).where(Return.order_id == order.id)))
    assert len(returns) == 1, chat.shown()
    assert returns[0].status is ReturnStatus.SCHEDULED
    assert returns[0].reference in text, chat.shown()
    status = chat.text_of(chat.say("where is my return?"))
    assert returns[0].reference in status, chat.shown()


def test_cancel_a_booked_return(assistant: Assistant, db: Session) -> None:
    chat = assistant.conversation()
    chat.say("I don't want to return it anymore, cancel my return")
    chat.say("100008")
    chat.say("SW1A 2AA")
    chat.say("/affirm")
    db.expire_all()
    order = db.scalars(select(Order).where(Order.number == "100008")).one()
    (booked,) = db.scalars(select(Return).where(Return.order_id == order.id))
    assert booked.status is ReturnStatus.CANCELLED, chat.shown()


def test_stop_leaves_a_journey_and_changes_nothing(assistant: Assistant, db: Session) -> None:
    before = [(s.promised_date, s.pickup_point_id) for s in _shipments(db, "100006")]
    chat = assistant.conversation()
    chat.say("reschedule 100006 giulia.bianchi@example.com")
    text = chat.text_of(chat.say("stop"))
    assert "changed nothing" in text, chat.shown()
    after = [(s.promised_date, s.pickup_point_id) for s in _shipments(db, "100006")]
    assert after == before
