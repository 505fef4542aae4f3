"""One webhook delivery applied: parcels of that carrier only, unknown parcels listed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from delivery.carriers.boreal import parse_webhook as parse_boreal
from delivery.carriers.values import CarrierEvent, TrackingSnapshot
from delivery.carriers.webhooks import apply_webhook
from delivery.vocabulary import ShipmentStatus as S
from tests import factories
from tests.carriers.transport import recorded
from tests.factories import NOW


def test_a_batch_over_several_parcels(session: Session) -> None:
    boreal = factories.carrier(session, code="boreal", timezone="Europe/Helsinki")
    other = factories.carrier(session, code="swift")
    order = factories.order(session, lines=3)
    out = factories.shipment(session, order, carrier_=boreal, tracking_number="JJBX482913570")
    attempt = factories.shipment(
        session, order, carrier_=boreal, tracking_number="JJBX553018274", line_ids=[]
    )
    # The same number at another carrier is another parcel.
    elsewhere = factories.shipment(
        session, order, carrier_=other, tracking_number="JJBX000000001", line_ids=[]
    )
    report = apply_webhook(
        session, "boreal", parse_boreal(recorded("boreal", "webhook_batch")), now=NOW
    )
    assert [o.shipment_id for o in report.outcomes] == [out.id, attempt.id]
    assert [o.status for o in report.outcomes] == [S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT]
    assert report.unknown_tracking_numbers == ("JJBX000000001",)
    assert report.applied
    assert report.as_dict() == {
        "carrier": "boreal",
        "received": 3,
        "new_events": 2,
        "duplicates": 0,
        "status_changes": 2,
        "unknown_tracking_numbers": ["JJBX000000001"],
    }
    session.refresh(elsewhere)
    assert elsewhere.events == []
    session.refresh(attempt)
    assert attempt.eta_date == dt.date(2026, 3, 3)
    assert (attempt.eta_window_start, attempt.eta_window_end) == (dt.time(18), dt.time(22))


def test_nothing_of_ours(session: Session) -> None:
    event = CarrierEvent("e1", "OFD", S.OUT_FOR_DELIVERY, None, None, NOW)
    report = apply_webhook(
        session, "swift", [TrackingSnapshot("SP404", S.OUT_FOR_DELIVERY, (event,))], now=NOW
    )
    assert not report.applied
    assert report.unknown_tracking_numbers == ("SP404",)
    assert apply_webhook(session, "swift", [], now=NOW).as_dict()["received"] == 0


def test_one_parcel_named_twice_in_a_delivery_is_applied_once(session: Session) -> None:
    carrier = factories.carrier(session, code="swift")
    shipment = factories.shipment(session, factories.order(session), carrier_=carrier)
    first = CarrierEvent("e1", "ADC", S.IN_TRANSIT, None, None, NOW - dt.timedelta(hours=2))
    second = CarrierEvent("e2", "OFD", S.OUT_FOR_DELIVERY, None, None, NOW)
    number = shipment.tracking_number
    report = apply_webhook(
        session,
        "swift",
        [
            TrackingSnapshot(number, S.OUT_FOR_DELIVERY, (second,)),
            TrackingSnapshot(number, S.IN_TRANSIT, (first,)),
        ],
        now=NOW,
    )
    (outcome,) = report.outcomes
    assert [e.external_id for e in outcome.new_events] == ["e1", "e2"]
    assert outcome.status is S.OUT_FOR_DELIVERY
