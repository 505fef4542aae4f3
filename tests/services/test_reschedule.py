"""Rescheduling: which slots are offered, the cut-off, capacity, and the idempotent change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import AuditEntry, Carrier, DeliveryChange, Shipment
from delivery.services.audit import IdempotencyKeyReused
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.reschedule import available_slots, reschedule
from delivery.services.slots import Slot
from delivery.vocabulary import ChangeKind, OrderStatus, ShipmentStatus
from tests import factories
from tests.factories import NOW

# NOW is Monday 2 March 2026, 10:00 in London; the default parcel is promised for Wednesday 4th,
# 09:00-13:00, by a carrier delivering Monday to Saturday, 09-13 and 13-18, 12 h cut-off.
MON, TUE, WED, THU, FRI, SAT, SUN = (dt.date(2026, 3, day) for day in range(2, 9))
NINE, ONE, SIX = dt.time(9), dt.time(13), dt.time(18)


def make(session: Session, *, carrier: dict[str, Any] | None = None, **shipment: Any) -> Shipment:
    the_carrier = factories.carrier(session, **(carrier or {}))
    return factories.shipment(session, factories.order(session), carrier_=the_carrier, **shipment)


def keys(slots: list[Slot]) -> list[str]:
    return [slot.key for slot in slots]


def refusal(call: Any, *args: Any, **kwargs: Any) -> Refused:
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    return info.value


def count(session: Session, model: type[Any], shipment: Shipment) -> int:
    column = model.shipment_id if model is DeliveryChange else model.entity_id
    return session.scalar(select(func.count()).select_from(model).where(column == shipment.id)) or 0


# --- which slots ---------------------------------------------------------------------------------


def test_offers_every_slot_from_arrival_for_max_days_except_current_and_sunday(
    session: Session,
) -> None:
    slots = available_slots(session, make(session), now=NOW)
    # From Wednesday (the ETA) for 7 more days, Sunday 8th skipped, Wednesday 09-13 is current.
    days = [WED, THU, FRI, SAT, dt.date(2026, 3, 9), dt.date(2026, 3, 10), dt.date(2026, 3, 11)]
    expected = [Slot(d, s, e) for d in days for s, e in ((NINE, ONE), (ONE, SIX))]
    assert slots == expected[1:]
    assert all(slot.date != SUN for slot in slots)


def test_carrier_weekdays_and_windows_decide_the_slots(session: Session) -> None:
    carrier = {"delivery_weekdays": [1, 3, 5], "delivery_windows": [["10:00", "14:00"]]}
    slots = available_slots(session, make(session, carrier=carrier), now=NOW)
    assert keys(slots) == [
        "2026-03-04T10:00-14:00",
        "2026-03-06T10:00-14:00",
        "2026-03-09T10:00-14:00",
        "2026-03-11T10:00-14:00",
    ]


def test_max_days_ahead_counts_from_the_earliest_date(session: Session) -> None:
    slots = available_slots(
        session, make(session, carrier={"reschedule_max_days_ahead": 2}), now=NOW
    )
    assert {slot.date for slot in slots} == {WED, THU, FRI}


def test_earliest_is_tomorrow_when_the_parcel_could_come_sooner(session: Session) -> None:
    # A missed promise (Sunday), no estimate: the parcel is here, tomorrow is the earliest.
    shipment = make(
        session, status=ShipmentStatus.DELAYED, promised_date=SUN - dt.timedelta(7), eta_date=None
    )
    assert available_slots(session, shipment, now=NOW)[0] == Slot(TUE, NINE, ONE)


def test_tomorrow_slots_inside_the_cutoff_are_left_out(session: Session) -> None:
    shipment = make(
        session,
        carrier={"reschedule_cutoff_hours": 24},
        status=ShipmentStatus.DELAYED,
        promised_date=MON - dt.timedelta(days=3),
        eta_date=None,
    )
    # Tuesday 09:00 is 23 h away, 13:00 is 27 h away.
    assert available_slots(session, shipment, now=NOW)[0] == Slot(TUE, ONE, SIX)


def test_an_eta_later_than_tomorrow_is_the_earliest_date(session: Session) -> None:
    shipment = make(session, status=ShipmentStatus.DELAYED, eta_date=FRI)
    slots = available_slots(session, shipment, now=NOW)
    assert slots[0] == Slot(FRI, NINE, ONE)
    assert min(slot.date for slot in slots) == FRI


def test_tomorrow_is_taken_in_the_carriers_timezone(session: Session) -> None:
    # Monday 23:30 UTC is already Tuesday 01:30 in Helsinki: tomorrow there is Wednesday.
    late = NOW.replace(hour=23, minute=30)
    common: dict[str, Any] = {
        "status": ShipmentStatus.DELAYED,
        "promised_date": MON - dt.timedelta(days=3),
        "eta_date": None,
    }
    helsinki = make(session, carrier={"timezone": "Europe/Helsinki"}, **common)
    london = make(session, **common)
    assert available_slots(session, helsinki, now=late)[0].date == WED
    assert available_slots(session, london, now=late)[0].date == TUE


# --- the cut-off ---------------------------------------------------------------------------------


def test_cutoff_boundary_exactly_at_and_one_minute_past(session: Session) -> None:
    shipment = make(session, promised_date=TUE, eta_date=TUE)  # Tuesday 09:00 London (= UTC)
    cutoff = dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC)
    assert available_slots(session, shipment, now=cutoff)[0] == Slot(TUE, ONE, SIX)
    refused = refusal(available_slots, session, shipment, now=cutoff + dt.timedelta(minutes=1))
    assert refused.reason is RefusalReason.PAST_CUTOFF
    assert refused.details["cutoff_at"] == cutoff


def test_cutoff_is_in_the_carriers_timezone(session: Session) -> None:
    shipment = make(
        session, carrier={"timezone": "Europe/Helsinki"}, promised_date=TUE, eta_date=TUE
    )
    # Tuesday 09:00 in Helsinki is 07:00 UTC; 12 h before is Monday 19:00 UTC.
    cutoff = dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.UTC)
    assert available_slots(session, shipment, now=cutoff)
    refused = refusal(available_slots, session, shipment, now=cutoff + dt.timedelta(minutes=1))
    assert refused.details["cutoff_at"] == cutoff


def test_without_a_window_the_cutoff_counts_from_the_start_of_the_day(session: Session) -> None:
    shipment = make(
        session,
        promised_date=TUE,
        eta_date=TUE,
        promised_window_start=None,
        promised_window_end=None,
        eta_window_start=None,
        eta_window_end=None,
    )
    cutoff = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # Tuesday 00:00 minus 12 h
    assert available_slots(session, shipment, now=cutoff)
    refused = refusal(available_slots, session, shipment, now=cutoff + dt.timedelta(minutes=1))
    assert refused.reason is RefusalReason.PAST_CUTOFF


def test_during_the_planned_window_it_is_too_late(session: Session) -> None:
    shipment = make(session, promised_date=MON, eta_date=MON)  # 09-13 today, now 10:00
    assert refusal(available_slots, session, shipment, now=NOW).reason is RefusalReason.PAST_CUTOFF


def test_after_a_failed_attempt_the_window_is_over_and_a_new_one_can_be_booked(
    session: Session,
) -> None:
    shipment = make(session, status=ShipmentStatus.FAILED_ATTEMPT, promised_date=MON, eta_date=MON)
    slots = available_slots(session, shipment, now=NOW.replace(hour=14))
    assert slots[0] == Slot(TUE, NINE, ONE)


def test_a_delay_moves_the_cutoff_to_the_new_estimate(session: Session) -> None:
    # Promised Tuesday 09:00 but now expected Friday: on Monday night Friday is far away.
    shipment = make(session, status=ShipmentStatus.DELAYED, promised_date=TUE, eta_date=FRI)
    assert available_slots(session, shipment, now=NOW.replace(hour=22))[0] == Slot(FRI, NINE, ONE)


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (ShipmentStatus.OUT_FOR_DELIVERY, RefusalReason.OUT_FOR_DELIVERY),
        (ShipmentStatus.DELIVERED, RefusalReason.ALREADY_DELIVERED),
        (ShipmentStatus.READY_FOR_PICKUP, RefusalReason.AT_PICKUP_POINT),
        (ShipmentStatus.RETURNED_TO_SENDER, RefusalReason.RETURNED_TO_SENDER),
        (ShipmentStatus.EXCEPTION, RefusalReason.UNDER_INVESTIGATION),
    ],
)
def test_statuses_the_carrier_no_longer_changes_are_refused(
    session: Session, status: ShipmentStatus, reason: RefusalReason
) -> None:
    shipment = make(session, status=status)
    refused = refusal(available_slots, session, shipment, now=NOW)
    assert refused.reason is reason
    assert refused.details == {"shipment_id": shipment.id, "status": status}
    slot = Slot(THU, NINE, ONE)
    kwargs: dict[str, Any] = {"idempotency_key": "k", "actor": "test", "now": NOW}
    assert refusal(reschedule, session, shipment, slot, **kwargs).reason is reason


@pytest.mark.parametrize(
    "status",
    [
        ShipmentStatus.PENDING,
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELAYED,
        ShipmentStatus.FAILED_ATTEMPT,
    ],
)
def test_statuses_before_the_van_are_changeable(session: Session, status: ShipmentStatus) -> None:
    assert available_slots(session, make(session, status=status), now=NOW)


def test_a_cancelled_order_is_refused(session: Session) -> None:
    shipment = make(session)
    shipment.order.status = OrderStatus.CANCELLED
    refused = refusal(available_slots, session, shipment, now=NOW)
    assert refused.reason is RefusalReason.ORDER_CANCELLED


def test_a_parcel_going_to_a_pickup_point_cannot_be_rescheduled(session: Session) -> None:
    shipment = make(session)
    shipment.pickup_point_id = factories.pickup_point(session, shipment.carrier).id
    session.flush()
    refused = refusal(available_slots, session, shipment, now=NOW)
    assert refused.reason is RefusalReason.AT_PICKUP_POINT


@pytest.mark.parametrize(
    "carrier",
    [
        {"reschedule_max_days_ahead": 0, "delivery_windows": [["09:00", "13:00"]]},
        {"slot_capacity": 0},
        {"delivery_weekdays": []},
    ],
    ids=["only-the-current-slot", "no-capacity", "no-weekdays"],
)
def test_no_free_slot_is_refused(session: Session, carrier: dict[str, Any]) -> None:
    refused = refusal(available_slots, session, make(session, carrier=carrier), now=NOW)
    assert refused.reason is RefusalReason.NO_SLOTS


# --- capacity ------------------------------------------------------------------------------------


def book(session: Session, carrier: Carrier, day: dt.date, n: int, **overrides: Any) -> None:
    for _ in range(n):
        factories.shipment(
            session, factories.order(session), carrier_=carrier, promised_date=day, **overrides
        )


def test_full_slots_are_left_out(session: Session) -> None:
    shipment = make(session, carrier={"slot_capacity": 2})
    carrier = shipment.carrier
    book(session, carrier, THU, 2)  # Thursday 09-13 full
    book(session, carrier, FRI, 1)  # Friday 09-13 has one place left
    slots = available_slots(session, shipment, now=NOW)
    assert Slot(THU, NINE, ONE) not in slots
    assert Slot(THU, ONE, SIX) in slots
    assert Slot(FRI, NINE, ONE) in slots


def test_only_live_home_deliveries_of_the_same_carrier_fill_a_slot(session: Session) -> None:
    shipment = make(session, carrier={"slot_capacity": 1})
    book(session, shipment.carrier, THU, 1, status=ShipmentStatus.DELIVERED)
    book(session, shipment.carrier, THU, 1, status=ShipmentStatus.RETURNED_TO_SENDER)
    point = factories.pickup_point(session, shipment.carrier)
    book(session, shipment.carrier, THU, 1, pickup_point_id=point.id)
    book(session, factories.carrier(session), THU, 1)
    assert Slot(THU, NINE, ONE) in available_slots(session, shipment, now=NOW)
    book(session, shipment.carrier, THU, 1, status=ShipmentStatus.DELAYED)
    assert Slot(THU, NINE, ONE) not in available_slots(session, shipment, now=NOW)


# --- rescheduling --------------------------------------------------------------------------------


def test_reschedule_moves_promise_and_estimate_and_records_the_change(session: Session) -> None:
    shipment = make(session, status=ShipmentStatus.DELAYED)
    later = NOW + dt.timedelta(minutes=5)
    slot = Slot(FRI, ONE, SIX)

    result = reschedule(session, shipment, slot, idempotency_key="r-1", actor="web:abc", now=later)

    assert result.changed
    assert (result.shipment_id, result.slot, result.previous_slot) == (
        shipment.id,
        slot,
        Slot(WED, NINE, ONE),
    )
    session.expire_all()
    stored = session.get(Shipment, shipment.id)
    assert stored is not None
    assert (stored.promised_date, stored.promised_window_start, stored.promised_window_end) == (
        FRI,
        ONE,
        SIX,
    )
    assert (stored.eta_date, stored.eta_window_start, stored.eta_window_end) == (FRI, ONE, SIX)
    assert stored.status is ShipmentStatus.DELAYED
    assert stored.original_promised_date == WED
    assert stored.updated_at == later
    change = session.scalars(select(DeliveryChange)).one()
    assert change.kind is ChangeKind.RESCHEDULE
    assert change.requested_by == "web:abc"
    assert change.before["promised_date"] == "2026-03-04"
    assert change.before["promised_window_start"] == "09:00:00"
    assert change.after == {
        "promised_date": "2026-03-06",
        "promised_window_start": "13:00:00",
        "promised_window_end": "18:00:00",
        "eta_date": "2026-03-06",
        "eta_window_start": "13:00:00",
        "eta_window_end": "18:00:00",
    }
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "reschedule",
        "shipment",
        shipment.id,
    )
    assert entry.idempotency_key == "r-1"
    assert entry.details["slot"] == slot.key


def test_the_slot_the_shipment_already_has_changes_nothing(session: Session) -> None:
    shipment = make(session)
    result = reschedule(
        session, shipment, Slot(WED, NINE, ONE), idempotency_key="same", actor="t", now=NOW
    )
    assert not result.changed
    assert result.previous_slot == result.slot == Slot(WED, NINE, ONE)
    assert count(session, DeliveryChange, shipment) == 0
    assert count(session, AuditEntry, shipment) == 0
    assert shipment.updated_at == NOW


@pytest.mark.parametrize(
    "key",
    [
        "2026-03-08T09:00-13:00",  # Sunday
        "2026-03-05T10:00-12:00",  # not one of the carrier's windows
        "2026-03-12T09:00-13:00",  # beyond the days ahead
        "2026-03-03T09:00-13:00",  # before the parcel arrives
        "2026-02-27T09:00-13:00",  # in the past
    ],
)
def test_a_slot_that_was_not_offered_is_refused(session: Session, key: str) -> None:
    shipment = make(session)
    refused = refusal(
        reschedule, session, shipment, Slot.from_key(key), idempotency_key="x", actor="t", now=NOW
    )
    assert refused.reason is RefusalReason.SLOT_UNAVAILABLE
    assert refused.details["slot"] == key
    assert shipment.promised_date == WED
    assert count(session, DeliveryChange, shipment) == 0
    assert count(session, AuditEntry, shipment) == 0


def test_a_full_slot_is_refused_even_when_asked_for_directly(session: Session) -> None:
    shipment = make(session, carrier={"slot_capacity": 1})
    book(session, shipment.carrier, THU, 1)
    refused = refusal(
        reschedule, session, shipment, Slot(THU, NINE, ONE), idempotency_key="x", actor="t", now=NOW
    )
    assert refused.reason is RefusalReason.SLOT_UNAVAILABLE


@pytest.mark.parametrize(
    "key", ["", "tomorrow", "2026-03-05T13:00-09:00", "2026-02-30T09:00-13:00", "2026-03-05 09-13"]
)
def test_malformed_slot_keys_do_not_parse(key: str) -> None:
    with pytest.raises(ValueError):
        Slot.from_key(key)


def test_a_replayed_key_returns_the_first_outcome_and_changes_nothing(session: Session) -> None:
    shipment = make(session)
    first = reschedule(
        session, shipment, Slot(THU, NINE, ONE), idempotency_key="k1", actor="t", now=NOW
    )
    # The replay even names another slot (a resent button from an older message).
    again = reschedule(
        session, shipment, Slot(FRI, NINE, ONE), idempotency_key="k1", actor="t", now=NOW
    )
    assert again == first
    assert shipment.promised_date == THU
    assert count(session, DeliveryChange, shipment) == 1
    assert count(session, AuditEntry, shipment) == 1


def test_a_key_used_for_another_action_or_shipment_raises(session: Session) -> None:
    shipment = make(session)
    other = make(session)
    reschedule(session, shipment, Slot(THU, NINE, ONE), idempotency_key="k2", actor="t", now=NOW)
    with pytest.raises(IdempotencyKeyReused):
        reschedule(session, other, Slot(THU, NINE, ONE), idempotency_key="k2", actor="t", now=NOW)
    session.add(
        AuditEntry(
            occurred_at=NOW,
            actor="t",
            action="switch_to_pickup_point",
            entity_type="shipment",
            entity_id=shipment.id,
            details={},
            idempotency_key="k3",
        )
    )
    session.flush()
    with pytest.raises(IdempotencyKeyReused):
        reschedule(
            session, shipment, Slot(FRI, NINE, ONE), idempotency_key="k3", actor="t", now=NOW
        )
    assert other.promised_date == WED


def test_a_second_reschedule_with_a_new_key_moves_it_again(session: Session) -> None:
    shipment = make(session)
    reschedule(session, shipment, Slot(THU, NINE, ONE), idempotency_key="a", actor="t", now=NOW)
    result = reschedule(
        session, shipment, Slot(SAT, ONE, SIX), idempotency_key="b", actor="t", now=NOW
    )
    assert result.previous_slot == Slot(THU, NINE, ONE)
    assert count(session, DeliveryChange, shipment) == 2
    # The estimate moved with the promise, so nothing before Saturday is offered any more.
    assert available_slots(session, shipment, now=NOW)[:2] == [
        Slot(SAT, NINE, ONE),
        Slot(dt.date(2026, 3, 9), NINE, ONE),
    ]
