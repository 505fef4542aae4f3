"""A phone number shared as a Telegram contact, as proof of who the chat is.

Telegram vouches for a contact's number only when the contact is the sender's own
(``contact.user_id == from_user.id``; the handler checks that). Such a number that belongs to
exactly one customer links the chat to them (``verify_phone`` + ``link_channel``, method
``phone``), so the actions find the customer in the database and ask for no further proof.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from bot.telegram.incoming import conversation_id
from delivery.db.session import unit_of_work
from delivery.services.identity import link_channel, verify_phone
from delivery.vocabulary import Channel, VerificationMethod


def link_by_phone(
    sessions: sessionmaker[Session], *, chat_id: int, phone: str, now: dt.datetime
) -> int | None:
    """Link chat ``chat_id`` to the customer whose number is ``phone``; their id, or None."""
    sender = conversation_id(chat_id)
    with unit_of_work(sessions, writes=True) as session:
        key = f"{Channel.TELEGRAM.value}:{sender}"  # the actions' conversation key
        customer = verify_phone(session, phone=phone, conversation_key=key, now=now)
        if customer is None:
            return None
        link_channel(
            session,
            channel=Channel.TELEGRAM,
            external_id=sender,
            customer_id=customer.id,
            method=VerificationMethod.PHONE,
            actor=f"gateway:{key}",
            now=now,
        )
        return customer.id
