"""Boreal Express' API as the demo service answers it, through the real Boreal adapter."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import requests

from delivery.carriers.boreal import BorealAdapter
from delivery.carriers.errors import CarrierRejected
from delivery.carriers.registry import CarrierRegistry, build_registry
from delivery.carriers.values import DeliveryEstimate, DeliverySlot, NearCoordinates, NearPlace
from delivery.demo.carriers import BOREAL, EventKind
from delivery.vocabulary import ShipmentStatus as S
from democarrier import boreal_shape
from democarrier.app import create_app
from democarrier.model import World
from democarrier.settings import DEMO_CREDENTIALS
from tests.carriers.transport import recorded
from tests.democarrier.conftest import TOMORROW, make_parcel, serve_in_thread, settings, still
from tests.democarrier.shapes import paths
from tests.factories import NOW

Carriers = tuple[CarrierRegistry, World]
AFTERNOON, EVENING = (dt.time(13), dt.time(18)), (dt.time(18), dt.time(22))
WEDNESDAY = dt.date(2026, 3, 4)


def boreal(carriers: Carriers) -> BorealAdapter:
    adapter = carriers[0].get("boreal")
    assert isinstance(adapter, BorealAdapter)
    return adapter


def test_tracking_with_numeric_codes_and_ids(carriers: Carriers) -> None:
    snapshot = boreal(carriers).fetch_tracking("JJBX2")
    assert snapshot.status is S.IN_TRANSIT
    assert [e.raw_code for e in snapshot.events] == ["10", "20", "31", "32", "40"]
    assert [e.event_id for e in snapshot.events] == [str(7_000_000 + n) for n in range(1, 6)]
    assert snapshot.events[0].occurred_at == NOW - dt.timedelta(days=2, hours=-1)
    assert snapshot.eta == DeliveryEstimate(TOMORROW.date, TOMORROW.start, TOMORROW.end)


def test_a_long_history_comes_in_pages_and_is_read_whole(carriers: Carriers) -> None:
    _, world = carriers
    kinds = [EventKind.LABEL] + [EventKind.HUB_IN, EventKind.HUB_OUT] * 70
    world.add(make_parcel(BOREAL, "JJBXLONG", kinds, start=NOW - dt.timedelta(days=10)))
    snapshot = boreal(carriers).fetch_tracking("JJBXLONG")
    assert len(snapshot.events) == 141
    assert len({e.event_id for e in snapshot.events}) == 141
    assert snapshot.events == tuple(sorted(snapshot.events, key=lambda e: e.occurred_at))


def test_not_found_and_bad_credentials_in_boreals_words(world: World) -> None:
    app = create_app(settings(), still(), world=world, clock=lambda: NOW)
    with serve_in_thread(app) as url:
        good = build_registry(settings(BOREAL_API_URL=f"{url}/boreal"))
        bad = build_registry(settings(BOREAL_API_URL=f"{url}/boreal", BOREAL_API_PASSWORD="x"))
        try:
            for registry, number, expected in (
                (good, "JJBXNEW", (404, "E_NOT_FOUND")),
                (good, "SP1", (404, "E_NOT_FOUND")),
                (bad, "JJBX1", (401, "E_AUTH")),
            ):
                adapter = registry.get("boreal")
                assert adapter is not None
                with pytest.raises(CarrierRejected) as rejected:
                    adapter.fetch_tracking(number)
                assert (rejected.value.status_code, rejected.value.code) == expected
        finally:
            good.close()
            bad.close()


def test_timeslots_and_a_change_with_a_request_id(carriers: Carriers) -> None:
    adapter = boreal(carriers)
    slots = adapter.list_delivery_slots("JJBX1", NOW.date(), 3)
    assert slots and {(s.start, s.end) for s in slots} <= {AFTERNOON, EVENING}
    # Monday 12:00 in Helsinki: a 16-hour cut-off leaves nothing today.
    assert min(slots).date == dt.date(2026, 3, 3)
    slot = slots[-1]
    confirmed = adapter.reschedule("JJBX1", slot, idempotency_key="req-1")
    assert confirmed.reference.startswith("BXR-") and confirmed.slot.key == slot.key
    assert adapter.reschedule("JJBX1", slot, idempotency_key="req-1") == confirmed
    assert adapter.fetch_tracking("JJBX1").eta == DeliveryEstimate(slot.date, slot.start, slot.end)


@pytest.mark.parametrize(
    ("number", "slot", "status", "code"),
    [
        ("JJBXDONE", DeliverySlot(WEDNESDAY, *EVENING), 409, "E_NOT_CHANGEABLE"),
        ("JJBX1", DeliverySlot(NOW.date(), *EVENING), 409, "E_CUTOFF"),
        ("JJBX1", DeliverySlot(WEDNESDAY, dt.time(9), dt.time(13)), 422, "E_TIMESLOT"),
    ],
)
def test_changes_boreal_refuses(
    carriers: Carriers, number: str, slot: DeliverySlot, status: int, code: str
) -> None:
    with pytest.raises(CarrierRejected) as rejected:
        boreal(carriers).reschedule(number, slot, idempotency_key=f"req-{code}")
    assert (rejected.value.status_code, rejected.value.code) == (status, code)


def test_points_nearest_first_with_room_from_free_compartments(carriers: Carriers) -> None:
    adapter = boreal(carriers)
    by_postcode = adapter.search_pickup_points(NearPlace(postcode="00100", country="FI"))
    by_city = adapter.search_pickup_points(NearPlace(city="Helsinki"), limit=1)
    by_coordinates = adapter.search_pickup_points(NearCoordinates(60.2, 24.94))
    assert [p.code for p in by_postcode] == ["JJBX-P1", "JJBX-P2"]
    assert [p.code for p in by_city] == ["JJBX-P1"]
    assert [p.code for p in by_coordinates] == ["JJBX-P2", "JJBX-P1"]
    assert by_postcode[0].has_room is True and by_postcode[0].distance_m == 0
    assert by_postcode[0].opening_hours[-1].weekday == 7


def test_answers_carry_only_fields_the_real_api_has(carriers: Carriers) -> None:
    base = boreal(carriers).http.base_url
    auth = (DEMO_CREDENTIALS["BOREAL_API_USER"], DEMO_CREDENTIALS["BOREAL_API_PASSWORD"])

    def get(path: str, **params: str | int) -> object:
        response = requests.get(f"{base}{path}", auth=auth, params=params, timeout=5)
        response.raise_for_status()
        return response.json()

    events = get("/api/v1/shipments/JJBX2/events", page=1, per_page=100)
    assert paths(events) == paths(recorded("boreal", "events_page1"))
    slots = get("/api/v1/shipments/JJBX1/timeslots", date="20260303", days=2)
    assert paths(slots) == paths(recorded("boreal", "timeslots"))
    points = get("/api/v1/points", postal_code="00100")
    assert paths(points) == paths(recorded("boreal", "points"))


def test_a_stored_event_id_that_is_not_a_number_gets_a_stable_one() -> None:
    assert boreal_shape.event_number("7301001") == 7301001
    number = boreal_shape.event_number("JJBX482913570-3")
    assert number == boreal_shape.event_number("JJBX482913570-3") > 0


def test_status_texts_are_bilingual_once() -> None:
    parcel = make_parcel(BOREAL, "JJBXT", [EventKind.OUT_FOR_DELIVERY])
    (event,) = parcel.events
    assert boreal_shape.status_text(event) == "Jakelussa / out_for_delivery"
    stored = replace(event, description="Jakelussa / Out for delivery")  # read back from the DB
    assert boreal_shape.status_text(stored) == "Jakelussa / Out for delivery"
