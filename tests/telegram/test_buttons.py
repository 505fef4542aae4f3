"""Payloads on buttons: Telegram's 64-byte callback_data, pressing once, reply keyboards."""

from __future__ import annotations

from bot.relay import Button, Outgoing
from bot.telegram.buttons import (
    LongPayloads,
    PressedOnce,
    ReplyKeyboards,
    asks_for_location,
    callback_data,
    digest_of,
)

SHORT = '/inform{"slot_key":"2026-03-03T09:00-13:00"}'
LONG = '/inform{"pickup_point":"' + "X" * 60 + '"}'


def test_a_payload_that_fits_is_its_own_callback_data() -> None:
    assert callback_data(SHORT) == SHORT
    assert callback_data("é" * 32) == "é" * 32  # 64 bytes exactly


def test_a_longer_payload_becomes_a_short_digest() -> None:
    data = callback_data(LONG)
    assert data == digest_of(LONG)
    assert data.startswith("#")
    assert len(data.encode()) <= 64
    assert callback_data("é" * 33) == digest_of("é" * 33)  # 66 bytes: counted in bytes
    assert callback_data("#hashtag") == digest_of("#hashtag")  # never mistaken for a digest


def test_long_payloads_are_found_in_memory_or_among_the_offered() -> None:
    memory = LongPayloads()
    data = memory.data_for(LONG)
    assert memory.payload_of(data) == LONG
    assert LongPayloads().payload_of(data) is None  # another process
    assert LongPayloads().payload_of(data, [SHORT, LONG]) == LONG
    assert memory.payload_of(SHORT) == SHORT


def test_long_payloads_keep_the_newest() -> None:
    memory = LongPayloads(capacity=2)
    first, second, third = (memory.data_for(LONG + str(n)) for n in range(3))
    assert memory.payload_of(first) is None
    assert memory.payload_of(second) == LONG + "1"
    assert memory.payload_of(third) == LONG + "2"


def test_a_keyboard_is_pressed_once() -> None:
    presses = PressedOnce(capacity=2)
    assert presses.first_press(1, 10)
    assert not presses.first_press(1, 10)
    assert presses.first_press(1, 11)
    assert presses.first_press(2, 10)  # another chat's message 10


def test_the_pickup_question_asks_for_a_location() -> None:
    near_home = Button("Near my delivery address", '/inform{"pickup_origin":"delivery_address"}')
    assert asks_for_location(Outgoing(text="Where?", buttons=(near_home,)))
    assert asks_for_location(Outgoing(text="Where?", custom={"request_location": True}))
    assert not asks_for_location(Outgoing(text="Which slot?", buttons=(Button("Tue", SHORT),)))


def test_reply_keyboard_titles_stand_for_payloads_until_taken_away() -> None:
    keyboards = ReplyKeyboards()
    keyboards.shown(7, [Button("Near my delivery address", "/inform")])
    assert keyboards.payload_for(7, "Near my delivery address") == "/inform"
    assert keyboards.payload_for(8, "Near my delivery address") is None
    assert keyboards.is_shown(7)
    keyboards.removed(7)
    assert keyboards.payload_for(7, "Near my delivery address") is None
