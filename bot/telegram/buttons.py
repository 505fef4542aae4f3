"""What rides on Telegram's buttons, and what the channel remembers about them.

- Inline buttons carry the payload as ``callback_data``, which Telegram limits to 64 bytes. A
  longer payload travels as ``#`` + a digest of it; the payload itself stays here
  (:class:`LongPayloads`) and, should the process have restarted since, is found again among the
  buttons the conversation's transcript says were offered. Either way the relay re-checks a
  payload against the buttons offered before it reaches Rasa, so a forged ``callback_data`` gets
  nowhere.
- A keyboard is pressed once (:class:`PressedOnce`): its message is edited to drop it, and a
  second tap that arrives before the edit is ignored.
- A question about where to look for pickup points gets a reply keyboard with a "share my
  location" button (:class:`ReplyKeyboards`); its other buttons send their titles as text, which
  the channel turns back into their payloads.
"""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from collections.abc import Iterable

from bot.relay import Button, Outgoing

#: Telegram's limit on ``callback_data`` (bytes).
CALLBACK_DATA_MAX_BYTES = 64
#: Marks ``callback_data`` that is the digest of a longer payload.
DIGEST_PREFIX = "#"
#: The payload key of the "near my delivery address" button of the pickup-point question
#: (actions/pickup_points.py): a message offering it asks where to look from.
_WHERE_FROM_KEY = '"pickup_origin"'
#: A custom payload ``{"request_location": true}`` asks for a location too.
REQUEST_LOCATION = "request_location"


def callback_data(payload: str) -> str:
    """The ``callback_data`` of a button with ``payload`` (the payload itself when it fits)."""
    if len(payload.encode()) <= CALLBACK_DATA_MAX_BYTES and not payload.startswith(DIGEST_PREFIX):
        return payload
    return digest_of(payload)


def digest_of(payload: str) -> str:
    """``#`` + 22 characters: 128 bits of SHA-256, so no two offered payloads collide."""
    digest = hashlib.sha256(payload.encode()).digest()[:16]
    return DIGEST_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def asks_for_location(outgoing: Outgoing) -> bool:
    """Does this message ask where the customer is (so a location button helps)?"""
    if outgoing.custom and outgoing.custom.get(REQUEST_LOCATION) is True:
        return True
    return any(_WHERE_FROM_KEY in button.payload for button in outgoing.buttons)


class LongPayloads:
    """Payloads too long for ``callback_data``, by digest; the newest ``capacity`` are kept."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        """The ``callback_data`` for ``payload``, remembering it when it is a digest."""
        data = callback_data(payload)
        if data != payload:
            self._payloads[data] = payload
            self._payloads.move_to_end(data)
            while len(self._payloads) > self._capacity:
                self._payloads.popitem(last=False)
        return data

    def payload_of(self, data: str, offered: Iterable[str] = ()) -> str | None:
        """The payload a button's ``callback_data`` stands for; a digest is looked up here,
        then among ``offered`` (the conversation's offered payloads); None if not found."""
        if not data.startswith(DIGEST_PREFIX):
            return data
        known = self._payloads.get(data)
        if known is not None:
            return known
        return next((p for p in offered if digest_of(p) == data), None)


class PressedOnce:
    """Which messages' keyboards were already used (the newest ``capacity``)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._pressed: OrderedDict[tuple[int, int], None] = OrderedDict()

    def first_press(self, chat_id: int, message_id: int) -> bool:
        """True the first time a keyboard of message ``message_id`` is pressed."""
        key = (chat_id, message_id)
        if key in self._pressed:
            return False
        self._pressed[key] = None
        if len(self._pressed) > self._capacity:
            self._pressed.popitem(last=False)
        return True


class ReplyKeyboards:
    """The reply keyboard each chat was shown: which typed titles stand for which payloads, and
    whether it still has to be taken away."""

    def __init__(self) -> None:
        self._offered: dict[int, dict[str, str]] = {}

    def shown(self, chat_id: int, buttons: Iterable[Button]) -> None:
        self._offered[chat_id] = {button.title: button.payload for button in buttons}

    def payload_for(self, chat_id: int, text: str) -> str | None:
        """The payload of the reply-keyboard button whose title is ``text``, if it is one."""
        return self._offered.get(chat_id, {}).get(text)

    def is_shown(self, chat_id: int) -> bool:
        return chat_id in self._offered

    def removed(self, chat_id: int) -> None:
        self._offered.pop(chat_id, None)
