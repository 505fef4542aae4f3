"""One turn of one conversation, as the actions see it: who is talking, on which channel, in
which language, and how to answer.

Wraps rasa-sdk's tracker and dispatcher so that actions read like the journey they implement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.names import Response, SlotName
from delivery.db.models import Customer
from delivery.services.identity import linked_customer
from delivery.vocabulary import Channel

DEFAULT_LANGUAGE = "en"

#: Rasa input channels that are Telegram; everything else (the widget's socket.io, REST) is web.
_TELEGRAM_CHANNELS = frozenset({"telegram"})


def channel_of(tracker: Tracker) -> Channel:
    latest = tracker.get_latest_input_channel()
    return Channel.TELEGRAM if latest in _TELEGRAM_CHANNELS else Channel.WEB


@dataclass
class Conversation:
    """The tracker and dispatcher of one action call, plus the time it runs at."""

    tracker: Tracker
    dispatcher: CollectingDispatcher
    now: dt.datetime
    domain: DomainDict = field(default_factory=dict)

    @property
    def sender_id(self) -> str:
        return str(self.tracker.sender_id)

    @property
    def channel(self) -> Channel:
        return channel_of(self.tracker)

    @property
    def key(self) -> str:
        """The conversation's key for lockouts and audit entries: channel and sender."""
        return f"{self.channel.value}:{self.sender_id}"

    @property
    def language(self) -> str:
        return str(self.tracker.get_slot(SlotName.LANGUAGE) or DEFAULT_LANGUAGE)

    def idempotency_key(self, action: str) -> str:
        """The same for every call of ``action`` on the customer's latest message, so that a
        retried call (the Rasa server retries, the customer double-clicks a button) changes
        nothing twice."""
        message_id = self.tracker.latest_message.get("message_id") or ""
        return f"{action}:{self.key}:{message_id}"

    def slot(self, name: SlotName) -> Any:
        return self.tracker.get_slot(name)

    @property
    def latest_text(self) -> str:
        return str(self.tracker.latest_message.get("text") or "")

    @property
    def latest_intent(self) -> str | None:
        intent = self.tracker.latest_message.get("intent") or {}
        name = intent.get("name")
        return str(name) if name else None

    @property
    def metadata(self) -> dict[str, Any]:
        """What the channel sent with the customer's latest message (language, name, a shared
        location). Rasa 3.6 keeps it on the user event, not in ``latest_message``."""
        for event in reversed(self.tracker.events):
            if event.get("event") == "user":
                metadata = event.get("metadata") or {}
                return metadata if isinstance(metadata, dict) else {}
        metadata = self.tracker.latest_message.get("metadata") or {}
        return metadata if isinstance(metadata, dict) else {}

    def entity(self, name: str) -> str | None:
        value = next(self.tracker.get_latest_entity_values(name), None)
        return None if value is None else str(value)

    def customer(self, session: Session) -> Customer | None:
        """The customer this conversation proved to be (the database says so, never a slot)."""
        return linked_customer(session, self.channel, self.sender_id)

    def say(
        self,
        response: Response | str,
        *,
        buttons: list[dict[str, str]] | None = None,
        **values: Any,
    ) -> None:
        self.dispatcher.utter_message(response=str(response), buttons=buttons or [], **values)
