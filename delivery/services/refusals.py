"""Why a service said no. Callers turn a reason into the customer's answer (a domain response).

A refusal is an expected outcome, not a failure: services raise :class:`Refused` with a reason
code and the facts an answer needs (e.g. the cut-off time that has passed), and nothing has been
written when they do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RefusalReason(StrEnum):
    # delivery changes
    OUT_FOR_DELIVERY = "out_for_delivery"
    ALREADY_DELIVERED = "already_delivered"
    RETURNED_TO_SENDER = "returned_to_sender"
    UNDER_INVESTIGATION = "under_investigation"  # a carrier exception is being dealt with
    AT_PICKUP_POINT = "at_pickup_point"  # already going to / waiting at a pickup point
    PAST_CUTOFF = "past_cutoff"
    SLOT_UNAVAILABLE = "slot_unavailable"
    NO_SLOTS = "no_slots"
    PICKUP_POINTS_NOT_SUPPORTED = "pickup_points_not_supported"
    POINT_NOT_SERVED = "point_not_served"  # another carrier's point, or closed down
    POINT_FULL = "point_full"
    ORDER_CANCELLED = "order_cancelled"
    # returns
    NOTHING_RETURNABLE = "nothing_returnable"
    LINE_NOT_ELIGIBLE = "line_not_eligible"
    RETURN_PICKUP_NOT_SUPPORTED = "return_pickup_not_supported"
    RETURN_NOT_OPEN = "return_not_open"
    INVALID_QUANTITY = "invalid_quantity"


class Refused(Exception):
    """The service will not do this; ``reason`` says why and ``details`` carries the facts."""

    def __init__(self, reason: RefusalReason, **details: Any) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.details = details
