"""The order database: typed SQLAlchemy 2 models.

Conventions: UTC-aware timestamps; money in integer minor units; every value the assistant
looks things up by has a normalised ``*_key`` column with an index (see :mod:`delivery.normalize`);
local delivery dates and windows are in the carrier's timezone.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delivery.db.base import (
    Base,
    BigIntPK,
    intpk,
    json_value,
    references,
    str_name,
    str_short,
    string_enum,
    utc_timestamp,
)
from delivery.vocabulary import (
    ChangeKind,
    Channel,
    OrderStatus,
    PickupPointKind,
    ReturnReason,
    ReturnStatus,
    ShipmentStatus,
    VerificationMethod,
)


def first_name_of(name: str) -> str:
    """What a customer is greeted by: the first word of their name."""
    return name.split()[0] if name.strip() else name


def fill_tracking_url(template: str | None, tracking_number: str) -> str | None:
    """The carrier's tracking page for a parcel, from a template with '{tracking_number}'."""
    if not template:
        return None
    return template.replace("{tracking_number}", tracking_number)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[intpk]
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # the shop's id
    name: Mapped[str_name]
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_key: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    notifications_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[utc_timestamp]
    updated_at: Mapped[utc_timestamp]

    orders: Mapped[list[Order]] = relationship(back_populates="customer")

    @property
    def first_name(self) -> str:
        return first_name_of(self.name)


class Carrier(Base):
    """A carrier and the rules it applies to changes customers ask for."""

    __tablename__ = "carriers"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str_name]
    timezone: Mapped[str] = mapped_column(String(64))
    tracking_url_template: Mapped[str | None] = mapped_column(String(500))
    # A change must be made at least this many hours before the window it moves away from
    # and the window it moves to begin.
    reschedule_cutoff_hours: Mapped[int] = mapped_column(Integer)
    # How many days after the earliest possible delivery date a customer may pick.
    reschedule_max_days_ahead: Mapped[int] = mapped_column(Integer)
    # [["09:00", "13:00"], ...] local time windows the carrier delivers in.
    delivery_windows: Mapped[json_value]
    # ISO weekdays the carrier delivers on (1 = Monday ... 7 = Sunday).
    delivery_weekdays: Mapped[json_value]
    # How many parcels one delivery window can take through customer changes.
    slot_capacity: Mapped[int] = mapped_column(Integer)
    supports_pickup_points: Mapped[bool] = mapped_column(Boolean)
    supports_return_pickup: Mapped[bool] = mapped_column(Boolean)

    def tracking_url(self, tracking_number: str) -> str | None:
        return fill_tracking_url(self.tracking_url_template, tracking_number)


class PickupPoint(Base):
    __tablename__ = "pickup_points"
    __table_args__ = (Index("ix_pickup_points_location", "latitude", "longitude"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    carrier_id: Mapped[int] = references("carriers.id")
    kind: Mapped[PickupPointKind] = mapped_column(string_enum(PickupPointKind))
    name: Mapped[str_name]
    street: Mapped[str_name]
    city: Mapped[str] = mapped_column(String(100))
    city_key: Mapped[str] = mapped_column(String(100), index=True)
    postcode: Mapped[str] = mapped_column(String(16))
    postcode_key: Mapped[str] = mapped_column(String(16), index=True)
    country: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    # {"mon": [["08:00", "20:00"]], "sun": []} in the carrier's timezone.
    opening_hours: Mapped[json_value]
    capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    carrier: Mapped[Carrier] = relationship()


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[intpk]
    number: Mapped[str_short]  # as the shop shows it, e.g. "#100234"
    number_key: Mapped[str] = mapped_column(String(64), unique=True)  # normalised, for lookups
    customer_id: Mapped[int] = references("customers.id")
    status: Mapped[OrderStatus] = mapped_column(string_enum(OrderStatus), default=OrderStatus.OPEN)
    placed_at: Mapped[utc_timestamp]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[utc_timestamp]
    updated_at: Mapped[utc_timestamp]

    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("carrier_id", "tracking_number"),
        # Counting the parcels booked into a delivery window (slot capacity).
        Index("ix_shipments_carrier_slot", "carrier_id", "promised_date", "promised_window_start"),
    )

    id: Mapped[intpk]
    order_id: Mapped[int] = references("orders.id", ondelete="CASCADE")
    carrier_id: Mapped[int] = references("carriers.id", index=False)
    tracking_number: Mapped[str_short]
    status: Mapped[ShipmentStatus] = mapped_column(string_enum(ShipmentStatus))
    status_updated_at: Mapped[utc_timestamp]
    # The delivery date and window the customer can count on (moved when they reschedule) and
    # the shop's first promise (kept for on-time-in-full).
    promised_date: Mapped[dt.date]
    promised_window_start: Mapped[dt.time | None] = mapped_column(Time)
    promised_window_end: Mapped[dt.time | None] = mapped_column(Time)
    original_promised_date: Mapped[dt.date]
    # The carrier's latest estimate; later than the promise when delayed.
    eta_date: Mapped[dt.date | None]
    eta_window_start: Mapped[dt.time | None] = mapped_column(Time)
    eta_window_end: Mapped[dt.time | None] = mapped_column(Time)
    shipped_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    # Delivery address (home delivery) ...
    recipient_name: Mapped[str_name]
    street: Mapped[str_name]
    city: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(16))
    postcode_key: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # ... unless the parcel goes to a pickup point or locker instead.
    pickup_point_id: Mapped[int | None] = references("pickup_points.id", nullable=True)
    created_at: Mapped[utc_timestamp]
    updated_at: Mapped[utc_timestamp]

    order: Mapped[Order] = relationship(back_populates="shipments")
    carrier: Mapped[Carrier] = relationship()
    pickup_point: Mapped[PickupPoint | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="shipment")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment",
        cascade="all, delete-orphan",
        order_by="(TrackingEvent.occurred_at, TrackingEvent.id)",
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_ref"),)

    id: Mapped[intpk]
    order_id: Mapped[int] = references("orders.id", ondelete="CASCADE", index=False)
    line_ref: Mapped[str_short]  # the shop's id for the line, unique within the order
    sku: Mapped[str_short]
    name: Mapped[str_name]
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    returnable: Mapped[bool] = mapped_column(Boolean, default=True)
    image_url: Mapped[str | None] = mapped_column(String(500))
    shipment_id: Mapped[int | None] = references("shipments.id", nullable=True, ondelete="SET NULL")

    order: Mapped[Order] = relationship(back_populates="lines")
    shipment: Mapped[Shipment | None] = relationship(back_populates="lines")


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (
        Index("ix_tracking_events_shipment_time", "shipment_id", "occurred_at"),
        # A carrier's event id makes webhook deliveries idempotent.
        UniqueConstraint("shipment_id", "external_id"),
    )

    id: Mapped[intpk]
    shipment_id: Mapped[int] = references("shipments.id", ondelete="CASCADE", index=False)
    external_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[ShipmentStatus] = mapped_column(string_enum(ShipmentStatus))
    raw_code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[utc_timestamp]
    recorded_at: Mapped[utc_timestamp]

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class TrackingCheck(Base):
    """When the carrier's API was last asked about a shipment, and last answered.

    ``checked_at``: the last time we asked, whatever came of it (the carrier poller asks the
    longest-unasked first); ``refreshed_at``: the last time its answer was applied (how fresh
    the tracking is; a webhook's news shows in its events' ``recorded_at``). A row only for
    shipments asked about: the poller's bookkeeping, kept off the shipments table, which the
    import and the demo seeding write whole.
    """

    __tablename__ = "tracking_checks"

    shipment_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True
    )
    checked_at: Mapped[dt.datetime] = mapped_column(index=True)
    refreshed_at: Mapped[dt.datetime | None]


class DeliveryChange(Base):
    """A change a customer made to a shipment: a new slot, or a pickup point instead of home."""

    __tablename__ = "delivery_changes"

    id: Mapped[intpk]
    shipment_id: Mapped[int] = references("shipments.id", ondelete="CASCADE")
    kind: Mapped[ChangeKind] = mapped_column(string_enum(ChangeKind))
    before: Mapped[json_value]
    after: Mapped[json_value]
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[utc_timestamp]


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[intpk]
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    order_id: Mapped[int] = references("orders.id", ondelete="CASCADE")
    customer_id: Mapped[int] = references("customers.id")
    carrier_id: Mapped[int] = references("carriers.id", index=False)
    status: Mapped[ReturnStatus] = mapped_column(string_enum(ReturnStatus))
    reason: Mapped[ReturnReason] = mapped_column(string_enum(ReturnReason))
    comment: Mapped[str | None] = mapped_column(Text)
    pickup_date: Mapped[dt.date]
    pickup_window_start: Mapped[dt.time] = mapped_column(Time)
    pickup_window_end: Mapped[dt.time] = mapped_column(Time)
    created_at: Mapped[utc_timestamp]
    updated_at: Mapped[utc_timestamp]

    order: Mapped[Order] = relationship()
    carrier: Mapped[Carrier] = relationship()
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="return_", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )


class ReturnLine(Base):
    __tablename__ = "return_lines"

    id: Mapped[intpk]
    return_id: Mapped[int] = references("returns.id", ondelete="CASCADE")
    order_line_id: Mapped[int] = references("order_lines.id", ondelete="CASCADE")
    quantity: Mapped[int] = mapped_column(Integer)

    return_: Mapped[Return] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()


class ChannelIdentity(Base):
    """A chat on a channel (a Telegram chat, a widget session) and the customer it proved to be."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[intpk]
    channel: Mapped[Channel] = mapped_column(string_enum(Channel))
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int | None] = references("customers.id", nullable=True)
    verified_via: Mapped[VerificationMethod | None] = mapped_column(string_enum(VerificationMethod))
    verified_at: Mapped[dt.datetime | None]
    created_at: Mapped[utc_timestamp]

    customer: Mapped[Customer | None] = relationship()


class VerificationAttempt(Base):
    """One try at proving ownership; failures within the window lead to a lockout."""

    __tablename__ = "verification_attempts"
    __table_args__ = (
        Index("ix_verification_attempts_order_time", "order_key", "created_at"),
        Index("ix_verification_attempts_conversation_time", "conversation_key", "created_at"),
    )

    id: Mapped[intpk]
    order_key: Mapped[str | None] = mapped_column(String(64))
    conversation_key: Mapped[str] = mapped_column(String(200))
    method: Mapped[VerificationMethod] = mapped_column(string_enum(VerificationMethod))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[utc_timestamp]


class AuditEntry(Base):
    """Every change made through the assistant; the idempotency key makes replays harmless."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[intpk]
    occurred_at: Mapped[utc_timestamp]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigIntPK)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class TranscriptSender(StrEnum):
    """Who wrote a transcript entry."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


class DeliveryState(StrEnum):
    """Where a customer's message is on its way to the assistant."""

    PENDING = "pending"  # kept until Rasa has answered it (retried while Rasa is down)
    DELIVERED = "delivered"
    FAILED = "failed"  # Rasa refused it (a client error): never retried


class TranscriptEntry(Base):
    """One message of a customer conversation as the gateway saw it: the customer's, the
    bot's (with the buttons it offered) or a live agent's. The widget's history, the button
    guard and the staff console read it; pending customer messages survive a restart here."""

    __tablename__ = "transcript_entries"
    __table_args__ = (
        Index("ix_transcript_entries_conversation", "conversation_id", "id"),
        # The few pending messages, found at startup without scanning every conversation.
        Index("ix_transcript_entries_delivery_state", "delivery_state"),
    )

    id: Mapped[intpk]
    channel: Mapped[Channel] = mapped_column(string_enum(Channel))
    # The conversation's Rasa sender id ("web-<session id>", "tg-<chat id>").
    conversation_id: Mapped[str] = mapped_column(String(200))
    sender: Mapped[TranscriptSender] = mapped_column(string_enum(TranscriptSender))
    text: Mapped[str | None] = mapped_column(Text)
    # [{"title": ..., "payload": ...}] offered with a bot message.
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON(none_as_null=True))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    custom: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Customer messages: the metadata that goes to Rasa with the text (kept for retries); bot
    # messages: what raised them (e.g. {"notification_id": 7}). Customer messages only: whether
    # Rasa has it yet.
    message_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    delivery_state: Mapped[DeliveryState | None] = mapped_column(string_enum(DeliveryState))
    created_at: Mapped[utc_timestamp]
    delivered_at: Mapped[dt.datetime | None]


# The staff and notification tables share this metadata: importing the models registers them too.
from delivery.db import notification_models as notification_models  # noqa: E402
from delivery.db import staff_models as staff_models  # noqa: E402
