"""Pickup points: nearest first, hours and room, and switching a parcel to one."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.db.models import AuditEntry, Carrier, DeliveryChange, PickupPoint, Shipment
from delivery.geo.distance import EARTH_RADIUS_KM, Coordinates
from delivery.services.audit import IdempotencyKeyReused
from delivery.services.pickup_points import (
    by_distance,
    describe_point,
    ensure_can_switch,
    nearest_pickup_points,
    search_radii,
    switch_to_pickup_point,
)
from delivery.services.refusals import RefusalReason, Refused
from delivery.vocabulary import ChangeKind, OrderStatus, PickupPointKind, ShipmentStatus
from tests import factories
from tests.factories import NOW

LONDON = Coordinates(51.5074, -0.1278)
LONDON_ZONE = ZoneInfo("Europe/London")


def north_of(origin: Coordinates, km: float) -> dict[str, float]:
    """Coordinates ``km`` due north of ``origin`` (one degree of latitude is ~111.2 km)."""
    return {
        "latitude": origin.latitude + math.degrees(km / EARTH_RADIUS_KM),
        "longitude": origin.longitude,
    }


def point_at(session: Session, carrier: Carrier, km: float, **overrides: Any) -> PickupPoint:
    return factories.pickup_point(session, carrier, **(north_of(LONDON, km) | overrides))


def refusal(call: Any, *args: Any, **kwargs: Any) -> Refused:
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    return info.value


# --- nearest points ------------------------------------------------------------------------------


def test_points_come_nearest_first_with_their_distance(session: Session) -> None:
    carrier = factories.carrier(session)
    far = point_at(session, carrier, 3.04)
    near = point_at(session, carrier, 0.52)
    middle = point_at(session, carrier, 1.46)
    options = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW)
    assert [o.point_id for o in options] == [near.id, middle.id, far.id]
    assert [o.distance_km for o in options] == [0.5, 1.5, 3.0]


def test_the_search_widens_until_enough_points_and_stops_at_the_limit(session: Session) -> None:
    carrier = factories.carrier(session)
    points = [point_at(session, carrier, km) for km in (1, 4, 9, 20, 40)]
    options = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW, limit=4)
    assert [o.point_id for o in options] == [p.id for p in points[:4]]


def test_points_beyond_the_radius_are_not_offered(session: Session) -> None:
    carrier = factories.carrier(session)
    near = point_at(session, carrier, 10)
    point_at(session, carrier, 60)
    options = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW)
    assert [o.point_id for o in options] == [near.id]
    assert (
        nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW, max_radius_km=5)
        == []
    )


def test_a_box_corner_is_not_nearer_than_the_circle_says(session: Session) -> None:
    # A point in the corner of the 2 km box (2.5 km away) must not beat one 2.2 km due north.
    carrier = factories.carrier(session)
    factories.pickup_point(
        session, carrier, latitude=LONDON.latitude + 0.0162, longitude=LONDON.longitude + 0.0260
    )
    straight = point_at(session, carrier, 2.2)
    options = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW, limit=1)
    assert [(o.point_id, o.distance_km) for o in options] == [(straight.id, 2.2)]


def test_only_active_points_of_that_carrier(session: Session) -> None:
    carrier, other = factories.carrier(session), factories.carrier(session)
    mine = point_at(session, carrier, 2)
    point_at(session, carrier, 1, active=False)
    point_at(session, other, 0.5)
    options = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW)
    assert [o.point_id for o in options] == [mine.id]


def test_an_unknown_carrier_or_no_limit_finds_nothing(session: Session) -> None:
    carrier = factories.carrier(session)
    point_at(session, carrier, 1)
    assert nearest_pickup_points(session, LONDON, carrier_id=carrier.id + 999, now=NOW) == []
    assert nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW, limit=0) == []


def test_free_places_count_parcels_not_yet_collected(session: Session) -> None:
    carrier = factories.carrier(session)
    roomy = point_at(session, carrier, 1, capacity=3)
    full = point_at(session, carrier, 2, capacity=1)
    for point, status in [
        (roomy, ShipmentStatus.READY_FOR_PICKUP),
        (roomy, ShipmentStatus.DELIVERED),
        (roomy, ShipmentStatus.RETURNED_TO_SENDER),
        (full, ShipmentStatus.IN_TRANSIT),
    ]:
        factories.shipment(
            session,
            factories.order(session),
            carrier_=carrier,
            pickup_point_id=point.id,
            status=status,
        )
    options = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW)
    assert [(o.free_places, o.has_room) for o in options] == [(2, True), (0, False)]


def test_options_describe_the_point(session: Session) -> None:
    carrier = factories.carrier(session)
    locker = point_at(
        session,
        carrier,
        1,
        kind=PickupPointKind.LOCKER,
        name="Locker Victoria",
        street="1 Victoria St",
        postcode="SW1E 5ND",
        opening_hours={"mon": [["00:00", "24:00"]]},
    )
    (option,) = nearest_pickup_points(session, LONDON, carrier_id=carrier.id, now=NOW)
    assert (option.code, option.name, option.kind) == (locker.code, "Locker Victoria", "locker")
    assert (option.street, option.postcode, option.city, option.country) == (
        "1 Victoria St",
        "SW1E 5ND",
        "London",
        "GB",
    )
    assert option.opening_hours["mon"] == [("00:00", "24:00")]
    assert option.opening_hours["sun"] == []
    assert option.open_now
    assert option.next_opening is None


# --- opening hours as shown ----------------------------------------------------------------------


def describe_at(now: dt.datetime, zone: ZoneInfo = LONDON_ZONE) -> Any:
    point = PickupPoint(
        id=1,
        code="P1",
        kind=PickupPointKind.PICKUP_POINT,
        name="Shop",
        street="1 High St",
        city="London",
        postcode="SW1A 1AA",
        country="GB",
        latitude=LONDON.latitude,
        longitude=LONDON.longitude,
        opening_hours={
            day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")
        }
        | {"sun": []},
        capacity=5,
    )
    return describe_point(point, distance_km=1.26, occupied=5, zone=zone, now=now)


def test_open_until_a_minute_before_closing() -> None:
    option = describe_at(NOW.replace(hour=19, minute=59))
    assert option.open_now
    assert option.next_opening is None
    assert option.distance_km == 1.3
    assert (option.free_places, option.has_room) == (0, False)


def test_closed_at_closing_time_opens_next_morning() -> None:
    option = describe_at(NOW.replace(hour=20))
    assert not option.open_now
    assert option.next_opening == dt.datetime(2026, 3, 3, 8, 0, tzinfo=LONDON_ZONE)
    assert option.next_opening.tzinfo is LONDON_ZONE


def test_closed_on_sunday_opens_on_monday() -> None:
    sunday_noon = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)
    option = describe_at(sunday_noon)
    assert not option.open_now
    assert option.next_opening == dt.datetime(2026, 3, 9, 8, 0, tzinfo=LONDON_ZONE)


def test_hours_are_read_in_the_carriers_timezone() -> None:
    # 07:30 UTC is 08:30 in Rome (open) but 07:30 in London (not yet).
    morning = NOW.replace(hour=7, minute=30)
    assert describe_at(morning, ZoneInfo("Europe/Rome")).open_now
    assert not describe_at(morning).open_now


# --- pure helpers --------------------------------------------------------------------------------


def test_search_radii_widen_up_to_the_maximum() -> None:
    assert search_radii(50) == [2, 5, 10, 25, 50]
    assert search_radii(7) == [2, 5, 7]
    assert search_radii(1) == [1]


def test_by_distance_keeps_points_inside_the_circle() -> None:
    points = [
        PickupPoint(id=i, **north_of(LONDON, km)) for i, km in enumerate((3.0, 1.0, 2.5), start=1)
    ]
    assert [p.id for _, p in by_distance(points, LONDON, within_km=2.6)] == [2, 3]


# --- switching -----------------------------------------------------------------------------------


def parcel(session: Session, carrier: dict[str, Any] | None = None, **overrides: Any) -> Shipment:
    the_carrier = factories.carrier(session, **(carrier or {}))
    return factories.shipment(session, factories.order(session), carrier_=the_carrier, **overrides)


def switch(session: Session, shipment: Shipment, point_id: int, key: str = "k") -> Any:
    return switch_to_pickup_point(
        session, shipment, point_id, idempotency_key=key, actor="telegram:42", now=NOW
    )


def changes(session: Session, shipment: Shipment) -> int:
    query = select(func.count()).select_from(DeliveryChange)
    return session.scalar(query.where(DeliveryChange.shipment_id == shipment.id)) or 0


def entries(session: Session, shipment: Shipment) -> int:
    query = select(func.count()).select_from(AuditEntry)
    return session.scalar(query.where(AuditEntry.entity_id == shipment.id)) or 0


def test_switch_sends_the_parcel_to_the_point_and_records_it(session: Session) -> None:
    shipment = parcel(session, status=ShipmentStatus.DELAYED)
    point = factories.pickup_point(session, shipment.carrier)
    result = switch(session, shipment, point.id)
    assert (result.shipment_id, result.point_id, result.previous_point_id, result.changed) == (
        shipment.id,
        point.id,
        None,
        True,
    )
    session.expire_all()
    stored = session.get(Shipment, shipment.id)
    assert stored is not None
    assert stored.pickup_point_id == point.id
    assert stored.status is ShipmentStatus.DELAYED
    change = session.scalars(select(DeliveryChange)).one()
    assert change.kind is ChangeKind.PICKUP_POINT
    assert change.before == {"pickup_point_id": None}
    assert change.after == {
        "pickup_point_id": point.id,
        "pickup_point_code": point.code,
        "kind": "pickup_point",
    }
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.entity_id, entry.idempotency_key) == (
        "switch_to_pickup_point",
        shipment.id,
        "k",
    )


def test_switching_from_one_point_to_another(session: Session) -> None:
    shipment = parcel(session)
    first, second = (factories.pickup_point(session, shipment.carrier) for _ in range(2))
    switch(session, shipment, first.id, key="a")
    result = switch(session, shipment, second.id, key="b")
    assert (result.previous_point_id, result.point_id, result.changed) == (
        first.id,
        second.id,
        True,
    )
    assert shipment.pickup_point_id == second.id


def test_the_same_point_again_changes_nothing(session: Session) -> None:
    shipment = parcel(session)
    point = factories.pickup_point(session, shipment.carrier, capacity=1)
    switch(session, shipment, point.id, key="a")
    # The point is now full with this very parcel, which must not refuse it its own place.
    result = switch(session, shipment, point.id, key="b")
    assert (result.changed, result.previous_point_id) == (False, point.id)
    assert changes(session, shipment) == entries(session, shipment) == 1


def test_another_carriers_point_is_not_served(session: Session) -> None:
    shipment = parcel(session)
    foreign = factories.pickup_point(session, factories.carrier(session))
    refused = refusal(switch, session, shipment, foreign.id)
    assert refused.reason is RefusalReason.POINT_NOT_SERVED
    assert refused.details == {"shipment_id": shipment.id, "point_id": foreign.id}
    assert shipment.pickup_point_id is None
    assert changes(session, shipment) == entries(session, shipment) == 0


def test_closed_down_or_unknown_points_are_not_served(session: Session) -> None:
    shipment = parcel(session)
    closed = factories.pickup_point(session, shipment.carrier, active=False)
    for point_id in (closed.id, closed.id + 10_000):
        assert refusal(switch, session, shipment, point_id).reason is RefusalReason.POINT_NOT_SERVED


def test_a_full_point_is_refused(session: Session) -> None:
    shipment = parcel(session)
    point = factories.pickup_point(session, shipment.carrier, capacity=1)
    factories.shipment(
        session,
        factories.order(session),
        carrier_=shipment.carrier,
        pickup_point_id=point.id,
        status=ShipmentStatus.READY_FOR_PICKUP,
    )
    refused = refusal(switch, session, shipment, point.id)
    assert refused.reason is RefusalReason.POINT_FULL
    assert changes(session, shipment) == entries(session, shipment) == 0


def test_a_carrier_without_pickup_points_is_refused(session: Session) -> None:
    shipment = parcel(session, carrier={"supports_pickup_points": False})
    point = factories.pickup_point(session, shipment.carrier)
    refused = refusal(switch, session, shipment, point.id)
    assert refused.reason is RefusalReason.PICKUP_POINTS_NOT_SUPPORTED
    assert (
        refusal(ensure_can_switch, shipment, now=NOW).reason
        is RefusalReason.PICKUP_POINTS_NOT_SUPPORTED
    )


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
def test_parcels_the_carrier_no_longer_changes_are_refused(
    session: Session, status: ShipmentStatus, reason: RefusalReason
) -> None:
    shipment = parcel(session, status=status)
    point = factories.pickup_point(session, shipment.carrier)
    assert refusal(switch, session, shipment, point.id).reason is reason


def test_a_cancelled_order_is_refused(session: Session) -> None:
    shipment = parcel(session)
    shipment.order.status = OrderStatus.CANCELLED
    point = factories.pickup_point(session, shipment.carrier)
    assert refusal(switch, session, shipment, point.id).reason is RefusalReason.ORDER_CANCELLED


def test_a_replayed_key_returns_the_first_outcome(session: Session) -> None:
    shipment = parcel(session)
    first, second = (factories.pickup_point(session, shipment.carrier) for _ in range(2))
    result = switch(session, shipment, first.id, key="same")
    assert switch(session, shipment, second.id, key="same") == result
    assert shipment.pickup_point_id == first.id
    assert changes(session, shipment) == entries(session, shipment) == 1


def test_a_key_used_for_a_reschedule_or_another_shipment_raises(session: Session) -> None:
    shipment, other = parcel(session), parcel(session)
    point = factories.pickup_point(session, shipment.carrier)
    switch(session, shipment, point.id, key="used")
    with pytest.raises(IdempotencyKeyReused):
        switch(session, other, point.id, key="used")
    session.add(
        AuditEntry(
            occurred_at=NOW,
            actor="t",
            action="reschedule",
            entity_type="shipment",
            entity_id=other.id,
            details={},
            idempotency_key="resched",
        )
    )
    session.flush()
    with pytest.raises(IdempotencyKeyReused):
        switch(session, other, point.id, key="resched")
    assert other.pickup_point_id is None


def test_redirecting_past_the_cut_off_is_refused(session: Session) -> None:
    # Delivery planned for today 13:00 London with a 12 h cut-off: it passed at 01:00.
    shipment = parcel(
        session,
        promised_date=NOW.date(),
        eta_date=NOW.date(),
        eta_window_start=dt.time(13, 0),
        eta_window_end=dt.time(18, 0),
    )
    point = factories.pickup_point(session, shipment.carrier)
    refused = refusal(switch, session, shipment, point.id)
    assert refused.reason is RefusalReason.PAST_CUTOFF
    assert shipment.pickup_point_id is None
    assert changes(session, shipment) == entries(session, shipment) == 0
