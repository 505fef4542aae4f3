"""Conversation ids and metadata of Telegram chats."""

from __future__ import annotations

from telegram import Chat, User

from bot.telegram.incoming import chat_id_of, conversation_id, incoming
from delivery.vocabulary import Channel


def test_a_chat_is_one_conversation() -> None:
    assert conversation_id(4242) == "tg-4242"
    assert chat_id_of("tg-4242") == 4242
    assert chat_id_of("tg--100123") == -100123
    assert chat_id_of("web-4242") is None
    assert chat_id_of("tg-abc") is None


def test_first_name_and_language_are_metadata() -> None:
    chat = Chat(4242, Chat.PRIVATE)
    user = User(4242, "Ada", is_bot=False, language_code="pl")
    message = incoming(chat, user, "hi", location={"latitude": 1.0, "longitude": 2.0})
    assert message.channel is Channel.TELEGRAM
    assert message.sender == message.connection == "tg-4242"
    assert message.metadata == {
        "customer_name": "Ada",
        "language": "pl",
        "location": {"latitude": 1.0, "longitude": 2.0},
    }
    assert incoming(chat, User(4242, "", is_bot=False), "hi").metadata == {}
