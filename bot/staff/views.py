"""The staff console's JSON: handoffs, transcripts, customers and their orders as plain dicts.

One shape per thing, shared by the HTTP API and the live channel, so the console renders a
queue entry the same whichever way it arrived. Moments are ISO 8601 in UTC ("...Z"); local
dates (promised, ETA) are the carrier's own dates, as the customer was told them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from bot.transcript import TranscriptMessage, iso_utc
from delivery.db.models import Customer, TranscriptSender
from delivery.db.staff_models import CannedReply
from delivery.services.handoffs import HandoffView
from delivery.services.problems import DeliveryDate, Problem
from delivery.services.tracking import Item, OrderTracking, ShipmentTracking
from delivery.vocabulary import HandoffStatus

#: Tracking events shown per shipment (newest first); the timeline summarises the rest.
EVENTS_SHOWN = 5


def moment(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return iso_utc(value)


def handoff_dict(view: HandoffView, *, now: dt.datetime) -> dict[str, Any]:
    """One handoff. ``waiting_seconds``: how long it has waited so far (waiting ones) or had
    waited until a person took it; counted on the server, so the console's clock does not
    matter."""
    waited_until = now if view.status is HandoffStatus.WAITING else view.claimed_at or view.ended_at
    waiting = max(0, int(((waited_until or now) - view.requested_at).total_seconds()))
    # The raw conversation id is left out on purpose: for the widget it is the customer's
    # session id, which is all it takes to join their chat.
    return {
        "id": view.handoff_id,
        "channel": view.channel.value,
        "customer_id": view.customer_id,
        "customer_name": view.customer_name,
        "reason": view.reason.value,
        "status": view.status.value,
        "requested_at": moment(view.requested_at),
        "waiting_seconds": waiting,
        "claimed_by_id": view.claimed_by_id,
        "claimed_by_name": view.claimed_by_name,
        "claimed_at": moment(view.claimed_at),
        "ended_at": moment(view.ended_at),
        "outcome": view.outcome.value if view.outcome is not None else None,
        "detail": view.detail,
    }


def queue_dict(views: Iterable[HandoffView], *, now: dt.datetime) -> dict[str, Any]:
    """The ``queue`` event and ``GET /agent/api/queue``: the open handoffs, as staff_queue
    orders them (waiting oldest first, then active)."""
    return {"handoffs": [handoff_dict(view, now=now) for view in views], "at": moment(now)}


def transcript_dicts(messages: Sequence[TranscriptMessage]) -> list[dict[str, Any]]:
    """The conversation as the widget's history shapes it, plus each entry's id and, on an
    agent's message, the agent's name."""
    return [_message(message) for message in messages]


def _message(message: TranscriptMessage) -> dict[str, Any]:
    shown: dict[str, Any] = {"id": message.id, **message.as_dict()}
    custom = shown.get("custom")
    # The transcript keeps an agent's name in the entry's custom data.
    if message.sender is TranscriptSender.AGENT and isinstance(custom, dict) and "agent" in custom:
        shown.setdefault("agent", custom["agent"])
        rest = {key: value for key, value in custom.items() if key != "agent"}
        if rest:
            shown["custom"] = rest
        else:
            del shown["custom"]
    return shown


def customer_dict(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
    }


def order_dict(order: OrderTracking) -> dict[str, Any]:
    return {
        "number": order.order_number,
        "status": order.order_status.value,
        "placed_at": moment(order.placed_at),
        "stage": order.stage.value,
        "has_problem": order.has_problem,
        "preparing": [_item(item) for item in order.preparing],
        "shipments": [_shipment(shipment) for shipment in order.shipments],
    }


def canned_dict(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.id, "title": reply.title, "text": reply.text}


def jsonable(value: Any) -> Any:
    """``value`` with datetimes, dates and enums turned into what JSON can carry (events from
    the desk pass through here before the socket sends them)."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return moment(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _shipment(shipment: ShipmentTracking) -> dict[str, Any]:
    point = shipment.pickup_point
    return {
        "carrier": shipment.carrier_name,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status.value,
        "stage": shipment.stage.value,
        "promised": _delivery_date(shipment.promised),
        "eta": _delivery_date(shipment.eta),
        "delivered_at": moment(shipment.delivered_at),
        "is_late": shipment.is_late,
        "days_late": shipment.days_late,
        "problem": _problem(shipment.problem),
        "pickup_point": None
        if point is None
        else {
            "name": point.name,
            "street": point.street,
            "postcode": point.postcode,
            "city": point.city,
            "kind": point.kind.value,
        },
        "items": [_item(item) for item in shipment.items],
        "timeline": [
            {
                "stage": step.stage.value,
                "reached": step.reached,
                "current": step.current,
                "at": moment(step.at),
            }
            for step in shipment.timeline
        ],
        "events": [
            {
                "status": event.status.value,
                "description": event.description,
                "location": event.location,
                "at": moment(event.occurred_at),
            }
            for event in shipment.events[:EVENTS_SHOWN]
        ],
    }


def _delivery_date(date: DeliveryDate | None) -> dict[str, Any] | None:
    if date is None:
        return None
    return {
        "date": date.date.isoformat(),
        "window_start": date.window_start.strftime("%H:%M") if date.window_start else None,
        "window_end": date.window_end.strftime("%H:%M") if date.window_end else None,
    }


def _problem(problem: Problem | None) -> dict[str, Any] | None:
    if problem is None:
        return None
    return {
        "kind": problem.kind.value,
        "description": problem.description,
        "location": problem.location,
        "at": moment(problem.happened_at),
        "next_step": problem.next_step.value,
    }


def _item(item: Item) -> dict[str, Any]:
    return {"name": item.name, "quantity": item.quantity}
