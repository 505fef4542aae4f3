"""The Boreal Express adapter against recorded responses of its flat, paged API."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import logging

import pytest

from delivery.carriers import boreal
from delivery.carriers.boreal import BorealAdapter, parse_webhook
from delivery.carriers.errors import (
    CarrierRejected,
    CarrierResponseInvalid,
    CarrierUnsupported,
    InvalidPayload,
)
from delivery.carriers.values import (
    Address,
    DeliveryEstimate,
    DeliverySlot,
    NearCoordinates,
    NearPlace,
    ReturnPickupRequest,
)
from delivery.vocabulary import PickupPointKind
from delivery.vocabulary import ShipmentStatus as S
from tests.carriers.conftest import BOREAL_AUTH
from tests.carriers.transport import FakeTransport, recorded, recording

TN = "JJBX482913570"
EVENTS = f"/api/v1/shipments/{TN}/events"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_tracking_reads_every_page(boreal_adapter: BorealAdapter, transport: FakeTransport) -> None:
    transport.reply("GET", EVENTS, body=recording("boreal", "events_page1"))
    transport.reply("GET", EVENTS, body=recording("boreal", "events_page2"))
    snapshot = boreal_adapter.fetch_tracking(TN)
    assert [seen.query["page"] for seen in transport.seen] == [["1"], ["2"]]
    user, password = BOREAL_AUTH
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    assert transport.seen[0].headers["Authorization"] == f"Basic {token}"
    assert snapshot.status is S.OUT_FOR_DELIVERY
    assert [(e.event_id, e.raw_code, e.status) for e in snapshot.events] == [
        ("7301001", "10", S.INFO_RECEIVED),
        ("7301388", "20", S.IN_TRANSIT),
        ("7302150", "31", S.IN_TRANSIT),
        ("7302871", "32", S.IN_TRANSIT),
        ("7303519", "40", S.IN_TRANSIT),
        ("7304002", "50", S.OUT_FOR_DELIVERY),
    ]
    out = snapshot.events[-1]
    assert out.occurred_at == _at("2026-03-02T08:01:17")  # from epoch seconds
    assert (out.location, out.description) == ("Helsinki", "Jakelussa / Out for delivery")
    # The window is local (Helsinki) time, as the database keeps it.
    assert snapshot.eta == DeliveryEstimate(dt.date(2026, 3, 2), dt.time(13), dt.time(18))


def test_delivered_and_exception(boreal_adapter: BorealAdapter, transport: FakeTransport) -> None:
    transport.reply("GET", EVENTS, body=recording("boreal", "events_delivered"))
    exception_path = "/api/v1/shipments/JJBX119283746/events"
    transport.reply("GET", exception_path, body=recording("boreal", "events_exception"))
    delivered = boreal_adapter.fetch_tracking(TN)
    problem = boreal_adapter.fetch_tracking("JJBX119283746")
    assert (delivered.status, delivered.events[-1].raw_code, delivered.eta) == (
        S.DELIVERED,
        "60",
        None,
    )
    assert len(transport.seen) == 2  # one page each
    assert problem.status is S.EXCEPTION
    assert problem.events[-1].description == (
        "Osoite puutteellinen / Address incomplete or incorrect, delivery not possible"
    )


def test_an_unknown_code_is_kept_with_the_default(
    boreal_adapter: BorealAdapter, transport: FakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    transport.reply("GET", EVENTS, body=recording("boreal", "events_unknown_code"))
    with caplog.at_level(logging.WARNING, logger="delivery.carriers.mapping"):
        snapshot = boreal_adapter.fetch_tracking(TN)
    assert [(e.raw_code, e.status) for e in snapshot.events] == [
        ("20", S.IN_TRANSIT),
        ("77", S.IN_TRANSIT),
    ]
    assert "'77'" in caplog.text
    assert snapshot.eta == DeliveryEstimate(dt.date(2026, 3, 3))


def test_a_malformed_answer_lists_every_problem(
    boreal_adapter: BorealAdapter, transport: FakeTransport
) -> None:
    transport.reply("GET", EVENTS, body=recording("boreal", "events_malformed"))
    with pytest.raises(CarrierResponseInvalid) as raised:
        boreal_adapter.fetch_tracking(TN)
    assert [problem.as_dict() for problem in raised.value.problems] == [
        {"path": "status_code", "message": "must be an integer"},
        {"path": "events[0].timestamp", "message": "must be an integer"},
        {"path": "events[1].event_no", "message": "is required"},
        {"path": "eta.date", "message": "must be a date like '20260302'"},
        {"path": "eta.window", "message": "must end after it starts"},
    ]


def test_pages_beyond_the_cap_are_not_read(
    boreal_adapter: BorealAdapter, transport: FakeTransport
) -> None:
    page = recorded("boreal", "events_page1")
    page["paging"] = {"page": 1, "pages": 500, "per_page": 4, "total": 2000}
    transport.reply("GET", EVENTS, json_body=page)
    for number in range(2, boreal.MAX_PAGES + 1):
        later = copy.deepcopy(page)
        later["paging"]["page"] = number
        for event in later["events"]:
            event["event_no"] += number * 1000
        transport.reply("GET", EVENTS, json_body=later)
    snapshot = boreal_adapter.fetch_tracking(TN)
    assert len(transport.seen) == boreal.MAX_PAGES
    assert len(snapshot.events) == 4 * boreal.MAX_PAGES


def test_timeslots_with_room(boreal_adapter: BorealAdapter, transport: FakeTransport) -> None:
    transport.reply(
        "GET", f"/api/v1/shipments/{TN}/timeslots", body=recording("boreal", "timeslots")
    )
    slots = boreal_adapter.list_delivery_slots(TN, dt.date(2026, 3, 3), 2)
    assert transport.seen[0].query == {"date": ["20260303"], "days": ["2"]}
    assert slots == (
        DeliverySlot(dt.date(2026, 3, 3), dt.time(18), dt.time(22), 14),
        DeliverySlot(dt.date(2026, 3, 4), dt.time(13), dt.time(18), 41),
        DeliverySlot(dt.date(2026, 3, 4), dt.time(18), dt.time(22), 3),
    )


def test_reschedule_with_a_request_id(
    boreal_adapter: BorealAdapter, transport: FakeTransport
) -> None:
    path = f"/api/v1/shipments/{TN}/timeslot"
    transport.reply("POST", path, status=503)
    transport.reply("POST", path, body=recording("boreal", "timeslot_confirmed"))
    slot = DeliverySlot(dt.date(2026, 3, 4), dt.time(18), dt.time(22))
    confirmation = boreal_adapter.reschedule(TN, slot, idempotency_key="resched:tg-5:77")
    assert [seen.headers["X-Request-Id"] for seen in transport.seen] == ["resched:tg-5:77"] * 2
    assert transport.seen[0].body == {"date": "20260304", "window": "1800-2200"}
    assert (confirmation.reference, confirmation.slot) == ("BXR-0300-55812", slot)


def test_a_refused_reschedule_carries_boreal_s_reason(
    boreal_adapter: BorealAdapter, transport: FakeTransport
) -> None:
    path = f"/api/v1/shipments/{TN}/timeslot"
    transport.reply("POST", path, status=422, body=recording("boreal", "timeslot_rejected"))
    slot = DeliverySlot(dt.date(2026, 3, 3), dt.time(13), dt.time(18))
    with pytest.raises(CarrierRejected) as raised:
        boreal_adapter.reschedule(TN, slot, idempotency_key="k")
    assert (raised.value.status_code, raised.value.code) == (422, "E_CUTOFF")
    assert "Time slot changes closed" in raised.value.reason


def test_points_near_a_postcode_or_coordinates(
    boreal_adapter: BorealAdapter, transport: FakeTransport
) -> None:
    transport.reply("GET", "/api/v1/points", body=recording("boreal", "points"), times=2)
    locker, kiosk, market = boreal_adapter.search_pickup_points(
        NearPlace(city="Helsinki", country="FI"), 3
    )
    boreal_adapter.search_pickup_points(NearCoordinates(60.17, 24.94), 3)
    assert transport.seen[0].query == {"limit": ["3"], "city": ["Helsinki"], "country": ["FI"]}
    assert transport.seen[1].query == {"limit": ["3"], "lat": ["60.17"], "lon": ["24.94"]}
    assert (locker.kind, locker.has_room, locker.distance_m) == (PickupPointKind.LOCKER, True, 420)
    assert locker.opening_hours[0].opens == dt.time(0, 0)
    assert (kiosk.kind, kiosk.has_room) == (PickupPointKind.PICKUP_POINT, False)
    assert [h.weekday for h in kiosk.opening_hours] == [1, 2, 3, 4, 5, 6]
    assert (market.has_room, market.opening_hours) == (None, ())


def test_boreal_offers_no_return_pickups(
    boreal_adapter: BorealAdapter, transport: FakeTransport
) -> None:
    request = ReturnPickupRequest(
        reference="R-1",
        address=Address("Aino", "Mannerheimintie 1", "00100", "Helsinki", "FI"),
        slot=DeliverySlot(dt.date(2026, 3, 4), dt.time(13), dt.time(18)),
    )
    with pytest.raises(CarrierUnsupported):
        boreal_adapter.book_pickup(request)
    assert transport.seen == []


def test_a_webhook_batch_is_grouped_by_parcel(boreal_adapter: BorealAdapter) -> None:
    updates = boreal_adapter.parse_webhook(recorded("boreal", "webhook_batch"))
    assert [(u.tracking_number, u.status, len(u.events)) for u in updates] == [
        (TN, S.OUT_FOR_DELIVERY, 1),
        ("JJBX553018274", S.FAILED_ATTEMPT, 1),
        ("JJBX000000001", S.INFO_RECEIVED, 1),
    ]
    assert updates[1].eta == DeliveryEstimate(dt.date(2026, 3, 3), dt.time(18), dt.time(22))
    assert updates[2].eta is None


def test_rows_of_one_parcel_are_ordered_by_time_and_the_newest_event_s_eta_wins() -> None:
    body = recorded("boreal", "webhook_batch")
    first = body["events"][0]
    older = {**first, "event_no": 1, "status_code": 40, "timestamp": first["timestamp"] - 3600}
    older["eta"] = {"date": "20260301", "window": "1300-1800"}
    body["events"] = [first, older]  # the older row comes last
    (update,) = parse_webhook(body)
    assert [e.raw_code for e in update.events] == ["40", "50"]
    assert update.status is S.OUT_FOR_DELIVERY
    assert update.eta == DeliveryEstimate(dt.date(2026, 3, 2), dt.time(13), dt.time(18))


def test_a_bad_webhook_lists_its_problems() -> None:
    body = recorded("boreal", "webhook_batch")
    body["events"][1]["timestamp"] = -99999999999999
    del body["events"][2]["shipment_no"]
    with pytest.raises(InvalidPayload) as raised:
        parse_webhook(body)
    assert [p.as_dict() for p in raised.value.problems] == [
        {"path": "events[1].timestamp", "message": "must be seconds since 1970-01-01 UTC"},
        {"path": "events[2].shipment_no", "message": "is required"},
    ]
    with pytest.raises(InvalidPayload):
        parse_webhook({"events": "nope", "batch_id": "b"})
