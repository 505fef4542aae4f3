"""The conversation store: every customer, bot and agent message the gateway saw.

It is read back as the history a reconnecting widget shows, tells which buttons the bot
offered last (the relay's guard against typed ``/intent{...}`` messages), keeps customer
messages ``pending`` until Rasa has answered them (so none is lost while Rasa is down, even
across a restart), and is what the staff console shows an agent.

Plain functions over a session the caller owns (one unit of work per call site), like the
domain services; the relay runs them in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from delivery.db.models import DeliveryState, TranscriptEntry, TranscriptSender
from delivery.vocabulary import Channel

#: How far back the button guard looks for the bot's latest turn.
_LATEST_TURN_SCAN = 50


def iso_utc(moment: dt.datetime) -> str:
    """A moment as the widget and the console read it: ISO 8601 in UTC, with a "Z"."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """One message for the customer, channel-neutral."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: dict[str, Any] | None = None
    agent: str | None = None  # a live agent's display name: the message is theirs


@dataclass(frozen=True)
class TranscriptMessage:
    """One entry of a conversation, as the history shows it."""

    id: int
    sender: TranscriptSender
    text: str | None
    buttons: tuple[Button, ...]
    image: str | None
    custom: dict[str, Any] | None
    at: dt.datetime
    delivery_state: DeliveryState | None = None

    def as_dict(self) -> dict[str, Any]:
        """The shape of one message in the widget's ``history`` event."""
        shown: dict[str, Any] = {
            "sender": self.sender.value,
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
            "at": iso_utc(self.at),
        }
        if self.image:
            shown["image"] = self.image
        if self.custom is not None:
            shown["custom"] = self.custom
        return shown


@dataclass(frozen=True)
class PendingMessage:
    """A customer message Rasa has not answered yet, with what it needs to be sent again."""

    entry_id: int
    channel: Channel
    conversation_id: str
    text: str
    metadata: dict[str, Any]


def add_customer_message(
    session: Session,
    *,
    channel: Channel,
    conversation_id: str,
    text: str,
    metadata: dict[str, Any],
    now: dt.datetime,
) -> int:
    """Store a customer's message as pending; its entry id."""
    entry = TranscriptEntry(
        channel=channel,
        conversation_id=conversation_id,
        sender=TranscriptSender.CUSTOMER,
        text=text,
        message_metadata=metadata,
        delivery_state=DeliveryState.PENDING,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry.id


def add_bot_messages(
    session: Session,
    *,
    channel: Channel,
    conversation_id: str,
    messages: Sequence[Outgoing],
    now: dt.datetime,
    tag: dict[str, Any] | None = None,
) -> None:
    """Store the bot's replies; ``tag`` is kept with each (e.g. the notification they tell)."""
    entries = [
        _outgoing_entry(channel, conversation_id, TranscriptSender.BOT, message, now)
        for message in messages
    ]
    for entry in entries:
        entry.message_metadata = tag
    session.add_all(entries)
    session.flush()


def add_agent_message(
    session: Session,
    *,
    channel: Channel,
    conversation_id: str,
    message: Outgoing,
    now: dt.datetime,
) -> int:
    """Store a live agent's message (the staff console's replies)."""
    entry = _outgoing_entry(channel, conversation_id, TranscriptSender.AGENT, message, now)
    session.add(entry)
    session.flush()
    return entry.id


def mark_delivered(session: Session, entry_id: int, now: dt.datetime) -> None:
    _set_state(session, entry_id, DeliveryState.DELIVERED, now)


def mark_failed(session: Session, entry_id: int) -> None:
    _set_state(session, entry_id, DeliveryState.FAILED, None)


def history(session: Session, conversation_id: str, limit: int = 50) -> list[TranscriptMessage]:
    """The conversation's latest ``limit`` messages, oldest first."""
    latest = session.scalars(
        select(TranscriptEntry)
        .where(TranscriptEntry.conversation_id == conversation_id)
        .order_by(TranscriptEntry.id.desc())
        .limit(limit)
    ).all()
    return [_message(entry) for entry in reversed(latest)]


def offered_payloads(session: Session, conversation_id: str) -> frozenset[str]:
    """The payloads of the buttons in the bot's latest turn (its latest run of messages).

    Customer and agent messages after that turn do not end it: a customer who typed something
    while Rasa was down still sees, and may press, the buttons the bot last offered.
    """
    entries = session.execute(
        select(TranscriptEntry.sender, TranscriptEntry.buttons)
        .where(TranscriptEntry.conversation_id == conversation_id)
        .order_by(TranscriptEntry.id.desc())
        .limit(_LATEST_TURN_SCAN)
    ).all()
    payloads: set[str] = set()
    in_turn = False
    for sender, buttons in entries:
        if sender is TranscriptSender.BOT:
            in_turn = True
            payloads.update(str(b["payload"]) for b in buttons or () if "payload" in b)
        elif in_turn:
            break
    return frozenset(payloads)


def recent_customer_texts(session: Session, conversation_id: str, limit: int) -> list[str]:
    """The customer's latest ``limit`` messages, oldest first."""
    texts = session.scalars(
        select(TranscriptEntry.text)
        .where(
            TranscriptEntry.conversation_id == conversation_id,
            TranscriptEntry.sender == TranscriptSender.CUSTOMER,
        )
        .order_by(TranscriptEntry.id.desc())
        .limit(limit)
    ).all()
    return [text or "" for text in reversed(texts)]


def latest_language(session: Session, conversation_id: str) -> str | None:
    """The language the customer's latest message came with, if the channel said."""
    metadata = session.scalars(
        select(TranscriptEntry.message_metadata)
        .where(
            TranscriptEntry.conversation_id == conversation_id,
            TranscriptEntry.sender == TranscriptSender.CUSTOMER,
        )
        .order_by(TranscriptEntry.id.desc())
        .limit(1)
    ).first()
    language = (metadata or {}).get("language")
    return language if isinstance(language, str) else None


def pending_messages(session: Session, *, before: dt.datetime) -> list[PendingMessage]:
    """Every customer message written before ``before`` and still waiting for Rasa, in the
    order they were written."""
    entries = session.scalars(
        select(TranscriptEntry)
        .where(
            TranscriptEntry.delivery_state == DeliveryState.PENDING,
            TranscriptEntry.created_at < before,
        )
        .order_by(TranscriptEntry.id)
    ).all()
    return [
        PendingMessage(
            entry_id=entry.id,
            channel=entry.channel,
            conversation_id=entry.conversation_id,
            text=entry.text or "",
            metadata=dict(entry.message_metadata or {}),
        )
        for entry in entries
    ]


def _outgoing_entry(
    channel: Channel,
    conversation_id: str,
    sender: TranscriptSender,
    message: Outgoing,
    now: dt.datetime,
) -> TranscriptEntry:
    buttons = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    return TranscriptEntry(
        channel=channel,
        conversation_id=conversation_id,
        sender=sender,
        text=message.text,
        buttons=buttons or None,
        image_url=message.image,
        # An agent's name is kept with their message, for the history and the console.
        custom={**(message.custom or {}), "agent": message.agent}
        if message.agent
        else message.custom,
        created_at=now,
    )


def _set_state(
    session: Session, entry_id: int, state: DeliveryState, delivered_at: dt.datetime | None
) -> None:
    session.execute(
        update(TranscriptEntry)
        .where(TranscriptEntry.id == entry_id)
        .values(delivery_state=state, delivered_at=delivered_at)
    )


def _message(entry: TranscriptEntry) -> TranscriptMessage:
    return TranscriptMessage(
        id=entry.id,
        sender=entry.sender,
        text=entry.text,
        buttons=tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in entry.buttons or ()
        ),
        image=entry.image_url,
        custom=entry.custom,
        at=entry.created_at,
        delivery_state=entry.delivery_state,
    )
