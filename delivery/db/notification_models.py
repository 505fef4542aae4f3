"""Proactive notifications: the durable queue of messages the assistant sends before being asked.

Same metadata as :mod:`delivery.db.models`; importing either module registers every table.
See docs/notifications-design.md for the states, the dedup key and the leases. The customer's
opt-out is ``customers.notifications_opt_out``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

# The order tables (notifications refer to customers and shipments) register with this module,
# whichever is imported first; models imports this module back at its end.
from delivery.db import models  # noqa: F401
from delivery.db.base import Base, intpk, references, string_enum, utc_timestamp
from delivery.notifications.kinds import NotificationKind
from delivery.vocabulary import Channel


class NotificationStatus(StrEnum):
    QUEUED = "queued"  # waiting for its moment and a sender
    HELD = "held"  # no chat to deliver to: shown when the customer next opens the widget
    SENT = "sent"
    SKIPPED = "skipped"  # see SkipReason
    FAILED = "failed"  # attempts used up, or a permanent failure


#: Statuses in which a notification may still reach the customer.
OPEN_NOTIFICATION_STATUSES = (NotificationStatus.QUEUED, NotificationStatus.HELD)

#: The SQL predicate of a queued notification, for the partial index the senders scan.
QUEUED_SQL = "status = 'queued'"


class SkipReason(StrEnum):
    OPTED_OUT = "opted_out"
    SUPERSEDED = "superseded"  # a newer notification about the shipment made it moot
    EXPIRED = "expired"  # not sent while it was still worth saying


class Notification(Base):
    """One message owed to a customer about a shipment, from the change to its outcome."""

    __tablename__ = "notifications"
    __table_args__ = (
        # Due queued notifications, soonest first: what senders claim.
        Index(
            "ix_notifications_due",
            "not_before",
            sqlite_where=sql_text(QUEUED_SQL),
            postgresql_where=sql_text(QUEUED_SQL),
        ),
        # A customer's open notifications (the widget, opting out); a shipment's (superseding).
        Index("ix_notifications_customer_status", "customer_id", "status"),
        Index("ix_notifications_shipment_status", "shipment_id", "status"),
    )

    id: Mapped[intpk]
    customer_id: Mapped[int] = references("customers.id", index=False)
    shipment_id: Mapped[int] = references("shipments.id", ondelete="CASCADE", index=False)
    kind: Mapped[NotificationKind] = mapped_column(string_enum(NotificationKind))
    # "<shipment>:<kind>:<event or date>": the same event never notifies twice.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What the message is worded from: dates, window, the carrier's words, the voucher flag.
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[NotificationStatus] = mapped_column(string_enum(NotificationStatus))
    skip_reason: Mapped[SkipReason | None] = mapped_column(string_enum(SkipReason))
    # When it becomes worth saying (now, or a while after delivery for the rating question),
    # and the moment it may go out: due_at moved out of quiet hours, later after a failure.
    due_at: Mapped[utc_timestamp]
    not_before: Mapped[utc_timestamp]
    expires_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The lease: the sender holding it, until when. Expired leases are claimed again.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None]
    created_at: Mapped[utc_timestamp]
    sent_at: Mapped[dt.datetime | None]
    # Where it went: the channel and the conversation's Rasa sender id ("tg-<chat id>").
    channel: Mapped[Channel | None] = mapped_column(string_enum(Channel))
    conversation_id: Mapped[str | None] = mapped_column(String(200))
