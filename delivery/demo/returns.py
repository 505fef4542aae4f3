"""Returns customers already booked on delivered demo orders, in every state of their life."""

from __future__ import annotations

import datetime as dt
import random

from delivery.demo.plans import LinePlan, ReturnPlan, ShipmentPlan
from delivery.demo.timeline import ONE_DAY, CarrierClock, minutes
from delivery.vocabulary import ReturnReason, ReturnStatus

RETURN_WINDOW = dt.timedelta(days=30)
CANCELLED_SHARE = 0.08

_REASONS = tuple(ReturnReason)
_REASON_WEIGHTS = (30, 12, 8, 6, 36, 8)  # in ReturnReason's order: fit and mind lead
_COMMENTS: dict[ReturnReason, tuple[str, ...]] = {
    ReturnReason.DOES_NOT_FIT: ("Too small", "A size too big", "Sleeves too long"),
    ReturnReason.NOT_AS_DESCRIBED: ("Colour is different from the photo", "Thinner fabric"),
    ReturnReason.DAMAGED: ("Scratched on arrival", "Seam came apart"),
    ReturnReason.WRONG_ITEM: ("Received the white one, ordered black",),
    ReturnReason.CHANGED_MIND: ("Found something else",),
    ReturnReason.OTHER: ("Gift, not needed",),
}
# Unambiguous letters and digits for references read out over the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class ReferenceBook:
    """Unique return references such as 'RT-7KQ2MX'."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def reserve(self, reference: str) -> None:
        self._taken.add(reference)

    def new(self, rng: random.Random) -> str:
        while True:
            reference = "RT-" + "".join(rng.choices(_REFERENCE_ALPHABET, k=6))
            if reference not in self._taken:
                self._taken.add(reference)
                return reference


def booked_return(
    rng: random.Random,
    clock: CarrierClock,
    shipment: ShipmentPlan,
    lines: list[LinePlan],
    references: ReferenceBook,
) -> ReturnPlan | None:
    """A return of some of ``shipment``'s returnable lines, booked within the return window."""
    returnable = [i for i in shipment.line_indexes if lines[i].product.returnable]
    delivered_at = shipment.delivered_at
    carrier = clock.carrier
    if not returnable or delivered_at is None or not carrier.supports_return_pickup:
        return None
    now = clock.now
    latest = min(delivered_at + RETURN_WINDOW - ONE_DAY, now - dt.timedelta(hours=1))
    if latest <= delivered_at + dt.timedelta(hours=1):
        return None
    span_minutes = (latest - delivered_at).total_seconds() / 60
    created_at = delivered_at + minutes(rng, 60, span_minutes)
    pickup_date = clock.next_day(clock.local_date(created_at) + rng.randint(1, 3) * ONE_DAY)
    window = rng.choice(carrier.time_windows)
    status, updated_at = _status(rng, clock, created_at, pickup_date, window[0])
    chosen = sorted(rng.sample(returnable, rng.randint(1, len(returnable))))
    reason = rng.choices(_REASONS, weights=_REASON_WEIGHTS)[0]
    comment = rng.choice(_COMMENTS[reason]) if rng.random() < 0.5 else None
    return ReturnPlan(
        reference=references.new(rng),
        carrier=carrier,
        status=status,
        reason=reason,
        comment=comment,
        pickup_date=pickup_date,
        pickup_window=window,
        created_at=created_at,
        updated_at=updated_at,
        lines=tuple((i, rng.randint(1, lines[i].quantity)) for i in chosen),
    )


def _status(
    rng: random.Random,
    clock: CarrierClock,
    created_at: dt.datetime,
    pickup_date: dt.date,
    window_start: dt.time,
) -> tuple[ReturnStatus, dt.datetime]:
    """Where the return is now, and when it got there (never after now)."""
    now = clock.now
    if rng.random() < CANCELLED_SHARE:
        return ReturnStatus.CANCELLED, min(created_at + minutes(rng, 30, 1200), now)
    pickup_at = clock.at(pickup_date, window_start) + minutes(rng, 10, 180)
    if pickup_at >= now:
        return ReturnStatus.SCHEDULED, created_at
    days_since = (clock.today - pickup_date).days
    if days_since < 3:
        return ReturnStatus.COLLECTED, pickup_at
    if days_since < 8:
        return ReturnStatus.RECEIVED, min(pickup_at + minutes(rng, 2 * 1440, 3 * 1440), now)
    return ReturnStatus.REFUNDED, min(pickup_at + minutes(rng, 5 * 1440, 7 * 1440), now)
