"""The domain's closed sets of values: statuses, kinds and methods.

They are StrEnums so that they compare equal to the plain strings stored in the database and
carried in Rasa slots, and so that a new value needs no schema migration.
"""

from __future__ import annotations

from enum import StrEnum


class ShipmentStatus(StrEnum):
    """A shipment's normalised status; each carrier's own codes are mapped onto these."""

    PENDING = "pending"  # the order is placed, nothing handed to the carrier yet
    INFO_RECEIVED = "info_received"  # label created, carrier told, parcel not picked up
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"  # waiting at the chosen pickup point or locker
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    DELAYED = "delayed"
    RETURNED_TO_SENDER = "returned_to_sender"


#: Statuses after which the parcel's journey is over.
FINAL_SHIPMENT_STATUSES = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER})

#: Statuses that mean something went wrong and the customer deserves an explanation.
PROBLEM_SHIPMENT_STATUSES = frozenset(
    {ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.EXCEPTION, ShipmentStatus.DELAYED}
)


class TimelineStage(StrEnum):
    """The steps of the customer-facing timeline, in order."""

    ORDERED = "ordered"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"


class OrderStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class PickupPointKind(StrEnum):
    PICKUP_POINT = "pickup_point"
    LOCKER = "locker"


class ChangeKind(StrEnum):
    """What a delivery change did to a shipment."""

    RESCHEDULE = "reschedule"
    PICKUP_POINT = "pickup_point"


class ReturnStatus(StrEnum):
    SCHEDULED = "scheduled"  # pickup booked
    COLLECTED = "collected"  # the carrier has the parcel
    RECEIVED = "received"  # back at the shop's warehouse
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


#: Return statuses that can still be moved or cancelled by the customer.
OPEN_RETURN_STATUSES = frozenset({ReturnStatus.SCHEDULED})


class ReturnReason(StrEnum):
    DOES_NOT_FIT = "does_not_fit"
    NOT_AS_DESCRIBED = "not_as_described"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class VerificationMethod(StrEnum):
    """How a conversation proved it belongs to a customer."""

    ORDER_EMAIL = "order_email"
    ORDER_POSTCODE = "order_postcode"
    PHONE = "phone"
    SHOP_TOKEN = "shop_token"  # noqa: S105  (a method name, not a secret)


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"


class HandoffReason(StrEnum):
    """Why a conversation was handed from the bot to a person."""

    CUSTOMER_REQUEST = "customer_request"
    MISUNDERSTOOD = "misunderstood"  # the bot failed to understand twice in a row
    LOCKOUT = "lockout"  # verification locked out
    UPSET = "upset"  # the gateway judged the customer upset
    CLAIM = "claim"  # a damaged or missing item claim was recorded


class HandoffStatus(StrEnum):
    WAITING = "waiting"  # in the queue, no person yet
    ACTIVE = "active"  # a person holds the conversation
    RETURNED = "returned"  # handed back to the bot
    CLOSED = "closed"


class HandoffOutcome(StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    NO_REPLY = "no_reply"  # the customer left before a person could help
    HANDED_BACK = "handed_back"


class StaffRole(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"  # may also manage the canned replies
