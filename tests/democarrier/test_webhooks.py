"""The webhooks a tick writes: each carrier's shape, read back by the real adapters' parsers."""

from __future__ import annotations

import datetime as dt
import json

from delivery.carriers import boreal, swift
from delivery.carriers.values import DeliveryEstimate
from delivery.demo.carriers import EventKind
from delivery.vocabulary import ShipmentStatus as S
from democarrier.simulation import Change, Simulator
from democarrier.webhooks import Delivery, WebhookWriter
from tests.carriers.transport import recorded
from tests.democarrier.conftest import small_world
from tests.democarrier.shapes import paths
from tests.factories import NOW

E = EventKind
LATER = NOW + dt.timedelta(hours=1)


def written() -> tuple[list[Change], list[Delivery]]:
    world = small_world()
    sim = Simulator(world, first_event_number=100)
    changes = [
        sim.inject(world.parcels["swift"]["SP1"], E.DELAYED, LATER),
        sim.inject(world.parcels["swift"]["SP2"], E.OUT_FOR_DELIVERY, LATER),
        sim.inject(world.parcels["boreal"]["JJBX1"], E.DAMAGED, LATER),
        sim.inject(world.parcels["boreal"]["JJBX2"], E.OUT_FOR_DELIVERY, LATER),
    ]
    return changes, WebhookWriter().deliveries(changes, LATER)


def test_swift_posts_one_event_per_delivery_and_boreal_one_batch_per_tick() -> None:
    _, deliveries = written()
    assert [(d.carrier, d.events) for d in deliveries] == [
        ("swift", 1),
        ("swift", 1),
        ("boreal", 2),
    ]
    assert len({d.delivery_id for d in deliveries}) == 3


def test_swifts_event_reads_back_as_the_change() -> None:
    changes, deliveries = written()
    (delayed,) = swift.parse_webhook(json.loads(deliveries[0].body))
    assert delayed.tracking_number == "SP1"
    (event,) = delayed.events
    assert (event.event_id, event.raw_code, event.status) == ("evt_demo_100", "DLY", S.DELAYED)
    assert (event.occurred_at, event.description) == (LATER, changes[0].event.description)
    eta = changes[0].eta
    assert eta is not None and eta.date > dt.date(2026, 3, 3)
    assert delayed.eta == DeliveryEstimate(eta.date, eta.start, eta.end)
    (out,) = swift.parse_webhook(json.loads(deliveries[1].body))
    assert out.status is S.OUT_FOR_DELIVERY
    assert out.eta == DeliveryEstimate(NOW.date(), dt.time(9), dt.time(13))


def test_boreals_batch_reads_back_as_the_changes() -> None:
    _, deliveries = written()
    damaged, out = boreal.parse_webhook(json.loads(deliveries[2].body))
    assert (damaged.tracking_number, out.tracking_number) == ("JJBX1", "JJBX2")
    assert (damaged.events[0].raw_code, damaged.status, damaged.eta) == ("91", S.EXCEPTION, None)
    assert damaged.events[0].event_id == "102"
    assert (out.events[0].raw_code, out.status) == ("50", S.OUT_FOR_DELIVERY)
    assert out.events[0].occurred_at == LATER
    assert out.eta is not None and out.eta.date == NOW.date()


def test_the_bodies_carry_only_fields_the_real_webhooks_have() -> None:
    _, deliveries = written()
    swift_recording = paths(recorded("swift", "webhook_delayed"))
    assert paths(json.loads(deliveries[0].body)) <= swift_recording
    assert paths(json.loads(deliveries[2].body)) == paths(recorded("boreal", "webhook_batch"))


def test_a_tick_without_changes_writes_nothing() -> None:
    assert WebhookWriter().deliveries([], LATER) == []
