"""The staff side of the order database: people who answer customers, and handoffs to them.

Same metadata as :mod:`delivery.db.models`; importing either module registers every table.
See docs/handoff-design.md for the life of a handoff.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

# The order tables (handoffs refer to customers) register with this module, whichever is
# imported first; models imports this module back at its end.
from delivery.db import models  # noqa: F401
from delivery.db.base import Base, intpk, references, str_name, string_enum, utc_timestamp
from delivery.vocabulary import Channel, HandoffOutcome, HandoffReason, HandoffStatus, StaffRole

#: The SQL predicate of an open (waiting or active) handoff, for the partial unique index.
OPEN_HANDOFF_SQL = "status IN ('waiting', 'active')"


class StaffUser(Base):
    """A person who may sign in to the staff console."""

    __tablename__ = "staff_users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(32), unique=True)  # normalised: lowercase
    display_name: Mapped[str_name]  # what customers see: "Maria has joined the conversation"
    password_hash: Mapped[str] = mapped_column(String(255))  # see delivery.services.passwords
    role: Mapped[StaffRole] = mapped_column(string_enum(StaffRole))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[utc_timestamp]
    last_login_at: Mapped[dt.datetime | None]


class StaffSession(Base):
    """A signed-in console. Only the SHA-256 of the cookie's token is kept, so a leaked table
    cannot be replayed as a login."""

    __tablename__ = "staff_sessions"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = references("staff_users.id", ondelete="CASCADE")
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[utc_timestamp]
    expires_at: Mapped[utc_timestamp]
    last_seen_at: Mapped[utc_timestamp]

    user: Mapped[StaffUser] = relationship()


class Handoff(Base):
    """One conversation handed from the bot to a person, from the request to its end."""

    __tablename__ = "handoffs"
    __table_args__ = (
        # The queue: open handoffs, oldest first.
        Index("ix_handoffs_status_requested", "status", "requested_at"),
        Index("ix_handoffs_conversation", "conversation_id"),
        # The usual wait: handoffs claimed in the last week.
        Index("ix_handoffs_claimed_at", "claimed_at"),
        # At most one open handoff per conversation: asking twice joins the same queue place.
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=sql_text(OPEN_HANDOFF_SQL),
            postgresql_where=sql_text(OPEN_HANDOFF_SQL),
        ),
    )

    id: Mapped[intpk]
    # The conversation's Rasa sender id ("web-<session id>", "tg-<chat id>").
    conversation_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel))
    customer_id: Mapped[int | None] = references("customers.id", nullable=True)
    reason: Mapped[HandoffReason] = mapped_column(string_enum(HandoffReason))
    status: Mapped[HandoffStatus] = mapped_column(string_enum(HandoffStatus))
    detail: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[utc_timestamp]
    claimed_by_id: Mapped[int | None] = references("staff_users.id", nullable=True)
    claimed_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    ended_by_id: Mapped[int | None] = references("staff_users.id", nullable=True)
    outcome: Mapped[HandoffOutcome | None] = mapped_column(string_enum(HandoffOutcome))

    claimed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[claimed_by_id])
    ended_by: Mapped[StaffUser | None] = relationship(foreign_keys=[ended_by_id])


class CannedReply(Base):
    """A ready-made answer an agent can insert into a reply."""

    __tablename__ = "canned_replies"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[utc_timestamp]
