"""From the relay's messages to Telegram messages: text pieces, photos, keyboards."""

from __future__ import annotations

from bot.relay import Button, Outgoing
from bot.telegram.buttons import LongPayloads
from bot.telegram.sender import Planned, inline_keyboard, plan, split_text

YES, NO = Button("Yes", "/affirm"), Button("No", "/deny")


def test_text_is_split_at_line_breaks_below_the_limit() -> None:
    text = "aaaa\nbbbb\ncccc"
    assert split_text(text, limit=10) == ["aaaa\nbbbb", "cccc"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("   ") == []


def test_buttons_go_under_the_last_piece_of_their_text() -> None:
    planned = plan([Outgoing(text="a" * 5000, buttons=(YES, NO))])
    assert [len(p.text or "") for p in planned] == [4096, 904]
    assert planned[0].buttons == ()
    assert planned[1].buttons == (YES, NO)


def test_an_image_is_a_photo_before_its_text() -> None:
    planned = plan([Outgoing(text="Your parcel", image="https://shop.example/p.png")])
    assert planned == [Planned(photo="https://shop.example/p.png"), Planned(text="Your parcel")]


def test_buttons_without_text_go_under_the_text_before_them() -> None:
    planned = plan([Outgoing(text="Shall I?"), Outgoing(buttons=(YES, NO))])
    assert planned == [Planned(text="Shall I?", buttons=(YES, NO))]


def test_nothing_to_show_sends_nothing() -> None:
    assert plan([Outgoing(custom={"unknown": "widget thing"})]) == []


def test_long_titles_get_a_row_each() -> None:
    slots = (Button("Tue 3 Mar, 9:00–13:00", "/a"), Button("Wed 4 Mar, 9:00–13:00", "/b"))
    keyboard = inline_keyboard(slots, LongPayloads())
    assert [[b.text for b in row] for row in keyboard.inline_keyboard] == [
        ["Tue 3 Mar, 9:00–13:00"],
        ["Wed 4 Mar, 9:00–13:00"],
    ]
    short = inline_keyboard((YES, NO, YES, NO), LongPayloads())
    assert [len(row) for row in short.inline_keyboard] == [3, 1]
