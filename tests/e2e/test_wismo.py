"""Where is my order, through the real Rasa server and action server (demo showcase orders)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from delivery.services.identity import linked_customer
from delivery.vocabulary import Channel
from tests.support.assistant import Assistant

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_verify_in_two_messages_then_see_the_timeline(assistant: Assistant) -> None:
    chat = assistant.conversation()
    chat.say("hi")
    asked = chat.text_of(chat.say("where is my order?"))
    assert "order number" in asked, chat.shown()
    asked = chat.text_of(chat.say("100001"))
    assert "e-mail" in asked, chat.shown()
    status = chat.text_of(chat.say("ada@example.com"))
    assert "Thanks, Ada" in status, chat.shown()
    assert "Here's order 100001" in status, chat.shown()
    assert "tracking" in status, chat.shown()
    assert "✅ Ordered" in status, chat.shown()
    assert chat.slots()["customer_name"] == "Ada"


def test_number_and_email_in_one_message_and_a_delay_with_its_options(
    assistant: Assistant,
) -> None:
    chat = assistant.conversation()
    replies = chat.say("where is my order 100002? email marco.rossi@example.com")
    text = chat.text_of(replies)
    assert "running late" in text, chat.shown()
    payloads = [b["payload"] for b in chat.buttons(replies)]
    assert '/reschedule_delivery{"order_number":"100002"}' in payloads, chat.shown()
    assert "/talk_to_person" in payloads, chat.shown()


def test_the_postcode_works_as_proof(assistant: Assistant) -> None:
    chat = assistant.conversation()
    chat.say("has order #100003 shipped")
    text = chat.text_of(chat.say("00-950"))
    assert "Here's order 100003" in text, chat.shown()
    assert "tried to deliver" in text, chat.shown()


def test_wrong_details_lock_the_conversation_out(assistant: Assistant) -> None:
    chat = assistant.conversation()
    chat.say("where is my order")
    chat.say("100004")
    answers = [chat.text_of(chat.say(f"wrong{n}@example.com")) for n in range(5)]
    assert "couldn't match" in answers[0], chat.shown()
    assert "one more try" in answers[3], chat.shown()
    assert "For your security" in answers[4], chat.shown()
    assert "Aino" not in chat.shown()
    # Right details after the lockout: still nothing shown.
    text = chat.text_of(chat.say("where is order 100004, aino.virtanen@example.com"))
    assert "Here's order" not in text, chat.shown()


def test_a_hand_typed_intent_cannot_show_another_customer_s_order(assistant: Assistant) -> None:
    chat = assistant.conversation()
    chat.say("where is my order 100001")
    chat.say("ada@example.com")
    text = chat.text_of(chat.say('/where_is_my_order{"order_number":"100003"}'))
    assert "Here's order 100003" not in text, chat.shown()
    assert "e-mail" in text, chat.shown()  # it must be proved like any other order
    assert "Anna" not in chat.shown()


def test_verification_is_remembered_in_the_database(assistant: Assistant, db: Session) -> None:
    chat = assistant.conversation()
    chat.say("where is 100006 giulia.bianchi@example.com")
    customer = linked_customer(db, Channel.WEB, chat.sender)
    assert customer is not None
    assert customer.email == "giulia.bianchi@example.com"
    # The conversation asks nothing more for the same customer's order.
    text = chat.text_of(chat.say("and where is my order now?"))
    assert "Here's order 100006" in text, chat.shown()


def test_a_question_in_the_middle_of_verification_is_answered_and_it_resumes(
    assistant: Assistant,
) -> None:
    chat = assistant.conversation()
    chat.say("where's my package")
    chat.say("are you a bot?")
    text = chat.text_of(chat.say("100007"))
    assert "e-mail" in text, chat.shown()
    text = chat.text_of(chat.say("piotr.kowalski@example.com"))
    assert "something went wrong with your parcel" in text, chat.shown()


def test_two_misunderstandings_in_a_row_hand_over_to_a_person(assistant: Assistant) -> None:
    chat = assistant.conversation()
    chat.say("asdkjh qwpoe zzxv")
    replies = chat.say("blorp fnargh wibble")
    text = chat.text_of(replies)
    assert "passing you to a person" in text, chat.shown()
    assert "in line" in text, chat.shown()
    handoff = [r["custom"] for r in replies if "custom" in r]
    assert handoff and handoff[0]["reason"] == "misunderstood", chat.shown()
    # Paused: the assistant logs what comes next and answers nothing.
    assert chat.say("hello?") == [], chat.shown()
