"""Returns with a home pickup: slots, creation, references, lookups, moves and cancellations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from delivery.db.models import AuditEntry, Carrier, Customer, Order, Return
from delivery.services.audit import IdempotencyKeyReused, history
from delivery.services.refusals import RefusalReason, Refused
from delivery.services.return_eligibility import IneligibilityReason
from delivery.services.returns import (
    REFERENCE_ALPHABET,
    cancel_return,
    create_return,
    find_return,
    move_return,
    normalize_reference,
    random_reference,
    return_pickup_slots,
    returns_of_customer,
    unique_reference,
)
from delivery.services.slots import Slot, candidate_slots
from delivery.vocabulary import OrderStatus, ReturnReason, ReturnStatus, ShipmentStatus
from tests import factories
from tests.factories import NOW

WINDOW = 30
TUESDAY_MORNING = Slot(dt.date(2026, 3, 3), dt.time(9), dt.time(13))
TUESDAY_AFTERNOON = Slot(dt.date(2026, 3, 3), dt.time(13), dt.time(18))
WEDNESDAY_MORNING = Slot(dt.date(2026, 3, 4), dt.time(9), dt.time(13))
REFERENCE = re.compile(r"^R-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$")

_keys = iter(range(1, 1_000_000))


def key() -> str:
    return f"key-{next(_keys)}"


def delivered_order(
    session: Session,
    *,
    quantities: tuple[int, ...] = (1,),
    carrier: Carrier | None = None,
    customer: Customer | None = None,
) -> Order:
    """An order whose lines (with these quantities) were delivered three days ago."""
    order = factories.order(session, lines=len(quantities), customer_=customer)
    for line, quantity in zip(order.lines, quantities, strict=True):
        line.quantity = quantity
    factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=3),
    )
    return order


def create(
    session: Session,
    order: Order,
    items: Mapping[int, int] | None = None,
    *,
    slot: Slot = TUESDAY_MORNING,
    idempotency_key: str | None = None,
    comment: str | None = None,
    now: dt.datetime = NOW,
) -> Return:
    return create_return(
        session,
        order,
        items if items is not None else {order.lines[0].id: 1},
        ReturnReason.DOES_NOT_FIT,
        slot,
        comment=comment,
        idempotency_key=idempotency_key or key(),
        actor="customer:test",
        now=now,
        return_window_days=WINDOW,
    )


def count_returns(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Return)) or 0


def refusal(excinfo: pytest.ExceptionInfo[Refused]) -> RefusalReason:
    return excinfo.value.reason


# --- pickup slots -----------------------------------------------------------------------------


def test_pickup_slots_start_tomorrow_and_follow_the_carriers_rules(session: Session) -> None:
    order = delivered_order(session)
    carrier = order.shipments[0].carrier

    slots = return_pickup_slots(session, order, now=NOW)

    assert slots[0] == TUESDAY_MORNING
    assert slots == candidate_slots(carrier, earliest=TUESDAY_MORNING.date, days_ahead=7, now=NOW)
    assert len(slots) == 14  # Tuesday 3 to Tuesday 10 March, no Sunday, two windows a day


def test_tomorrow_is_the_carriers_local_tomorrow(session: Session) -> None:
    helsinki = factories.carrier(session, timezone="Europe/Helsinki", reschedule_cutoff_hours=0)
    order = delivered_order(session, carrier=helsinki)
    # 23:30 UTC on Monday is already Tuesday in Helsinki, so pickups start on Wednesday.
    late_monday = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)

    slots = return_pickup_slots(session, order, now=late_monday)

    assert slots[0].date == dt.date(2026, 3, 4)


def test_full_slots_are_not_offered(session: Session) -> None:
    carrier = factories.carrier(session, slot_capacity=2)
    order = delivered_order(session, carrier=carrier)
    others = [delivered_order(session, carrier=carrier) for _ in range(4)]
    for other in others[:2]:
        factories.return_(session, other, carrier_=carrier, pickup_date=TUESDAY_MORNING.date)
    # Neither a cancelled return nor another carrier's pickup takes room in this slot.
    factories.return_(
        session,
        others[2],
        carrier_=carrier,
        pickup_date=TUESDAY_AFTERNOON.date,
        pickup_window_start=TUESDAY_AFTERNOON.start,
        pickup_window_end=TUESDAY_AFTERNOON.end,
    )
    factories.return_(
        session,
        others[3],
        carrier_=carrier,
        pickup_date=TUESDAY_AFTERNOON.date,
        pickup_window_start=TUESDAY_AFTERNOON.start,
        pickup_window_end=TUESDAY_AFTERNOON.end,
        status=ReturnStatus.CANCELLED,
    )
    factories.return_(
        session,
        others[3],
        pickup_date=TUESDAY_AFTERNOON.date,
        pickup_window_start=TUESDAY_AFTERNOON.start,
        pickup_window_end=TUESDAY_AFTERNOON.end,
    )

    slots = return_pickup_slots(session, order, now=NOW)

    assert TUESDAY_MORNING not in slots
    assert slots[0] == TUESDAY_AFTERNOON
    assert len(slots) == 13


def test_a_carrier_without_return_pickups_is_refused(session: Session) -> None:
    carrier = factories.carrier(session, supports_return_pickup=False)
    order = delivered_order(session, carrier=carrier)

    with pytest.raises(Refused) as excinfo:
        return_pickup_slots(session, order, now=NOW)

    assert refusal(excinfo) is RefusalReason.RETURN_PICKUP_NOT_SUPPORTED
    assert excinfo.value.details == {"carrier": carrier.code}


def test_the_pickup_carrier_is_the_one_that_delivered_first(session: Session) -> None:
    no_pickups = factories.carrier(session, supports_return_pickup=False)
    later = factories.carrier(session, supports_return_pickup=False)
    order = factories.order(session, lines=3)
    first, second, third = order.lines
    factories.shipment(
        session,
        order,
        carrier_=later,
        line_ids=[first.id],
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=1),
    )
    factories.shipment(session, order, carrier_=no_pickups, line_ids=[second.id])  # in transit
    factories.shipment(
        session,
        order,
        line_ids=[third.id],
        status=ShipmentStatus.DELIVERED,
        delivered_at=NOW - dt.timedelta(days=2),
    )

    assert return_pickup_slots(session, order, now=NOW)[0] == TUESDAY_MORNING


def test_an_order_with_nothing_delivered_has_no_pickup(session: Session) -> None:
    order = factories.order(session)
    factories.shipment(session, order)

    with pytest.raises(Refused) as excinfo:
        return_pickup_slots(session, order, now=NOW)

    assert refusal(excinfo) is RefusalReason.NOTHING_RETURNABLE


# --- creating ---------------------------------------------------------------------------------


def test_create_books_a_pickup_and_writes_one_audit_entry(session: Session) -> None:
    order = delivered_order(session, quantities=(3, 1))
    carrier = order.shipments[0].carrier
    first, second = order.lines

    return_ = create(
        session, order, {first.id: 2, second.id: 1}, idempotency_key="k1", comment="  too big "
    )

    assert REFERENCE.match(return_.reference)
    assert return_.status is ReturnStatus.SCHEDULED
    assert (return_.order_id, return_.customer_id, return_.carrier_id) == (
        order.id,
        order.customer_id,
        carrier.id,
    )
    assert return_.reason is ReturnReason.DOES_NOT_FIT
    assert return_.comment == "too big"
    assert (return_.pickup_date, return_.pickup_window_start, return_.pickup_window_end) == (
        TUESDAY_MORNING.date,
        TUESDAY_MORNING.start,
        TUESDAY_MORNING.end,
    )
    assert [(ln.order_line_id, ln.quantity) for ln in return_.lines] == [
        (first.id, 2),
        (second.id, 1),
    ]
    [entry] = history(session, "return", return_.id)
    assert (entry.action, entry.idempotency_key, entry.actor) == (
        "create_return",
        "k1",
        "customer:test",
    )
    assert entry.details["reference"] == return_.reference
    assert entry.details["slot"] == TUESDAY_MORNING.key


def test_a_blank_comment_is_stored_as_none(session: Session) -> None:
    order = delivered_order(session)

    assert create(session, order, comment="   ").comment is None


def test_partial_returns_until_nothing_is_left(session: Session) -> None:
    order = delivered_order(session, quantities=(3,))
    line_id = order.lines[0].id

    create(session, order, {line_id: 2})
    with pytest.raises(Refused) as too_many:
        create(session, order, {line_id: 2})
    create(session, order, {line_id: 1})
    with pytest.raises(Refused) as nothing_left:
        create(session, order, {line_id: 1})

    assert refusal(too_many) is RefusalReason.INVALID_QUANTITY
    assert too_many.value.details == {"line_id": line_id, "quantity": 2, "returnable_quantity": 1}
    assert refusal(nothing_left) is RefusalReason.LINE_NOT_ELIGIBLE
    assert nothing_left.value.details["because"] is IneligibilityReason.ALREADY_RETURNED
    assert count_returns(session) == 2


def test_a_cancelled_return_frees_its_units(session: Session) -> None:
    order = delivered_order(session, quantities=(2,))
    line_id = order.lines[0].id
    first = create(session, order, {line_id: 2})
    cancel_return(session, first, idempotency_key=key(), actor="customer:test", now=NOW)

    second = create(session, order, {line_id: 2})

    assert second.status is ReturnStatus.SCHEDULED


def test_a_line_of_another_order_is_refused(session: Session) -> None:
    order = delivered_order(session)
    other = delivered_order(session)  # eligible, but not this order's
    foreign_id = other.lines[0].id

    for items in ({foreign_id: 1}, {order.lines[0].id: 1, foreign_id: 1}, {999_999: 1}):
        with pytest.raises(Refused) as excinfo:
            create(session, order, items)
        assert refusal(excinfo) is RefusalReason.LINE_NOT_ELIGIBLE
        assert excinfo.value.details["line_id"] in (foreign_id, 999_999)
    assert count_returns(session) == 0


def test_an_ineligible_line_is_refused_with_its_reason(session: Session) -> None:
    order = delivered_order(session, quantities=(1, 1))
    order.lines[1].returnable = False

    with pytest.raises(Refused) as excinfo:
        create(session, order, {order.lines[0].id: 1, order.lines[1].id: 1})

    assert refusal(excinfo) is RefusalReason.LINE_NOT_ELIGIBLE
    assert excinfo.value.details == {
        "line_id": order.lines[1].id,
        "because": IneligibilityReason.NOT_RETURNABLE,
    }
    assert count_returns(session) == 0


@pytest.mark.parametrize("quantity", [0, -1, 4])
def test_quantities_outside_one_to_returnable_are_refused(session: Session, quantity: int) -> None:
    order = delivered_order(session, quantities=(3,))

    with pytest.raises(Refused) as excinfo:
        create(session, order, {order.lines[0].id: quantity})

    assert refusal(excinfo) is RefusalReason.INVALID_QUANTITY
    assert count_returns(session) == 0


def test_no_items_is_nothing_to_return(session: Session) -> None:
    order = delivered_order(session)

    with pytest.raises(Refused) as excinfo:
        create(session, order, {})

    assert refusal(excinfo) is RefusalReason.NOTHING_RETURNABLE


def test_a_cancelled_order_cannot_be_returned(session: Session) -> None:
    order = delivered_order(session)
    order.status = OrderStatus.CANCELLED

    with pytest.raises(Refused) as excinfo:
        create(session, order)

    assert refusal(excinfo) is RefusalReason.ORDER_CANCELLED


@pytest.mark.parametrize(
    "slot",
    [
        Slot(dt.date(2026, 3, 8), dt.time(9), dt.time(13)),  # a Sunday
        Slot(dt.date(2026, 3, 3), dt.time(10), dt.time(12)),  # not one of the carrier's windows
        Slot(dt.date(2026, 3, 2), dt.time(13), dt.time(18)),  # today
        Slot(dt.date(2026, 3, 11), dt.time(9), dt.time(13)),  # too far ahead
    ],
    ids=["sunday", "odd-window", "today", "too-far"],
)
def test_a_slot_not_offered_is_refused(session: Session, slot: Slot) -> None:
    order = delivered_order(session)

    with pytest.raises(Refused) as excinfo:
        create(session, order, slot=slot)

    assert refusal(excinfo) is RefusalReason.SLOT_UNAVAILABLE
    assert excinfo.value.details == {"slot": slot.key}
    assert count_returns(session) == 0


def test_a_full_slot_is_refused(session: Session) -> None:
    carrier = factories.carrier(session, slot_capacity=1)
    order = delivered_order(session, carrier=carrier)
    create(session, delivered_order(session, carrier=carrier))

    with pytest.raises(Refused) as excinfo:
        create(session, order)

    assert refusal(excinfo) is RefusalReason.SLOT_UNAVAILABLE
    assert create(session, order, slot=WEDNESDAY_MORNING).pickup_date == WEDNESDAY_MORNING.date


def test_create_with_a_carrier_without_return_pickups_is_refused(session: Session) -> None:
    order = delivered_order(
        session, carrier=factories.carrier(session, supports_return_pickup=False)
    )

    with pytest.raises(Refused) as excinfo:
        create(session, order)

    assert refusal(excinfo) is RefusalReason.RETURN_PICKUP_NOT_SUPPORTED


def test_a_replayed_create_returns_the_same_return(session: Session) -> None:
    order = delivered_order(session, quantities=(2,))

    first = create(session, order, idempotency_key="same")
    again = create(session, order, {order.lines[0].id: 2}, idempotency_key="same")

    assert again is first
    assert count_returns(session) == 1
    assert len(history(session, "return", first.id)) == 1


def test_a_create_key_reused_for_another_order_raises(session: Session) -> None:
    create(session, delivered_order(session), idempotency_key="same")

    with pytest.raises(IdempotencyKeyReused):
        create(session, delivered_order(session), idempotency_key="same")


def test_a_create_key_reused_for_another_action_raises(session: Session) -> None:
    return_ = create(session, delivered_order(session), idempotency_key="same")

    with pytest.raises(IdempotencyKeyReused):
        cancel_return(session, return_, idempotency_key="same", actor="customer:test", now=NOW)
    assert return_.status is ReturnStatus.SCHEDULED


# --- references -------------------------------------------------------------------------------


def test_random_references_use_the_unambiguous_alphabet() -> None:
    references = {random_reference() for _ in range(200)}

    assert all(REFERENCE.match(r) for r in references)
    assert not set(REFERENCE_ALPHABET) & set("0O1IL")
    assert len(references) > 190  # random, not a sequence of repeats


def test_a_taken_reference_is_drawn_again(session: Session) -> None:
    factories.return_(session, delivered_order(session), reference="R-AAAAAA")
    draws: Iterator[str] = iter(["R-AAAAAA", "R-AAAAAA", "R-BBBBBB"])

    assert unique_reference(session, lambda: next(draws)) == "R-BBBBBB"


def test_drawing_gives_up_when_every_reference_is_taken(session: Session) -> None:
    factories.return_(session, delivered_order(session), reference="R-AAAAAA")

    with pytest.raises(RuntimeError):
        unique_reference(session, lambda: "R-AAAAAA")


def test_references_are_unique_across_returns(session: Session) -> None:
    order = delivered_order(session, quantities=(5,))
    references = {create(session, order).reference for _ in range(5)}

    assert len(references) == 5


@pytest.mark.parametrize(
    "typed", ["R-ABC234", "r-abc234", "r abc234", "RABC234", " R - ABC 234 ", "abc234", "R_ABC234"]
)
def test_references_are_normalised(typed: str) -> None:
    assert normalize_reference(typed) == "R-ABC234"


def test_find_return_by_a_typed_reference(session: Session) -> None:
    order = delivered_order(session)
    return_ = create(session, order)
    typed = return_.reference.lower().replace("-", " ")

    assert find_return(session, typed, customer_id=order.customer_id) is return_
    assert find_return(session, "R-ZZZZZZ", customer_id=order.customer_id) is None


def test_another_customers_reference_is_not_found(session: Session) -> None:
    return_ = create(session, delivered_order(session))
    stranger = factories.customer(session)

    assert find_return(session, return_.reference, customer_id=stranger.id) is None


def test_returns_of_customer_newest_first_with_lines(session: Session) -> None:
    customer = factories.customer(session)
    order = delivered_order(session, quantities=(3,), customer=customer)
    older = create(session, order, now=NOW - dt.timedelta(hours=2))
    newer = create(session, order)
    create(session, delivered_order(session))  # someone else's
    session.expire_all()

    found = returns_of_customer(session, customer.id)

    assert [r.id for r in found] == [newer.id, older.id]
    assert all("lines" not in inspect(r).unloaded for r in found)
    assert found[0].lines[0].order_line.name == order.lines[0].name


# --- moving -----------------------------------------------------------------------------------


def move(
    session: Session,
    return_: Return,
    slot: Slot,
    *,
    idempotency_key: str | None = None,
    now: dt.datetime = NOW,
) -> Return:
    return move_return(
        session,
        return_,
        slot,
        idempotency_key=idempotency_key or key(),
        actor="customer:test",
        now=now,
    )


def test_move_books_the_new_slot_and_audits_it(session: Session) -> None:
    return_ = create(session, delivered_order(session))

    moved = move(session, return_, WEDNESDAY_MORNING, idempotency_key="m1")

    assert moved.pickup_date == WEDNESDAY_MORNING.date
    assert moved.updated_at == NOW
    entries = history(session, "return", return_.id)
    assert [e.action for e in entries] == ["create_return", "move_return"]
    assert entries[1].details["before"] == TUESDAY_MORNING.key
    assert entries[1].details["after"] == WEDNESDAY_MORNING.key


def test_moving_to_the_same_slot_changes_nothing(session: Session) -> None:
    return_ = create(session, delivered_order(session))

    move(session, return_, TUESDAY_MORNING)

    assert [e.action for e in history(session, "return", return_.id)] == ["create_return"]


@pytest.mark.parametrize(
    "status", [ReturnStatus.CANCELLED, ReturnStatus.COLLECTED, ReturnStatus.REFUNDED]
)
def test_only_a_scheduled_return_can_move(session: Session, status: ReturnStatus) -> None:
    return_ = factories.return_(session, delivered_order(session), status=status)

    with pytest.raises(Refused) as excinfo:
        move(session, return_, WEDNESDAY_MORNING)

    assert refusal(excinfo) is RefusalReason.RETURN_NOT_OPEN
    assert excinfo.value.details["status"] is status


def test_move_respects_the_cutoff_of_the_current_window(session: Session) -> None:
    return_ = create(session, delivered_order(session))  # Tuesday 09:00, 12 hours' cut-off
    cutoff = dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC)

    with pytest.raises(Refused) as excinfo:
        move(session, return_, WEDNESDAY_MORNING, now=cutoff + dt.timedelta(seconds=1))
    assert refusal(excinfo) is RefusalReason.PAST_CUTOFF
    assert excinfo.value.details["cutoff"] == cutoff

    assert move(session, return_, WEDNESDAY_MORNING, now=cutoff).pickup_date == (
        WEDNESDAY_MORNING.date
    )


@pytest.mark.parametrize(
    "slot",
    [
        Slot(dt.date(2026, 3, 8), dt.time(9), dt.time(13)),  # a Sunday
        Slot(dt.date(2026, 3, 11), dt.time(9), dt.time(13)),  # too far ahead
    ],
)
def test_move_to_a_slot_not_offered_is_refused(session: Session, slot: Slot) -> None:
    return_ = create(session, delivered_order(session))

    with pytest.raises(Refused) as excinfo:
        move(session, return_, slot)

    assert refusal(excinfo) is RefusalReason.SLOT_UNAVAILABLE
    assert return_.pickup_date == TUESDAY_MORNING.date


def test_move_to_a_full_slot_is_refused(session: Session) -> None:
    carrier = factories.carrier(session, slot_capacity=1)
    return_ = create(session, delivered_order(session, carrier=carrier))
    create(session, delivered_order(session, carrier=carrier), slot=WEDNESDAY_MORNING)

    with pytest.raises(Refused) as excinfo:
        move(session, return_, WEDNESDAY_MORNING)

    assert refusal(excinfo) is RefusalReason.SLOT_UNAVAILABLE


def test_a_replayed_move_changes_nothing_more(session: Session) -> None:
    return_ = create(session, delivered_order(session))
    move(session, return_, WEDNESDAY_MORNING, idempotency_key="m1")

    again = move(session, return_, TUESDAY_AFTERNOON, idempotency_key="m1")

    assert again is return_
    assert return_.pickup_date == WEDNESDAY_MORNING.date
    assert [e.action for e in history(session, "return", return_.id)] == [
        "create_return",
        "move_return",
    ]


def test_a_move_key_reused_for_another_return_raises(session: Session) -> None:
    first = create(session, delivered_order(session))
    second = create(session, delivered_order(session))
    move(session, first, WEDNESDAY_MORNING, idempotency_key="m1")

    with pytest.raises(IdempotencyKeyReused):
        move(session, second, WEDNESDAY_MORNING, idempotency_key="m1")


# --- cancelling -------------------------------------------------------------------------------


def cancel(
    session: Session, return_: Return, *, idempotency_key: str = "c1", now: dt.datetime = NOW
) -> Return:
    return cancel_return(
        session, return_, idempotency_key=idempotency_key, actor="customer:test", now=now
    )


def test_cancel_sets_cancelled_and_audits_it(session: Session) -> None:
    return_ = create(session, delivered_order(session))

    cancel(session, return_)

    assert return_.status is ReturnStatus.CANCELLED
    entries = history(session, "return", return_.id)
    assert [(e.action, e.idempotency_key) for e in entries][1:] == [("cancel_return", "c1")]


def test_cancelling_twice_with_a_new_key_is_refused(session: Session) -> None:
    return_ = create(session, delivered_order(session))
    cancel(session, return_, idempotency_key="c1")

    with pytest.raises(Refused) as excinfo:
        cancel(session, return_, idempotency_key="c2")

    assert refusal(excinfo) is RefusalReason.RETURN_NOT_OPEN


def test_cancelling_twice_with_the_same_key_is_a_harmless_replay(session: Session) -> None:
    return_ = create(session, delivered_order(session))
    cancel(session, return_, idempotency_key="c1")

    again = cancel(session, return_, idempotency_key="c1", now=NOW + dt.timedelta(days=5))

    assert again is return_
    assert return_.status is ReturnStatus.CANCELLED
    assert return_.updated_at == NOW
    cancellations = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "cancel_return")
    ).all()
    assert len(cancellations) == 1


def test_cancel_respects_the_cutoff(session: Session) -> None:
    return_ = create(session, delivered_order(session))

    with pytest.raises(Refused) as excinfo:
        cancel(session, return_, now=dt.datetime(2026, 3, 2, 21, 1, tzinfo=dt.UTC))

    assert refusal(excinfo) is RefusalReason.PAST_CUTOFF
    assert return_.status is ReturnStatus.SCHEDULED
