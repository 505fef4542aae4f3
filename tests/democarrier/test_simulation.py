"""The simulation: parcels follow their route one scan a step, trouble comes as the seed says,
and the showcase's parcels never move."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from delivery.demo.carriers import BOREAL, SWIFT, EventKind
from delivery.vocabulary import ShipmentStatus as S
from democarrier.model import World
from democarrier.simulation import FrozenParcel, Rules, Simulator
from tests.democarrier.conftest import TOMORROW, make_parcel, small_world
from tests.factories import NOW

E = EventKind
CALM = Rules(moves_per_tick=4, delay=0, exception=0, failed_attempt=0)
LATER = NOW + dt.timedelta(hours=1)


def simulator(world: World, rules: Rules = CALM, seed: int = 7) -> Simulator:
    return Simulator(world, rules=rules, seed=seed, first_event_number=1_000)


def test_a_parcel_follows_its_route_one_scan_a_step_to_delivery() -> None:
    world = small_world()
    parcel = world.parcels["swift"]["SP1"]
    sim = simulator(world)
    changes = [sim.step(parcel, LATER + dt.timedelta(hours=n)) for n in range(4)]
    assert [c.event.kind for c in changes] == [E.HUB_OUT, E.DEPOT, E.OUT_FOR_DELIVERY, E.DELIVERED]
    assert [c.event.code for c in changes] == ["DPH", "ADC", "OFD", "DLV"]
    statuses = [S.IN_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED]
    assert [c.after for c in changes] == statuses
    assert changes[2].before is S.IN_TRANSIT
    # Out for delivery: today (London), in the window it was promised; delivered: no estimate.
    assert changes[2].eta is not None
    assert changes[2].eta.date == dt.date(2026, 3, 2)
    assert changes[2].eta.window == (dt.time(9), dt.time(13))
    assert changes[3].eta is None
    assert parcel.finished and parcel not in world.movable()


def test_a_parcel_without_a_label_gets_one_first() -> None:
    world = small_world()
    parcel = world.parcels["boreal"]["JJBXNEW"]
    assert world.parcel("boreal", "JJBXNEW") is None  # unknown to the carrier's API so far
    change = simulator(world).step(parcel, LATER)
    assert (change.before, change.after) == (S.PENDING, S.INFO_RECEIVED)
    assert change.event.code == "10"
    assert world.parcel("boreal", "JJBXNEW") is parcel


def test_a_parcel_for_a_pickup_point_ends_there() -> None:
    world = World(carriers={"swift": SWIFT})
    parcel = make_parcel(SWIFT, "SPP", [E.LABEL, E.DEPOT], point_name="Swift Locker Strand")
    world.add(parcel)
    sim = simulator(world)
    ready, collected = sim.step(parcel, LATER), sim.step(parcel, LATER)
    assert (ready.event.kind, ready.after) == (E.AT_POINT, S.READY_FOR_PICKUP)
    assert ready.event.location == "Swift Locker Strand, London"
    assert (collected.event.code, collected.after) == ("CLT", S.DELIVERED)


def test_nobody_home_twice_and_the_parcel_waits_at_the_nearest_point_with_room() -> None:
    world = small_world()
    world.points["boreal"][0] = replace(world.points["boreal"][0], free_places=0)
    parcel = make_parcel(BOREAL, "JJBXOUT", [E.LABEL, E.DEPOT, E.OUT_FOR_DELIVERY], eta=TOMORROW)
    world.add(parcel)
    sim = simulator(world, Rules(failed_attempt=1.0, delay=0, exception=0))
    kinds = [sim.step(parcel, LATER).event.kind for _ in range(5)]
    assert kinds == [E.NOBODY_HOME, E.OUT_FOR_DELIVERY, E.NOBODY_HOME, E.AT_POINT, E.PICKED_UP]
    assert parcel.failed_attempts == 2
    assert parcel.point_name == "Locker JJBX-P2"  # P1 is nearer, but full
    assert parcel.status is S.DELIVERED


def test_after_nobody_home_the_estimate_is_the_next_delivery_day() -> None:
    world = World(carriers={"swift": SWIFT})
    parcel = make_parcel(SWIFT, "SPOUT", [E.DEPOT, E.OUT_FOR_DELIVERY], eta=TOMORROW)
    world.add(parcel)
    saturday = dt.datetime(2026, 3, 7, 15, tzinfo=dt.UTC)
    change = simulator(world, Rules(failed_attempt=1.0)).step(parcel, saturday)
    assert change.after is S.FAILED_ATTEMPT
    assert change.eta is not None
    assert change.eta.date == dt.date(2026, 3, 9)  # Swift does not deliver on Sundays
    assert change.eta.window == (dt.time(9), dt.time(13))


def test_a_delay_moves_the_estimate_later_and_the_parcel_then_goes_on() -> None:
    world = small_world()
    parcel = world.parcels["swift"]["SP1"]
    sim = simulator(world, Rules(delay=1.0, exception=0, failed_attempt=0))
    delayed = sim.step(parcel, LATER)
    assert (delayed.event.code, delayed.after) == ("DLY", S.DELAYED)
    assert delayed.eta is not None and delayed.eta.date > TOMORROW.date
    assert delayed.eta.date.isoweekday() in SWIFT.weekdays
    assert delayed.eta.window == TOMORROW.window
    assert delayed.event.location is not None and delayed.event.location.endswith(" hub")
    resumed = sim.step(parcel, LATER)  # never delayed twice in a row
    assert (resumed.event.kind, resumed.after) == (E.HUB_OUT, S.IN_TRANSIT)
    assert resumed.eta == delayed.eta


def test_an_exception_drops_the_estimate_and_may_end_in_a_return() -> None:
    world = small_world()
    parcel = world.parcels["boreal"]["JJBX1"]
    rules = Rules(delay=0, exception=1.0, returned_after_exception=1.0)
    sim = simulator(world, rules)
    trouble = sim.step(parcel, LATER)
    assert trouble.event.kind in (E.DAMAGED, E.ADDRESS_PROBLEM)
    assert (trouble.after, trouble.eta) == (S.EXCEPTION, None)
    returned = sim.step(parcel, LATER)
    assert (returned.event.code, returned.after) == ("99", S.RETURNED_TO_SENDER)
    assert parcel.finished


def test_after_an_exception_a_parcel_can_go_on_with_a_new_estimate() -> None:
    world = small_world()
    parcel = world.parcels["swift"]["SP2"]  # at the depot
    sim = simulator(world, Rules(delay=0, exception=1.0, returned_after_exception=0))
    sim.step(parcel, LATER)
    resumed = sim.step(parcel, LATER)
    assert (resumed.event.kind, resumed.after) == (E.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY)
    assert resumed.eta is not None and resumed.eta.date == NOW.date()


def story(seed: int, ticks: int = 25) -> list[tuple[str, str, str, dt.datetime]]:
    world = small_world()
    rules = Rules(moves_per_tick=2, delay=0.3, exception=0.2, failed_attempt=0.4)
    sim = simulator(world, rules, seed)
    told = []
    for n in range(ticks):
        for change in sim.tick(NOW + dt.timedelta(minutes=n)):
            event = change.event
            number = change.parcel.tracking_number
            told.append((number, event.code, event.event_id, event.occurred_at))
    return told


def test_the_same_seed_tells_the_same_story_and_another_seed_another() -> None:
    first = story(seed=3)
    assert first == story(seed=3)
    assert first != story(seed=4)
    codes = {code for _, code, _, _ in first}
    assert codes & {"DLY", "35", "DMG", "ADR", "91", "92", "NH1", "51"}  # trouble happened


def test_showcase_parcels_are_never_moved() -> None:
    world = small_world()
    frozen = [p for by_number in world.parcels.values() for p in by_number.values() if p.frozen]
    before = {p.tracking_number: list(p.events) for p in frozen}
    sim = simulator(world, Rules(moves_per_tick=50, delay=0.5, exception=0.3, failed_attempt=0.5))
    for n in range(40):
        for change in sim.tick(NOW + dt.timedelta(minutes=n)):
            assert not change.parcel.frozen
    assert {p.tracking_number: p.events for p in frozen} == before
    assert {p.eta for p in frozen} == {TOMORROW}
    with pytest.raises(FrozenParcel):
        sim.step(frozen[0], LATER)
    with pytest.raises(FrozenParcel):
        sim.inject(frozen[0], E.DELAYED, LATER)


def test_a_tick_moves_at_most_moves_per_tick_parcels_each_once() -> None:
    world = small_world()
    changes = simulator(world, Rules(moves_per_tick=3)).tick(LATER)
    assert len(changes) == 3
    assert len({c.parcel.tracking_number for c in changes}) == 3
    assert simulator(small_world(), Rules(moves_per_tick=0)).tick(LATER) == []


def test_events_never_tie_and_each_carrier_numbers_them_its_way() -> None:
    world = small_world()
    sim = simulator(world)
    swift_parcel, boreal_parcel = world.parcels["swift"]["SP1"], world.parcels["boreal"]["JJBX1"]
    a, b = sim.step(swift_parcel, LATER), sim.step(swift_parcel, LATER)
    assert b.event.occurred_at == a.event.occurred_at + dt.timedelta(seconds=1)
    assert a.event.occurred_at.microsecond == 0
    assert (a.event.event_id, b.event.event_id) == ("evt_demo_1000", "evt_demo_1001")
    assert sim.step(boreal_parcel, LATER).event.event_id == "1002"
    # An event stamped before the parcel's newest one is moved after it.
    old = sim.inject(boreal_parcel, E.DELAYED, NOW - dt.timedelta(days=30))
    assert old.event.occurred_at > boreal_parcel.events[-2].occurred_at
