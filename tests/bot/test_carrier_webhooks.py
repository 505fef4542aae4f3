"""``POST /api/v1/carriers/{carrier}/events``: signatures, idempotency, order, bad payloads."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.api.carrier_webhooks import MAX_BODY_BYTES
from delivery.carriers.signatures import SIGNATURE_HEADER, sign
from delivery.db.models import Shipment, TrackingEvent
from delivery.db.notification_models import Notification
from delivery.db.session import unit_of_work
from delivery.notifications.kinds import NotificationKind
from delivery.vocabulary import ShipmentStatus
from tests import factories
from tests.bot.conftest import Serve
from tests.carriers.transport import recorded

SWIFT_SECRET = "whsec_swift_test_0c9d"
BOREAL_SECRET = "whsec_boreal_test_71aa"
SECRETS = {"SWIFT_WEBHOOK_SECRET": SWIFT_SECRET, "BOREAL_WEBHOOK_SECRET": BOREAL_SECRET}
SWIFT_URL = "/api/v1/carriers/swift/events"
BOREAL_URL = "/api/v1/carriers/boreal/events"
SWIFT_TN = "SP123456789GB"


def _signed(document: Any, secret: str = SWIFT_SECRET) -> dict[str, Any]:
    body = json.dumps(document).encode()
    signature = sign(secret.encode(), body)
    return {
        "content": body,
        "headers": {"Content-Type": "application/json", SIGNATURE_HEADER: signature},
    }


@pytest.fixture
def parcels(sessions: sessionmaker[Session]) -> dict[str, int]:
    """A Swift parcel in transit and two Boreal ones; shipment ids by tracking number."""
    with unit_of_work(sessions) as session:
        swift = factories.carrier(session, code="swift")
        boreal = factories.carrier(session, code="boreal", timezone="Europe/Helsinki")
        order = factories.order(session, lines=3)
        rows = [
            factories.shipment(session, order, carrier_=swift, tracking_number=SWIFT_TN),
            factories.shipment(
                session, order, carrier_=boreal, tracking_number="JJBX482913570", line_ids=[]
            ),
            factories.shipment(
                session, order, carrier_=boreal, tracking_number="JJBX553018274", line_ids=[]
            ),
        ]
        return {row.tracking_number: row.id for row in rows}


def _state(sessions: sessionmaker[Session], tracking_number: str) -> tuple[ShipmentStatus, int]:
    with unit_of_work(sessions) as session:
        shipment = session.scalars(
            select(Shipment).where(Shipment.tracking_number == tracking_number)
        ).one()
        events = session.scalar(
            select(func.count()).where(TrackingEvent.shipment_id == shipment.id)
        )
        return shipment.status, int(events or 0)


async def test_a_signed_event_is_applied_and_a_replay_changes_nothing(
    serve: Serve, sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    request = _signed(recorded("swift", "webhook_out_for_delivery"))
    async with serve(**SECRETS) as client:
        first = await client.post(SWIFT_URL, **request)
        replay = await client.post(SWIFT_URL, **request)
    assert first.status_code == 200
    assert first.json() == {
        "carrier": "swift",
        "received": 1,
        "new_events": 1,
        "duplicates": 0,
        "status_changes": 1,
        "unknown_tracking_numbers": [],
    }
    assert replay.status_code == 200
    assert replay.json()["new_events"] == 0
    assert replay.json()["duplicates"] == 1
    assert _state(sessions, SWIFT_TN) == (ShipmentStatus.OUT_FOR_DELIVERY, 1)


async def test_a_delay_queues_one_notification_for_the_customer(
    serve: Serve, sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    request = _signed(recorded("swift", "webhook_delayed"))
    async with serve(**SECRETS) as client:
        assert (await client.post(SWIFT_URL, **request)).status_code == 200
        assert (await client.post(SWIFT_URL, **request)).status_code == 200  # a replay
    with unit_of_work(sessions) as session:
        queued = session.scalars(select(Notification)).all()
        assert [(n.kind, n.shipment_id) for n in queued] == [
            (NotificationKind.DELAYED, parcels[SWIFT_TN])
        ]


async def test_signatures_missing_or_wrong_are_refused_and_nothing_is_written(
    serve: Serve, sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    good = _signed(recorded("swift", "webhook_out_for_delivery"))
    unsigned = {**good, "headers": {"Content-Type": "application/json"}}
    other_secret = _signed(recorded("swift", "webhook_out_for_delivery"), BOREAL_SECRET)
    tampered = {**good, "content": good["content"].replace(b"OFD", b"DLV")}
    async with serve(**SECRETS) as client:
        missing = await client.post(SWIFT_URL, **unsigned)
        wrong = await client.post(SWIFT_URL, **other_secret)
        changed = await client.post(SWIFT_URL, **tampered)
        garbage = await client.post(
            SWIFT_URL,
            content=good["content"],
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: "sha256=zz"},
        )
    assert (missing.status_code, missing.json()["error"]) == (401, "signature_missing")
    for response in (wrong, changed, garbage):
        assert (response.status_code, response.json()["error"]) == (401, "signature_invalid")
    assert _state(sessions, SWIFT_TN) == (ShipmentStatus.IN_TRANSIT, 0)


async def test_unknown_carriers_and_carriers_without_a_secret(
    serve: Serve, parcels: dict[str, int]
) -> None:
    request = _signed(recorded("swift", "webhook_out_for_delivery"))
    async with serve(SWIFT_WEBHOOK_SECRET=SWIFT_SECRET) as client:
        nobody = await client.post("/api/v1/carriers/acme/events", **request)
        no_adapter = await client.post("/api/v1/carriers/veloce/events", **request)
        no_secret = await client.post(BOREAL_URL, **request)
        wrong_method = await client.get(SWIFT_URL)
    assert (nobody.status_code, nobody.json()["error"]) == (404, "unknown_carrier")
    assert no_adapter.status_code == 404
    assert (no_secret.status_code, no_secret.json()["error"]) == (403, "webhook_not_configured")
    assert "boreal" in no_secret.json()["message"]
    assert wrong_method.status_code == 405


async def test_bad_bodies_get_clear_errors(
    serve: Serve, sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    broken = recorded("swift", "webhook_out_for_delivery")
    del broken["data"]["event"]["code"]
    broken["data"]["event"]["occurredAt"] = "2026-03-03 07:02"
    not_json = b'{"id": "whk_1", "type": '
    async with serve(**SECRETS) as client:
        invalid = await client.post(SWIFT_URL, **_signed(broken))
        bad_json = await client.post(
            SWIFT_URL,
            content=not_json,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(SWIFT_SECRET.encode(), not_json),
            },
        )
        form = await client.post(
            SWIFT_URL, content=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        huge_body = b" " * (MAX_BODY_BYTES + 1)
        huge = await client.post(
            SWIFT_URL,
            content=huge_body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: "sha256=00"},
        )
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid_payload"
    assert invalid.json()["errors"] == [
        {"path": "data.event.code", "message": "is required"},
        {
            "path": "data.event.occurredAt",
            "message": "must carry a UTC offset (e.g. 'Z' or '+01:00')",
        },
    ]
    assert (bad_json.status_code, bad_json.json()["error"]) == (400, "bad_json")
    assert form.status_code == 415
    assert huge.status_code == 413
    assert _state(sessions, SWIFT_TN) == (ShipmentStatus.IN_TRANSIT, 0)


async def test_unknown_parcels_and_other_event_types_are_accepted_and_ignored(
    serve: Serve, parcels: dict[str, int]
) -> None:
    stranger = recorded("swift", "webhook_out_for_delivery")
    stranger["data"]["trackingNumber"] = "SP000000404GB"
    async with serve(**SECRETS) as client:
        unknown = await client.post(SWIFT_URL, **_signed(stranger))
        ping = await client.post(SWIFT_URL, **_signed(recorded("swift", "webhook_ping")))
    assert unknown.status_code == 202
    assert unknown.json()["unknown_tracking_numbers"] == ["SP000000404GB"]
    assert ping.status_code == 202
    assert ping.json()["received"] == 0


async def test_out_of_order_events_keep_the_newest_status(
    serve: Serve, sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    delayed = recorded("swift", "webhook_delayed")  # 11:30 on 2 March
    earlier = copy.deepcopy(delayed)  # an arrival at the depot that morning, delivered late
    earlier["id"] = "whk_late"
    earlier["data"]["event"] = recorded("swift", "tracking_in_transit")["shipment"]["events"][0]
    earlier["data"]["estimatedDelivery"] = {"date": "2026-03-03"}
    async with serve(**SECRETS) as client:
        first = await client.post(SWIFT_URL, **_signed(delayed))
        late = await client.post(SWIFT_URL, **_signed(earlier))
    assert first.json()["status_changes"] == 1
    assert late.status_code == 200
    assert (late.json()["new_events"], late.json()["status_changes"]) == (1, 0)
    assert _state(sessions, SWIFT_TN) == (ShipmentStatus.DELAYED, 2)
    with unit_of_work(sessions) as session:
        shipment = session.get(Shipment, parcels[SWIFT_TN])
        assert shipment is not None
        assert str(shipment.eta_date) == "2026-03-05"  # the late event's estimate is older news


async def test_a_boreal_batch(
    serve: Serve, sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    batch = recorded("boreal", "webhook_batch")
    async with serve(**SECRETS) as client:
        response = await client.post(BOREAL_URL, **_signed(batch, BOREAL_SECRET))
        swift_secret = await client.post(BOREAL_URL, **_signed(batch, SWIFT_SECRET))
    assert response.status_code == 200
    assert response.json()["new_events"] == 2
    assert response.json()["unknown_tracking_numbers"] == ["JJBX000000001"]
    assert swift_secret.status_code == 401  # each carrier signs with its own secret
    assert _state(sessions, "JJBX482913570") == (ShipmentStatus.OUT_FOR_DELIVERY, 1)
    assert _state(sessions, "JJBX553018274") == (ShipmentStatus.FAILED_ATTEMPT, 1)


def test_a_race_lost_on_the_unique_event_id_is_retried_once(
    monkeypatch: pytest.MonkeyPatch, sessions: sessionmaker[Session]
) -> None:
    """Belt and braces: the shipment row lock already serialises deliveries of one parcel."""
    from bot.api import carrier_webhooks
    from delivery.carriers.webhooks import WebhookReport

    outcomes: list[Exception | WebhookReport] = []

    def apply(*_: Any, **__: Any) -> WebhookReport:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def lost() -> IntegrityError:
        return IntegrityError("INSERT", {}, Exception("uq_tracking_events_shipment_id"))

    monkeypatch.setattr(carrier_webhooks, "apply_webhook", apply)
    outcomes[:] = [lost(), WebhookReport("swift", 1, (), ())]
    assert carrier_webhooks._apply(sessions, "swift", [], lambda *_: None).carrier == "swift"
    assert outcomes == []
    outcomes[:] = [lost(), lost(), WebhookReport("swift", 1, (), ())]
    with pytest.raises(IntegrityError):
        carrier_webhooks._apply(sessions, "swift", [], lambda *_: None)
    assert len(outcomes) == 1  # twice at most


def test_concurrent_deliveries_of_one_event_store_it_once(
    sessions: sessionmaker[Session], parcels: dict[str, int]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bot.api.carrier_webhooks import _apply, _notifier
    from delivery.carriers.swift import parse_webhook
    from delivery.settings import Settings

    snapshots = parse_webhook(recorded("swift", "webhook_delayed"))
    notify = _notifier(Settings())
    with ThreadPoolExecutor(max_workers=6) as pool:
        reports = list(pool.map(lambda _: _apply(sessions, "swift", snapshots, notify), range(6)))
    assert sum(report.as_dict()["new_events"] for report in reports) == 1
    assert sum(report.as_dict()["status_changes"] for report in reports) == 1
    assert _state(sessions, SWIFT_TN) == (ShipmentStatus.DELAYED, 1)
    with unit_of_work(sessions) as session:
        assert len(session.scalars(select(Notification)).all()) == 1  # and one notification
