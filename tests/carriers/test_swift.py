"""The Swift Parcels adapter against recorded responses of its JSON REST API."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from delivery.carriers.errors import CarrierRejected, CarrierResponseInvalid, InvalidPayload
from delivery.carriers.swift import SwiftAdapter, parse_webhook
from delivery.carriers.values import (
    Address,
    DeliveryEstimate,
    DeliverySlot,
    NearCoordinates,
    NearPlace,
    OpeningHours,
    ReturnPickupRequest,
)
from delivery.vocabulary import PickupPointKind
from delivery.vocabulary import ShipmentStatus as S
from tests.carriers.conftest import SWIFT_KEY
from tests.carriers.transport import FakeTransport, recorded, recording

TN = "SP123456789GB"
TRACKING = f"/v2/shipments/{TN}/tracking"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_tracking_in_transit(swift_adapter: SwiftAdapter, transport: FakeTransport) -> None:
    transport.reply("GET", TRACKING, body=recording("swift", "tracking_in_transit"))
    snapshot = swift_adapter.fetch_tracking(TN)
    assert transport.seen[0].headers["X-Api-Key"] == SWIFT_KEY
    assert snapshot.tracking_number == TN
    assert snapshot.status is S.IN_TRANSIT
    assert [(e.raw_code, e.status) for e in snapshot.events] == [  # oldest first
        ("MAN", S.INFO_RECEIVED),
        ("COL", S.IN_TRANSIT),
        ("ARH", S.IN_TRANSIT),
        ("DPH", S.IN_TRANSIT),
        ("ADC", S.IN_TRANSIT),
    ]
    latest = snapshot.events[-1]
    assert latest.event_id == "evt_01HT7Q4Z6N4R1Z8V2K3M5P7Q9S"
    assert latest.description == "Arrived at delivery depot"
    assert latest.location == "Birmingham delivery depot"  # the facility, else the city
    assert latest.occurred_at == _at("2026-03-02T05:47:31")
    assert snapshot.events[1].location == "Milton Keynes"
    assert snapshot.events[0].location is None
    assert snapshot.events[2].occurred_at == _at("2026-03-01T18:30:00")  # "+00:00" also read
    assert snapshot.eta == DeliveryEstimate(dt.date(2026, 3, 3), dt.time(9), dt.time(13))


def test_tracking_delivered(swift_adapter: SwiftAdapter, transport: FakeTransport) -> None:
    transport.reply("GET", TRACKING, body=recording("swift", "tracking_delivered"))
    snapshot = swift_adapter.fetch_tracking(TN)
    assert snapshot.status is S.DELIVERED
    assert snapshot.events[-1].status is S.DELIVERED
    assert snapshot.events[-1].description == "Delivered - signed for by LOVELACE"
    assert snapshot.latest_event_at == _at("2026-03-03T10:41:09")


def test_tracking_exception_without_an_estimate(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    transport.reply(
        "GET", "/v2/shipments/SP987654321GB/tracking", body=recording("swift", "tracking_exception")
    )
    snapshot = swift_adapter.fetch_tracking("SP987654321GB")
    assert snapshot.status is S.EXCEPTION
    assert snapshot.events[-1].raw_code == "DMG"
    assert snapshot.eta is None


def test_an_unknown_code_is_kept_with_the_default_and_logged(
    swift_adapter: SwiftAdapter, transport: FakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    transport.reply("GET", TRACKING, body=recording("swift", "tracking_unknown_code"))
    with caplog.at_level(logging.WARNING, logger="delivery.carriers.mapping"):
        snapshot = swift_adapter.fetch_tracking(TN)
    customs = snapshot.events[-1]
    assert (customs.raw_code, customs.status) == ("CSH", S.IN_TRANSIT)
    assert "'CSH'" in caplog.text
    assert snapshot.eta == DeliveryEstimate(dt.date(2026, 3, 4))  # no window given


def test_a_malformed_answer_lists_every_problem(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    transport.reply("GET", TRACKING, body=recording("swift", "tracking_malformed"))
    with pytest.raises(CarrierResponseInvalid) as raised:
        swift_adapter.fetch_tracking(TN)
    assert [problem.as_dict() for problem in raised.value.problems] == [
        {"path": "shipment.status.code", "message": "is required"},
        {
            "path": "shipment.events[0].occurredAt",
            "message": "must carry a UTC offset (e.g. 'Z' or '+01:00')",
        },
        {"path": "shipment.events[1].code", "message": "must be a string"},
        {"path": "shipment.events[1].id", "message": "is required"},
        {
            "path": "shipment.events[1].occurredAt",
            "message": "must be an ISO 8601 date and time",
        },
        {"path": "shipment.estimatedDelivery.date", "message": "must be a date like '2026-03-02'"},
        {"path": "shipment.estimatedDelivery.window", "message": "must end after it starts"},
    ]
    assert len(transport.seen) == 1  # a malformed answer is not retried


def test_the_tracking_number_is_escaped_in_the_path(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    transport.reply("GET", "/v2/shipments/SP1%2F..%2Fx/tracking", status=404, json_body={})
    with pytest.raises(CarrierRejected):
        swift_adapter.fetch_tracking("SP1/../x")


def test_delivery_slots_are_the_available_ones_in_order(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    path = f"/v2/shipments/{TN}/delivery-options"
    transport.reply("GET", path, body=recording("swift", "delivery_options"))
    slots = swift_adapter.list_delivery_slots(TN, dt.date(2026, 3, 4), 3)
    assert transport.seen[0].query == {"from": ["2026-03-04"], "days": ["3"]}
    assert slots == (
        DeliverySlot(dt.date(2026, 3, 4), dt.time(13), dt.time(18), 7),
        DeliverySlot(dt.date(2026, 3, 5), dt.time(9), dt.time(13), 22),
        DeliverySlot(dt.date(2026, 3, 5), dt.time(13), dt.time(18), 31),
    )
    assert slots[0].key == "2026-03-04T13:00-18:00"


def test_reschedule_sends_the_slot_with_an_idempotency_key(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    path = f"/v2/shipments/{TN}/reschedule"
    transport.reply("POST", path, body=recording("swift", "reschedule_confirmed"))
    slot = DeliverySlot(dt.date(2026, 3, 5), dt.time(9), dt.time(13))
    confirmation = swift_adapter.reschedule(TN, slot, idempotency_key="resched:web-1:msg-9")
    seen = transport.seen[0]
    assert seen.body == {"date": "2026-03-05", "window": {"from": "09:00", "to": "13:00"}}
    assert seen.headers["Idempotency-Key"] == "resched:web-1:msg-9"
    assert confirmation.reference == "RSC-7Q2M-91KD"
    assert confirmation.slot == slot


def test_a_refused_reschedule_carries_swift_s_reason(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    path = f"/v2/shipments/{TN}/reschedule"
    transport.reply("POST", path, status=409, body=recording("swift", "reschedule_rejected"))
    slot = DeliverySlot(dt.date(2026, 3, 3), dt.time(9), dt.time(13))
    with pytest.raises(CarrierRejected) as raised:
        swift_adapter.reschedule(TN, slot, idempotency_key="k")
    assert raised.value.status_code == 409
    assert raised.value.code == "CUTOFF_PASSED"
    assert raised.value.reason.startswith("Changes to this delivery closed")
    assert len(transport.seen) == 1


def test_pickup_points_near_a_postcode_or_coordinates(
    swift_adapter: SwiftAdapter, transport: FakeTransport
) -> None:
    transport.reply("GET", "/v2/pickup-points", body=recording("swift", "pickup_points"), times=2)
    points = swift_adapter.search_pickup_points(NearPlace(postcode="SW1A 2AA", country="GB"), 2)
    swift_adapter.search_pickup_points(NearCoordinates(51.5034, -0.1276))
    assert transport.seen[0].query == {"limit": ["2"], "postcode": ["SW1A 2AA"], "country": ["GB"]}
    assert transport.seen[1].query == {"limit": ["5"], "lat": ["51.5034"], "lng": ["-0.1276"]}
    locker, shop = points
    assert (locker.code, locker.kind, locker.distance_m, locker.has_room) == (
        "SWP-LON-00412",
        PickupPointKind.LOCKER,
        310,
        True,
    )
    assert (locker.street, locker.postcode, locker.city, locker.country) == (
        "Bridge Street",
        "SW1A 2JR",
        "London",
        "GB",
    )
    assert (locker.latitude, locker.longitude) == (51.50105, -0.12452)
    assert len(locker.opening_hours) == 7
    assert shop.kind is PickupPointKind.PICKUP_POINT
    assert shop.has_room is False
    assert shop.opening_hours == (
        OpeningHours(1, dt.time(7), dt.time(21)),
        OpeningHours(6, dt.time(8), dt.time(18)),
    )


def test_book_a_return_pickup(swift_adapter: SwiftAdapter, transport: FakeTransport) -> None:
    transport.reply("POST", "/v2/returns/pickups", body=recording("swift", "return_pickup_booked"))
    slot = DeliverySlot(dt.date(2026, 3, 5), dt.time(13), dt.time(18))
    request = ReturnPickupRequest(
        reference="R-2F7K9Q",
        address=Address("Ada Lovelace", "10 Downing Street", "SW1A 2AA", "London", "GB"),
        slot=slot,
        tracking_number=TN,
    )
    booking = swift_adapter.book_pickup(request)
    seen = transport.seen[0]
    assert seen.headers["Idempotency-Key"] == "R-2F7K9Q"
    assert seen.body["collectionAddress"]["line1"] == "10 Downing Street"
    assert seen.body["window"] == {"from": "13:00", "to": "18:00"}
    assert (booking.booking_reference, booking.slot) == ("SWR-20260305-4471", slot)


def test_a_webhook_is_one_event_of_one_parcel(swift_adapter: SwiftAdapter) -> None:
    (update,) = swift_adapter.parse_webhook(recorded("swift", "webhook_out_for_delivery"))
    assert update.tracking_number == TN
    assert update.status is S.OUT_FOR_DELIVERY
    (event,) = update.events
    assert (event.event_id, event.raw_code) == ("evt_01HT9X2Z4B6D8F0H2K4M6P8R0T", "OFD")
    assert update.eta == DeliveryEstimate(dt.date(2026, 3, 3), dt.time(9), dt.time(13))


def test_other_webhook_types_carry_nothing() -> None:
    assert parse_webhook(recorded("swift", "webhook_ping")) == ()


def test_a_bad_webhook_lists_its_problems() -> None:
    body = recorded("swift", "webhook_delayed")
    del body["data"]["event"]["occurredAt"]
    body["data"]["trackingNumber"] = 12
    with pytest.raises(InvalidPayload) as raised:
        parse_webhook(body)
    assert [p.path for p in raised.value.problems] == [
        "data.trackingNumber",
        "data.event.occurredAt",
    ]
