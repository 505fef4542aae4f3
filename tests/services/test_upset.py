"""Upset customers: swearing, threats, annoyed words, shouting; not ordinary delivery worries."""

from __future__ import annotations

import pytest

from delivery.services.upset import LEXICONS, Lexicon, Upset, assess_upset, conversation_is_upset

NONE, ANNOYED, STRONG = Upset.NONE, Upset.ANNOYED, Upset.STRONG

#: What customers of a delivery assistant actually write, and how upset it is.
EXAMPLES = [
    # Ordinary delivery questions and complaints: the assistant answers these itself.
    ("Where is my parcel?", NONE),
    ("my parcel is late", NONE),
    ("still nothing", NONE),
    ("Still nothing. It was supposed to arrive yesterday", NONE),
    ("It says delivered but it's not here", NONE),
    ("The tracking hasn't updated in 5 days", NONE),
    ("I want to report a damaged item", NONE),
    ("I'd like to report a missing item from my order", NONE),
    ("The courier left it by the rubbish bins", NONE),
    ("worst case I can pick it up on Monday", NONE),
    ("Can I sit at home and wait? Which shift is the courier on?", NONE),
    ("My name is Sue Parker", NONE),
    ("the parcel was lying on the doorstep when I got home", NONE),
    ("How many times will the courier try to deliver?", NONE),
    ("I ordered from ASOS UK and DHL has it", NONE),
    ("ORDER #100234", NONE),
    ("Can I talk to a person please?", NONE),
    ("Where's my refund???", NONE),
    ("shiitake mushrooms, a fork and a funky lamp", NONE),
    ("Hi! Could you change the delivery to Saturday?", NONE),
    # Joy is loud too.
    ("Thank you so much!!!", NONE),
    ("THANK YOU SO MUCH", NONE),
    ("It arrived!!! 😍", NONE),
    # One annoyed signal.
    ("This is ridiculous", ANNOYED),
    ("Your tracking is useless", ANNOYED),
    ("Worst delivery company ever", ANNOYED),
    ("This feels like a scam", ANNOYED),
    ("Totally unacceptable", ANNOYED),
    ("I'm fed up of waiting", ANNOYED),
    ("I'm furious", ANNOYED),
    ("That's disgusting service", ANNOYED),
    ("how many times do I have to ask", ANNOYED),
    ("WHERE IS MY PARCEL", ANNOYED),
    ("where is my parcel!!!", ANNOYED),
    ("Where is it?!?", ANNOYED),
    ("still not here 😡", ANNOYED),
    ("where the hell is it", ANNOYED),
    ("Never ordering from you again", ANNOYED),
    # Two annoyed signals together.
    ("This is ridiculous!!!", STRONG),
    ("useless and pathetic service", STRONG),
    ("WHERE IS MY PARCEL!!!", STRONG),
    ("THIS IS RIDICULOUS", STRONG),
    ("absolutely disgusting 😡", STRONG),
    # Swearing, disguised or not.
    ("where the fuck is my parcel", STRONG),
    ("where the f*** is my parcel", STRONG),
    ("f**k this", STRONG),
    ("fck this company", STRONG),
    ("I am f***ing furious", STRONG),
    ("wtf is going on", STRONG),
    ("this is bullshit", STRONG),
    ("this is bullsh*t", STRONG),
    ("what a load of sh!t", STRONG),
    ("$hit service", STRONG),
    ("you bastards", STRONG),
    ("piss off", STRONG),
    # Insults.
    ("you are idiots", STRONG),
    ("Are you morons?", STRONG),
    # Threats.
    ("I will file a chargeback", STRONG),
    ("I'm calling my bank to do a charge back", STRONG),
    ("I'm going to sue you", STRONG),
    ("I'll report you to trading standards", STRONG),
    ("My lawyer will hear about this", STRONG),
    ("leaving a 1 star review", STRONG),
    ("see you in court", STRONG),
    ("I'll open a dispute with PayPal", STRONG),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_assess_upset(text: str, expected: Upset) -> None:
    assert assess_upset(text) is expected


def test_the_lexicon_is_data_keyed_by_language() -> None:
    assert isinstance(LEXICONS["en"], Lexicon)
    # A language without a lexicon falls back to English; shouting counts everywhere.
    assert assess_upset("dove è il mio pacco", language="it") is NONE
    assert assess_upset("DOVE È IL MIO PACCO", language="it") is ANNOYED
    assert assess_upset("what the f*** is this", language="it") is STRONG


def test_curly_apostrophes_are_read_like_straight_ones() -> None:
    assert assess_upset("I\u2019ll sue you") is STRONG


@pytest.mark.parametrize(
    ("texts", "upset"),
    [
        ([], False),
        (["where is my parcel?"], False),
        (["This is ridiculous"], False),  # one annoyed message is not enough
        (["where the f*** is my parcel"], True),  # one strong message is
        (["This is ridiculous", "where is it?"], False),
        (["This is ridiculous", "still nothing", "WHERE IS MY PARCEL"], True),
        (["This is useless", "Totally unacceptable"], True),
        (["This is useless", "ok", "fine", "Totally unacceptable"], False),  # 3 back, not 4
        # An old outburst counts as annoyed, not as a reason on its own.
        (["you idiots", "ok, thanks", "when will it come?"], False),
        (["you idiots", "ok", "ugh, useless"], True),
        (["thanks!", "I'll report you to trading standards"], True),
    ],
)
def test_conversation_is_upset(texts: list[str], upset: bool) -> None:
    assert conversation_is_upset(texts) is upset
