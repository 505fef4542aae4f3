"""Where a customer can be told something: the chats the database links to them.

A customer may have several (a Telegram chat, a widget session on a laptop, another on a
phone). The sender tells them in one, not in all: the one they used last among those it can
reach now (a Telegram chat always, a widget session only while a widget is connected). A chat
that is with a live agent is not interrupted by the bot.

Plain functions over a session the caller owns, like :mod:`bot.transcript`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import ChannelIdentity, TranscriptEntry
from delivery.db.staff_models import Handoff
from delivery.services.handoffs import OPEN_STATUSES
from delivery.vocabulary import Channel


@dataclass(frozen=True)
class LinkedChat:
    channel: Channel
    conversation_id: str
    with_agent: bool  # a handoff is open: a person has (or is about to have) the chat


def linked_chats(session: Session, customer_id: int) -> list[LinkedChat]:
    """The customer's chats, the one with the latest message first (never-used ones last)."""
    identities = session.execute(
        select(ChannelIdentity.channel, ChannelIdentity.external_id).where(
            ChannelIdentity.customer_id == customer_id
        )
    ).all()
    if not identities:
        return []
    ids = [external_id for _, external_id in identities]
    last_entry = (
        select(TranscriptEntry.conversation_id, func.max(TranscriptEntry.id))
        .where(TranscriptEntry.conversation_id.in_(ids))
        .group_by(TranscriptEntry.conversation_id)
    )
    latest: dict[str, int] = dict(session.execute(last_entry).all())
    with_agent = set(
        session.scalars(
            select(Handoff.conversation_id).where(
                Handoff.conversation_id.in_(ids), Handoff.status.in_(OPEN_STATUSES)
            )
        )
    )
    chats = [
        LinkedChat(channel, external_id, external_id in with_agent)
        for channel, external_id in identities
    ]
    chats.sort(key=lambda chat: latest.get(chat.conversation_id, 0), reverse=True)
    return chats


def linked_customer_id(session: Session, channel: Channel, conversation_id: str) -> int | None:
    """The customer a chat proved to be, if any."""
    return session.scalar(
        select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == conversation_id
        )
    )
