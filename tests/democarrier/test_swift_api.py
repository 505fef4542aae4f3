"""Swift Parcels' API as the demo service answers it, through the real Swift adapter."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from delivery.carriers.errors import CarrierRejected
from delivery.carriers.registry import CarrierRegistry, build_registry
from delivery.carriers.swift import SwiftAdapter
from delivery.carriers.values import (
    Address,
    DeliveryEstimate,
    DeliverySlot,
    NearCoordinates,
    NearPlace,
    OpeningHours,
    ReturnPickupRequest,
)
from delivery.demo.carriers import EventKind
from delivery.vocabulary import PickupPointKind
from delivery.vocabulary import ShipmentStatus as S
from democarrier.app import create_app
from democarrier.model import World
from democarrier.settings import DEMO_CREDENTIALS
from democarrier.simulation import Rules, Simulator
from tests.carriers.transport import recorded
from tests.democarrier.conftest import serve_in_thread, settings, still
from tests.democarrier.shapes import paths
from tests.factories import NOW

Carriers = tuple[CarrierRegistry, World]
TUESDAY, WEDNESDAY = dt.date(2026, 3, 3), dt.date(2026, 3, 4)
MORNING, AFTERNOON = (dt.time(9), dt.time(13)), (dt.time(13), dt.time(18))


def swift(carriers: Carriers) -> SwiftAdapter:
    adapter = carriers[0].get("swift")
    assert isinstance(adapter, SwiftAdapter)
    return adapter


def test_tracking_oldest_first_with_the_estimate(carriers: Carriers) -> None:
    snapshot = swift(carriers).fetch_tracking("SP2")
    assert snapshot.tracking_number == "SP2"
    assert snapshot.status is S.IN_TRANSIT
    assert [e.raw_code for e in snapshot.events] == ["MAN", "COL", "ARH", "DPH", "ADC"]
    assert [e.event_id for e in snapshot.events] == [f"SP2-{n}" for n in range(1, 6)]
    assert snapshot.events[0].occurred_at == NOW - dt.timedelta(days=2, hours=-1)
    assert snapshot.events[-1].location == "London"
    assert snapshot.eta == DeliveryEstimate(TUESDAY, *MORNING)


def test_tracking_shows_what_the_simulation_did(carriers: Carriers) -> None:
    _, world = carriers
    parcel = world.parcels["swift"]["SP2"]
    Simulator(world, rules=Rules(failed_attempt=0), first_event_number=5).step(parcel, NOW)
    snapshot = swift(carriers).fetch_tracking("SP2")
    assert snapshot.status is S.OUT_FOR_DELIVERY
    newest = snapshot.events[-1]
    assert (newest.event_id, newest.raw_code, newest.occurred_at) == ("evt_demo_5", "OFD", NOW)
    assert snapshot.eta == DeliveryEstimate(NOW.date(), *MORNING)
    delivered = swift(carriers).fetch_tracking("SPDONE")
    assert delivered.status is S.DELIVERED and delivered.eta is None


def test_an_unknown_parcel_or_one_without_a_label_is_not_found(carriers: Carriers) -> None:
    for number in ("SP404", "SPNEW", "JJBX1"):
        with pytest.raises(CarrierRejected) as rejected:
            swift(carriers).fetch_tracking(number)
        assert (rejected.value.status_code, rejected.value.code) == (404, "SHIPMENT_NOT_FOUND")


def test_a_wrong_api_key_is_refused(world: World) -> None:
    app = create_app(settings(), still(), world=world, clock=lambda: NOW)
    with serve_in_thread(app) as url:
        registry = build_registry(settings(SWIFT_API_URL=f"{url}/swift", SWIFT_API_KEY="nope"))
        adapter = registry.get("swift")
        assert adapter is not None
        with pytest.raises(CarrierRejected) as rejected:
            adapter.fetch_tracking("SP1")
        registry.close()
    assert (rejected.value.status_code, rejected.value.code) == (401, "UNAUTHORIZED")


def test_slots_follow_the_carriers_rules(carriers: Carriers) -> None:
    slots = swift(carriers).list_delivery_slots("SP1", NOW.date(), 3)
    # Monday 10:00 in London: today's windows are past their 12-hour cut-off.
    assert {slot.date for slot in slots} <= {TUESDAY, WEDNESDAY}
    assert {(slot.start, slot.end) for slot in slots} <= {MORNING, AFTERNOON}
    assert slots and all(slot.capacity_left and slot.capacity_left > 0 for slot in slots)
    assert list(slots) == sorted(slots)


def test_a_reschedule_moves_the_estimate_and_a_replay_answers_the_same(
    carriers: Carriers,
) -> None:
    adapter = swift(carriers)
    slot = adapter.list_delivery_slots("SP1", WEDNESDAY, 1)[-1]
    first = adapter.reschedule("SP1", slot, idempotency_key="move-1")
    assert first.reference.startswith("RSC-") and first.slot.key == slot.key
    assert adapter.reschedule("SP1", slot, idempotency_key="move-1") == first
    assert adapter.fetch_tracking("SP1").eta == DeliveryEstimate(slot.date, slot.start, slot.end)
    with pytest.raises(CarrierRejected) as reused:
        adapter.reschedule("SP2", slot, idempotency_key="move-1")
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize(
    ("number", "slot", "status", "code"),
    [
        ("SPDONE", DeliverySlot(WEDNESDAY, *MORNING), 409, "NOT_RESCHEDULABLE"),
        ("SP1", DeliverySlot(NOW.date(), *AFTERNOON), 409, "CUTOFF_PASSED"),
        ("SP1", DeliverySlot(WEDNESDAY, dt.time(10), dt.time(12)), 422, "SLOT_UNAVAILABLE"),
        ("SP1", DeliverySlot(dt.date(2026, 3, 8), *MORNING), 422, "SLOT_UNAVAILABLE"),  # Sunday
        ("SP1", DeliverySlot(dt.date(2026, 4, 1), *MORNING), 422, "SLOT_UNAVAILABLE"),
    ],
)
def test_reschedules_the_carrier_refuses(
    carriers: Carriers, number: str, slot: DeliverySlot, status: int, code: str
) -> None:
    with pytest.raises(CarrierRejected) as rejected:
        swift(carriers).reschedule(number, slot, idempotency_key=f"k-{code}-{slot.key}")
    assert (rejected.value.status_code, rejected.value.code) == (status, code)


def test_pickup_points_nearest_first_by_postcode_city_or_coordinates(carriers: Carriers) -> None:
    adapter = swift(carriers)
    by_postcode = adapter.search_pickup_points(NearPlace(postcode="SW1A 2JR"), limit=5)
    by_city = adapter.search_pickup_points(NearPlace(city="London", country="GB"))
    by_coordinates = adapter.search_pickup_points(NearCoordinates(51.5011, -0.1245), limit=1)
    assert [p.code for p in by_postcode] == ["SP-P1", "SP-P2"]
    assert [p.code for p in by_city] == ["SP-P1", "SP-P2"]
    assert [p.code for p in by_coordinates] == ["SP-P1"]
    point = by_postcode[0]
    assert point.kind is PickupPointKind.LOCKER and point.has_room is True
    assert point.distance_m == 0
    assert point.opening_hours == (
        OpeningHours(1, dt.time(8), dt.time(20)),
        OpeningHours(7, dt.time(0), dt.time(23, 59)),  # "24:00" is written 23:59
    )
    assert adapter.search_pickup_points(NearPlace(postcode="ZZ9 9ZZ")) == ()


def test_a_return_pickup_is_booked_once_per_reference(carriers: Carriers) -> None:
    adapter = swift(carriers)
    address = Address("Ada Lovelace", "10 Downing Street", "SW1A 2AA", "London", "GB")
    slot = next(
        s for s in adapter.list_delivery_slots("SP1", TUESDAY, 2) if (s.start, s.end) == AFTERNOON
    )
    request = ReturnPickupRequest("R-2F7K9Q", address, slot, parcels=1, tracking_number="SPDONE")
    booking = adapter.book_pickup(request)
    assert booking.booking_reference.startswith("SWR-")
    assert (booking.slot.date, booking.slot.start) == (slot.date, slot.start)
    assert adapter.book_pickup(request) == booking


def test_answers_carry_only_fields_the_real_api_has(carriers: Carriers) -> None:
    """Parsed by the adapter is not enough: no field a recording of Swift does not have."""
    base = swift(carriers).http.base_url
    headers = {"X-Api-Key": DEMO_CREDENTIALS["SWIFT_API_KEY"]}

    def get(path: str, **params: str | int) -> object:
        response = requests.get(f"{base}{path}", headers=headers, params=params, timeout=5)
        response.raise_for_status()
        return response.json()

    tracking = recorded("swift", "tracking_in_transit")
    assert paths(get("/v2/shipments/SP2/tracking")) <= paths(tracking)
    window: dict[str, str | int] = {"from": "2026-03-03", "days": 2}
    options = get("/v2/shipments/SP1/delivery-options", **window)
    assert paths(options) == paths(recorded("swift", "delivery_options"))
    points = get("/v2/pickup-points", postcode="SW1A 2JR")
    assert paths(points) == paths(recorded("swift", "pickup_points"))


def test_the_status_code_of_a_parcel_is_its_newest_event(carriers: Carriers) -> None:
    _, world = carriers
    parcel = world.parcels["swift"]["SP1"]
    Simulator(world, first_event_number=1).inject(parcel, EventKind.DELAYED, NOW)
    assert swift(carriers).fetch_tracking("SP1").status is S.DELAYED
