"""A proactive notification turned into the messages that tell it (response names + values).

Pure: no database, no Rasa. :mod:`actions.notifications` builds the :class:`Notice` from the
notification and its shipment, and sends what this returns. A problem (a delay, a missed
delivery, trouble at the carrier) is told the way the order status tells one
(:mod:`actions.order_story`): the carrier's words, the next step and the options are its
responses and buttons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actions import wording
from actions.names import Response
from actions.order_story import Message, Words, delivery_date_text, option_button
from delivery.notifications.kinds import NotificationKind
from delivery.services.problems import CustomerOption, DeliveryDate, NextStep

# Responses (data/responses/notifications.yml); the carrier's words, the next step and the
# options are the order status's own (domain.yml), so both tell a problem the same way.
DELAYED = "utter_notify_delayed"
DELAYED_NO_DATE = "utter_notify_delayed_no_date"
VOUCHER = "utter_notify_voucher"
FAILED_ATTEMPT = "utter_notify_failed_attempt"
EXCEPTION = "utter_notify_exception"
OUT_FOR_DELIVERY = "utter_notify_out_for_delivery"
OUT_FOR_DELIVERY_ALL_DAY = "utter_notify_out_for_delivery_all_day"
DELIVERED = "utter_notify_delivered"
COLLECTED = "utter_notify_collected"
RATING_REQUEST = "utter_notify_rating_request"

#: Kinds about a problem: they end with what the customer can do about it.
_PROBLEMS = frozenset(
    {NotificationKind.DELAYED, NotificationKind.FAILED_ATTEMPT, NotificationKind.EXCEPTION}
)


@dataclass(frozen=True)
class Notice:
    """What one notification message is worded from: the notification's stored values and
    the facts of its shipment now (dates are local to the carrier, like the values)."""

    kind: NotificationKind
    values: Mapping[str, Any]
    order_number: str
    items: str
    carrier: str
    tracking_number: str
    options: tuple[CustomerOption, ...]
    today: dt.date
    zone: dt.tzinfo
    language: str
    # Where a delivered parcel went: the pickup point's name, else the delivery address.
    pickup_point: str | None
    address: str
    # Fallbacks when the values lack a date (they never should).
    promised_date: dt.date
    status_since: dt.datetime


def tell_notification(notice: Notice, words: Words) -> list[Message]:
    """The messages that tell ``notice``, in order."""
    if notice.kind is NotificationKind.DELAYED:
        messages = _delayed(notice)
    elif notice.kind is NotificationKind.FAILED_ATTEMPT:
        messages = _failed_attempt(notice)
    elif notice.kind is NotificationKind.EXCEPTION:
        messages = _exception(notice)
    elif notice.kind is NotificationKind.OUT_FOR_DELIVERY:
        messages = [_out_for_delivery(notice)]
    elif notice.kind is NotificationKind.DELIVERED:
        messages = [_delivered(notice)]
    else:
        messages = [Message(RATING_REQUEST, _facts(notice))]
    if notice.kind in _PROBLEMS and notice.options:
        buttons = [option_button(o, notice.order_number, words) for o in notice.options]
        messages.append(Message(Response.PROBLEM_OPTIONS, buttons=buttons))
    return messages


def _facts(notice: Notice) -> dict[str, Any]:
    """The values every message may name."""
    return {
        "order_number": notice.order_number,
        "items": notice.items,
        "carrier": notice.carrier,
        "tracking_number": notice.tracking_number,
    }


def _delayed(notice: Notice) -> list[Message]:
    promised = _date(notice.values.get("promised_date")) or notice.promised_date
    facts = _facts(notice) | {"promised_on": _day(notice, promised)}
    eta = _estimate(notice.values, "eta_date", "eta_window_start", "eta_window_end")
    if eta is not None:
        messages = [Message(DELAYED, facts | {"eta": _when(notice, eta)})]
    else:
        messages = [Message(DELAYED_NO_DATE, facts)]
    messages += _carrier_says(notice)
    if notice.values.get("voucher") is True:
        messages.append(Message(VOUCHER, facts))
    return messages


def _failed_attempt(notice: Notice) -> list[Message]:
    happened = _moment(notice.values.get("occurred_at")) or notice.status_since
    local = happened.astimezone(notice.zone)
    facts = _facts(notice) | {
        "happened_on": _day(notice, local.date()),
        "happened_at": wording.time_of(happened, notice.zone, notice.language),
    }
    messages = [Message(FAILED_ATTEMPT, facts), *_carrier_says(notice)]
    eta = _estimate(notice.values, "eta_date", "eta_window_start", "eta_window_end")
    if eta is not None:
        messages.append(_next_step(NextStep.REDELIVERY_SCHEDULED, facts, notice, eta))
    else:
        messages.append(_next_step(NextStep.AWAITING_CARRIER_UPDATE, facts, notice, None))
    return messages


def _exception(notice: Notice) -> list[Message]:
    facts = _facts(notice)
    messages = [Message(EXCEPTION, facts), *_carrier_says(notice)]
    eta = _estimate(notice.values, "eta_date", "eta_window_start", "eta_window_end")
    if eta is not None:
        messages.append(_next_step(NextStep.NEW_ETA_GIVEN, facts, notice, eta))
    else:
        messages.append(_next_step(NextStep.CARRIER_INVESTIGATING, facts, notice, None))
    return messages


def _out_for_delivery(notice: Notice) -> Message:
    day = _date(notice.values.get("date")) or notice.today
    facts = _facts(notice) | {"day": _day(notice, day)}
    start = _time(notice.values.get("window_start"))
    end = _time(notice.values.get("window_end"))
    if start is None or end is None:
        return Message(OUT_FOR_DELIVERY_ALL_DAY, facts)
    return Message(
        OUT_FOR_DELIVERY, facts | {"window": wording.window(start, end, notice.language)}
    )


def _delivered(notice: Notice) -> Message:
    at = _moment(notice.values.get("delivered_at")) or notice.status_since
    facts = _facts(notice) | {
        "delivered_on": _day(notice, at.astimezone(notice.zone).date()),
        "delivered_at": wording.time_of(at, notice.zone, notice.language),
    }
    if notice.pickup_point is not None:
        return Message(COLLECTED, facts | {"pickup_point": notice.pickup_point})
    return Message(DELIVERED, facts | {"address": notice.address})


def _carrier_says(notice: Notice) -> list[Message]:
    description = notice.values.get("description")
    if not isinstance(description, str) or not description.strip():
        return []
    return [Message(Response.CARRIER_SAYS, {"carrier": notice.carrier, "description": description})]


def _next_step(
    step: NextStep, facts: dict[str, Any], notice: Notice, eta: DeliveryDate | None
) -> Message:
    values = facts | {"eta": _when(notice, eta) if eta is not None else ""}
    return Message(f"{Response.NEXT_STEP_PREFIX}{step.value}", values)


def _day(notice: Notice, day: dt.date) -> str:
    return wording.relative_day(day, notice.today, notice.language)


def _when(notice: Notice, eta: DeliveryDate) -> str:
    return delivery_date_text(eta, notice.today, notice.language)


# --- the stored values, read defensively (JSON written by another process) ---------------------


def _estimate(values: Mapping[str, Any], day: str, start: str, end: str) -> DeliveryDate | None:
    date = _date(values.get(day))
    if date is None:
        return None
    return DeliveryDate(date, _time(values.get(start)), _time(values.get(end)))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _time(value: Any) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _moment(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
