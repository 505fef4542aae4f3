"""The conversation store, on SQLite and PostgreSQL (each test rolled back)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bot import transcript
from bot.transcript import Button, Outgoing
from delivery.db.models import DeliveryState, TranscriptSender
from delivery.vocabulary import Channel
from tests.factories import NOW

WEB = "web-transcript01"
MINUTE = dt.timedelta(minutes=1)


def customer_says(session: Session, text: str, at: dt.datetime = NOW, sender: str = WEB) -> int:
    return transcript.add_customer_message(
        session,
        channel=Channel.WEB,
        conversation_id=sender,
        text=text,
        metadata={"language": "en", "channel": "web"},
        now=at,
    )


def bot_says(session: Session, *messages: Outgoing, sender: str = WEB) -> None:
    transcript.add_bot_messages(
        session, channel=Channel.WEB, conversation_id=sender, messages=messages, now=NOW
    )


def test_history_is_oldest_first_with_every_kind_of_message(session: Session) -> None:
    entry = customer_says(session, "where is my order?")
    bot_says(
        session,
        Outgoing(text="Which order?", buttons=(Button("#1", '/inform{"n":"1"}'),)),
        Outgoing(image="https://shop.example/p.png"),
        Outgoing(custom={"handoff": "agent_joined", "agent": "Sam"}),
    )
    transcript.add_agent_message(
        session, channel=Channel.WEB, conversation_id=WEB, message=Outgoing(text="Hi!"), now=NOW
    )
    history = transcript.history(session, WEB)
    assert [(m.sender, m.text) for m in history] == [
        (TranscriptSender.CUSTOMER, "where is my order?"),
        (TranscriptSender.BOT, "Which order?"),
        (TranscriptSender.BOT, None),
        (TranscriptSender.BOT, None),
        (TranscriptSender.AGENT, "Hi!"),
    ]
    assert history[0].id == entry
    assert history[0].delivery_state is DeliveryState.PENDING
    assert [m.as_dict() for m in history[:4]] == [
        {"sender": "customer", "text": "where is my order?", "buttons": [],
         "at": "2026-03-02T10:00:00Z"},
        {"sender": "bot", "text": "Which order?",
         "buttons": [{"title": "#1", "payload": "/inform{\"n\":\"1\"}"}],
         "at": "2026-03-02T10:00:00Z"},
        {"sender": "bot", "text": None, "buttons": [], "image": "https://shop.example/p.png",
         "at": "2026-03-02T10:00:00Z"},
        {"sender": "bot", "text": None, "buttons": [],
         "custom": {"handoff": "agent_joined", "agent": "Sam"}, "at": "2026-03-02T10:00:00Z"},
    ]  # fmt: skip


def test_history_keeps_the_latest_messages_of_one_conversation(session: Session) -> None:
    for n in range(5):
        customer_says(session, f"m{n}", at=NOW + n * MINUTE)
    customer_says(session, "elsewhere", sender="web-somebodyelse")
    assert [m.text for m in transcript.history(session, WEB, limit=2)] == ["m3", "m4"]
    assert transcript.history(session, "web-nobody") == []


def test_customer_messages_are_pending_until_delivered_or_failed(session: Session) -> None:
    first = customer_says(session, "one", at=NOW)
    second = customer_says(session, "two", at=NOW + MINUTE)
    third = customer_says(session, "three", at=NOW + 2 * MINUTE, sender="web-another01")
    later = NOW + 10 * MINUTE
    pending = transcript.pending_messages(session, before=later)
    assert [(p.entry_id, p.conversation_id, p.text) for p in pending] == [
        (first, WEB, "one"),
        (second, WEB, "two"),
        (third, "web-another01", "three"),
    ]
    assert pending[0].channel is Channel.WEB
    assert pending[0].metadata == {"language": "en", "channel": "web"}

    transcript.mark_delivered(session, first, later)
    transcript.mark_failed(session, third)
    assert [p.entry_id for p in transcript.pending_messages(session, before=later)] == [second]
    # Messages written since the relay started are its own, never "left over".
    assert transcript.pending_messages(session, before=NOW + MINUTE) == []
    session.expire_all()
    states = {m.text: m.delivery_state for m in transcript.history(session, WEB)}
    assert states == {"one": DeliveryState.DELIVERED, "two": DeliveryState.PENDING}


def test_the_offered_buttons_are_those_of_the_bot_s_latest_turn(session: Session) -> None:
    assert transcript.offered_payloads(session, WEB) == frozenset()
    customer_says(session, "hi")
    bot_says(
        session,
        Outgoing(text="Hello"),
        Outgoing(text="Shall I?", buttons=(Button("Yes", "/affirm"), Button("No", "/deny"))),
        Outgoing(text="Or", buttons=(Button("Person", "/talk_to_person"),)),
    )
    assert transcript.offered_payloads(session, WEB) == {"/affirm", "/deny", "/talk_to_person"}
    # The customer typed while Rasa was down: the buttons are still on their screen.
    customer_says(session, "hello?")
    assert transcript.offered_payloads(session, WEB) == {"/affirm", "/deny", "/talk_to_person"}
    # Buttons of an earlier turn no longer count.
    bot_says(session, Outgoing(text="Okay."))
    assert transcript.offered_payloads(session, WEB) == frozenset()
    bot_says(session, Outgoing(text="Other", buttons=(Button("X", "/x"),)), sender="web-other001")
    assert transcript.offered_payloads(session, WEB) == frozenset()
