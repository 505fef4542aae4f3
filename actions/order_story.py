"""An order's tracking story turned into the messages that tell it (response names + values).

Pure: no database, no Rasa. :mod:`actions.order_status` sends what this builds. A parcel whose
carrier could not be asked just now (:class:`~delivery.carriers.on_demand.NotRefreshed`) is told
as last known, with a line that says so and since when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from actions import wording
from actions.names import Entity, Intent, Response
from delivery.carriers.on_demand import NotRefreshed
from delivery.services.problems import CustomerOption, DeliveryDate, Problem
from delivery.services.tracking import Item, OrderTracking, ShipmentTracking
from delivery.vocabulary import OrderStatus, ShipmentStatus, TimelineStage

#: Words inside messages come from the domain: ``words(response_name) -> text``.
Words = Callable[[str], str]

STAGE_PHRASE = "utter_stage_"  # + TimelineStage value
REACHED, CURRENT, AHEAD = "✅", "🔵", "⚪"

_STATUS_RESPONSE = {
    ShipmentStatus.PENDING: Response.SHIPMENT_INFO_RECEIVED,
    ShipmentStatus.INFO_RECEIVED: Response.SHIPMENT_INFO_RECEIVED,
    ShipmentStatus.IN_TRANSIT: Response.SHIPMENT_IN_TRANSIT,
    ShipmentStatus.DELAYED: Response.SHIPMENT_IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY: Response.SHIPMENT_OUT_FOR_DELIVERY,
    ShipmentStatus.READY_FOR_PICKUP: Response.SHIPMENT_READY_FOR_PICKUP,
    ShipmentStatus.DELIVERED: Response.SHIPMENT_DELIVERED,
}

_OPTION_INTENT = {
    CustomerOption.RESCHEDULE: Intent.RESCHEDULE_DELIVERY,
    CustomerOption.PICKUP_POINT: Intent.CHOOSE_PICKUP_POINT,
    CustomerOption.TALK_TO_PERSON: Intent.TALK_TO_PERSON,
}


@dataclass(frozen=True)
class Message:
    response: str
    values: dict[str, Any] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)


def tell_order(
    tracking: OrderTracking,
    *,
    today: dt.date,
    language: str,
    words: Words,
    not_refreshed: Mapping[int, NotRefreshed] | None = None,
) -> list[Message]:
    """The order's messages; ``not_refreshed``: parcels told as last known, by shipment id."""
    placed_on = wording.day(tracking.placed_at.date(), language)
    messages = [
        Message(
            Response.ORDER_HEADER, {"order_number": tracking.order_number, "placed_on": placed_on}
        )
    ]
    if tracking.order_status is OrderStatus.CANCELLED:
        return [Message(Response.ORDER_CANCELLED, {"order_number": tracking.order_number})]
    if tracking.preparing:
        messages.append(
            Message(Response.ITEMS_PREPARING, {"items": items_text(tracking.preparing)})
        )
    for shipment in tracking.shipments:
        told = tell_shipment(
            shipment, tracking.order_number, today=today, language=language, words=words
        )
        stale = (not_refreshed or {}).get(shipment.shipment_id)
        if stale is not None:
            told.insert(1, not_refreshed_message(stale, today, language))  # under its status
        messages += told
    return messages


def tell_shipment(
    shipment: ShipmentTracking,
    order_number: str,
    *,
    today: dt.date,
    language: str,
    words: Words,
) -> list[Message]:
    values: dict[str, Any] = {
        "items": items_text(shipment.items),
        "carrier": shipment.carrier_name,
        "tracking_number": shipment.tracking_number,
        "order_number": order_number,
        "eta": delivery_date_text(shipment.eta or shipment.promised, today, language),
    }
    timeline = Message(Response.SHIPMENT_TIMELINE, {"timeline": timeline_text(shipment, words)})
    if shipment.problem is None:
        return [status_message(shipment, values, today, language), timeline]
    return [
        Message(Response.SHIPMENT_REFERENCE, values),
        timeline,
        *tell_problem(shipment.problem, values, order_number, today, language, words),
    ]


def status_message(
    shipment: ShipmentTracking, values: dict[str, Any], today: dt.date, language: str
) -> Message:
    status = shipment.status
    if status is ShipmentStatus.OUT_FOR_DELIVERY:
        window = shipment.eta or shipment.promised
        if window.window_start and window.window_end:
            values = values | {
                "window": wording.window(window.window_start, window.window_end, language)
            }
            return Message(Response.SHIPMENT_OUT_FOR_DELIVERY, values)
        return Message(Response.SHIPMENT_OUT_FOR_DELIVERY_ALL_DAY, values)
    if status is ShipmentStatus.READY_FOR_PICKUP and shipment.pickup_point is not None:
        point = shipment.pickup_point
        arrived = next(
            (e.occurred_at for e in shipment.events if e.status is ShipmentStatus.READY_FOR_PICKUP),
            None,
        )
        return Message(
            Response.SHIPMENT_READY_FOR_PICKUP,
            values
            | {
                "pickup_point": point.name,
                "pickup_address": f"{point.street}, {point.postcode} {point.city}",
                "arrived_on": wording.relative_day(arrived.date(), today, language)
                if arrived
                else "",
            },
        )
    if status is ShipmentStatus.DELIVERED:
        delivered = shipment.delivered_at.date() if shipment.delivered_at else today
        return Message(
            Response.SHIPMENT_DELIVERED,
            values | {"delivered_on": wording.relative_day(delivered, today, language)},
        )
    return Message(_STATUS_RESPONSE.get(status, Response.SHIPMENT_IN_TRANSIT), values)


def not_refreshed_message(stale: NotRefreshed, today: dt.date, language: str) -> Message:
    """'I couldn't reach Swift Parcels just now, so this is their last update, from today at
    14:05': the day and time where the carrier is, like the parcel's dates."""
    zone = ZoneInfo(stale.carrier_timezone)
    local = stale.last_update_at.astimezone(zone)
    return Message(
        Response.TRACKING_NOT_REFRESHED,
        {
            "carrier": stale.carrier_name,
            "updated_on": wording.relative_day(local.date(), today, language),
            "updated_at": wording.time_of(local, zone, language),
        },
    )


def tell_problem(
    problem: Problem,
    values: dict[str, Any],
    order_number: str,
    today: dt.date,
    language: str,
    words: Words,
) -> list[Message]:
    facts = values | {
        "promised_on": wording.relative_day(problem.promised_date, today, language),
        "happened_on": wording.relative_day(problem.happened_at.date(), today, language),
        "eta": delivery_date_text(problem.eta, today, language) if problem.eta else "",
    }
    messages = [Message(f"utter_problem_{problem.kind.value}", facts)]
    if problem.description:
        messages.append(
            Message(
                Response.CARRIER_SAYS,
                {"carrier": values["carrier"], "description": problem.description},
            )
        )
    messages.append(Message(f"{Response.NEXT_STEP_PREFIX}{problem.next_step.value}", facts))
    if problem.options:
        messages.append(
            Message(
                Response.PROBLEM_OPTIONS,
                buttons=[option_button(o, order_number, words) for o in problem.options],
            )
        )
    return messages


def option_button(option: CustomerOption, order_number: str, words: Words) -> dict[str, str]:
    intent = _OPTION_INTENT[option]
    payload = f"/{intent}"
    if option is not CustomerOption.TALK_TO_PERSON:
        payload += f'{{"{Entity.ORDER_NUMBER}":"{order_number}"}}'
    return {"title": words(f"{Response.OPTION_PREFIX}{option.value}"), "payload": payload}


def timeline_text(shipment: ShipmentTracking, words: Words) -> str:
    marks = []
    for step in shipment.timeline:
        mark = CURRENT if step.current else REACHED if step.reached else AHEAD
        marks.append(f"{mark} {words(STAGE_PHRASE + step.stage.value)}")
    return " → ".join(marks) if marks else words(STAGE_PHRASE + TimelineStage.ORDERED.value)


def items_text(items: tuple[Item, ...]) -> str:
    return ", ".join(
        item.name if item.quantity == 1 else f"{item.quantity} × {item.name}" for item in items
    )


def delivery_date_text(date: DeliveryDate, today: dt.date, language: str) -> str:
    day = wording.relative_day(date.date, today, language)
    if date.window_start and date.window_end:
        return f"{day}, {wording.window(date.window_start, date.window_end, language)}"
    return day
