"""Canned replies: ready-made answers agents insert into the conversation (admins keep them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.staff_models import CannedReply

MAX_TITLE_LENGTH = 80
MAX_TEXT_LENGTH = 1000


class CannedReplyError(ValueError):
    """A title or text the rules refuse."""


def list_canned_replies(session: Session) -> list[CannedReply]:
    """Every canned reply, by title."""
    return list(session.scalars(select(CannedReply).order_by(CannedReply.title, CannedReply.id)))


def add_canned_reply(session: Session, *, title: str, text: str, now: dt.datetime) -> CannedReply:
    """A new canned reply; :class:`CannedReplyError` for an empty or too long title or text."""
    title, text = title.strip(), text.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise CannedReplyError(f"a title has 1-{MAX_TITLE_LENGTH} characters")
    if not text or len(text) > MAX_TEXT_LENGTH:
        raise CannedReplyError(f"a reply has 1-{MAX_TEXT_LENGTH} characters")
    reply = CannedReply(title=title, text=text, created_at=now)
    session.add(reply)
    session.flush()
    return reply


def delete_canned_reply(session: Session, reply_id: int) -> bool:
    """Remove one canned reply; False when there was none with this id."""
    reply = session.get(CannedReply, reply_id)
    if reply is None:
        return False
    session.delete(reply)
    session.flush()
    return True
