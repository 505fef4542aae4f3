"""The carrier poller: which parcels a round asks about, what it applies and queues, and how a
carrier that fails (or is not configured) leaves the last known status and the others going.

Against scripted adapters, the real Swift adapter on recorded answers, and once the real demo
carrier service; on SQLite and PostgreSQL (the poller's units of work share the test's rolled-back
connection)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from delivery.carriers import swift
from delivery.carriers.breaker import CircuitBreaker
from delivery.carriers.errors import CarrierError, CarrierRejected
from delivery.carriers.mapping import BOREAL, SWIFT
from delivery.carriers.poller import CarrierPoller, PollPolicy, due_shipments
from delivery.carriers.registry import build_registry
from delivery.carriers.values import CarrierEvent, DeliveryEstimate, TrackingSnapshot
from delivery.db.models import Carrier, Shipment, TrackingCheck, TrackingEvent
from delivery.db.notification_models import Notification
from delivery.notifications.kinds import KindRules
from delivery.notifications.policy import QueuePolicy
from delivery.settings import Settings
from delivery.vocabulary import ShipmentStatus as S
from democarrier.app import create_app
from tests import factories
from tests.carriers.conftest import SWIFT_URL, carrier_http
from tests.carriers.transport import FakeClock, FakeTransport, Sleeps, recording
from tests.democarrier.conftest import serve_in_thread, settings, small_world, still
from tests.factories import NOW

MINUTE = dt.timedelta(minutes=1)
POLICY = PollPolicy(min_age=15 * MINUTE, batch=10)


class Clock:
    """The poller's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


class ScriptedAdapter:
    """A carrier adapter that answers from a script: a snapshot or an error per parcel."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.answers: dict[str, TrackingSnapshot | CarrierError | Exception] = {}
        self.asked: list[str] = []

    def fetch_tracking(self, tracking_number: str) -> TrackingSnapshot:
        self.asked.append(tracking_number)
        answer = self.answers.get(tracking_number) or CarrierRejected(
            self.code, 404, "unknown parcel"
        )
        if isinstance(answer, Exception):
            raise answer
        return answer

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the poller only asks for tracking, not {name}")


def _event(mapping: Any, code: str, hours_ago: float, event_id: str) -> CarrierEvent:
    return CarrierEvent(
        event_id=event_id,
        raw_code=code,
        status=mapping.status_of(code),
        description=f"{code} happened",
        location="Somewhere",
        occurred_at=NOW - dt.timedelta(hours=hours_ago),
    )


@pytest.fixture
def sessions(session: Session) -> sessionmaker[Session]:
    """Units of work on the test's connection: their commits are savepoints."""
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def wall() -> Clock:
    """Not ``clock``: the adapters' fixtures take that name for their breakers' clock."""
    return Clock()


@pytest.fixture
def swift_carrier(session: Session) -> Carrier:
    return factories.carrier(session, code="swift", name="Swift Parcels")


@pytest.fixture
def boreal_carrier(session: Session) -> Carrier:
    return factories.carrier(
        session, code="boreal", name="Boreal Express", timezone="Europe/Helsinki"
    )


def parcel(
    session: Session,
    carrier: Carrier,
    tracking_number: str,
    *,
    checked: dt.datetime | None = None,
    **fields: Any,
) -> Shipment:
    """A parcel of ``carrier``; last asked about (and answered) at ``checked``, if given."""
    order = factories.order(session)
    shipment = factories.shipment(
        session, order, carrier_=carrier, tracking_number=tracking_number, **fields
    )
    if checked is not None:
        session.add(
            TrackingCheck(shipment_id=shipment.id, checked_at=checked, refreshed_at=checked)
        )
        session.flush()
    return shipment


def asked(session: Session, shipment: Shipment) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(when the carrier was last asked about it, when it last answered)."""
    session.expire_all()
    check = session.get(TrackingCheck, shipment.id)
    return (check.checked_at, check.refreshed_at) if check else (None, None)


def poller(
    sessions: sessionmaker[Session], wall: Clock, policy: PollPolicy = POLICY, **adapters: Any
) -> CarrierPoller:
    return CarrierPoller(
        sessions,
        adapters,
        rules=KindRules(),
        queue_policy=QueuePolicy(quiet_hours=None),
        policy=policy,
        clock=wall,
    )


def reread(session: Session, shipment: Shipment) -> Shipment:
    session.expire_all()
    found = session.get(Shipment, shipment.id)
    assert found is not None
    return found


def notifications(session: Session, shipment: Shipment) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(Notification)
        .where(Notification.shipment_id == shipment.id)
        .order_by(Notification.id)
    )
    return [(row.kind.value, row.dedup_key) for row in rows]


# --- which parcels a round asks about -----------------------------------------------------------


def test_parcels_due_never_asked_first_then_longest_unasked_carriers_in_turn(
    session: Session, swift_carrier: Carrier, boreal_carrier: Carrier
) -> None:
    parcel(session, swift_carrier, "S-OLD", checked=NOW - 60 * MINUTE)
    swift_new = parcel(session, swift_carrier, "S-NEVER")
    parcel(session, swift_carrier, "S-OLDER", checked=NOW - 90 * MINUTE)
    parcel(session, swift_carrier, "S-RECENT", checked=NOW - 5 * MINUTE)
    parcel(session, swift_carrier, "S-DONE", status=S.DELIVERED)
    parcel(session, swift_carrier, "S-BACK", status=S.RETURNED_TO_SENDER)
    boreal_one = parcel(session, boreal_carrier, "B-1")
    parcel(session, boreal_carrier, "B-2", checked=NOW - 20 * MINUTE)
    factories.shipment(session, factories.order(session), tracking_number="OTHER-CARRIER")

    due = due_shipments(session, ["swift", "boreal"], now=NOW, min_age=15 * MINUTE, limit=10)
    assert [item.tracking_number for item in due] == [
        "B-1",
        "S-NEVER",
        "B-2",
        "S-OLDER",
        "S-OLD",
    ]
    assert [item.shipment_id for item in due[:2]] == [boreal_one.id, swift_new.id]
    assert {item.carrier_code for item in due} == {"swift", "boreal"}
    # The batch is bounded, and a carrier with a backlog cannot crowd out the other.
    limited = due_shipments(session, ["swift", "boreal"], now=NOW, min_age=15 * MINUTE, limit=3)
    assert [item.tracking_number for item in limited] == ["B-1", "S-NEVER", "B-2"]


# --- applying what carriers say -------------------------------------------------------------------


def test_a_round_applies_each_answer_and_queues_what_it_deserves(
    session: Session,
    sessions: sessionmaker[Session],
    wall: Clock,
    swift_carrier: Carrier,
    boreal_carrier: Carrier,
    transport: FakeTransport,
    swift_adapter: swift.SwiftAdapter,
) -> None:
    # Promised for today; Swift's recorded answer says tomorrow: a delay.
    late = parcel(
        session,
        swift_carrier,
        "SP123456789GB",
        status=S.INFO_RECEIVED,
        promised_date=dt.date(2026, 3, 2),
        eta_date=None,
        eta_window_start=None,
        eta_window_end=None,
    )
    transport.reply(
        "GET",
        "/v2/shipments/SP123456789GB/tracking",
        body=recording("swift", "tracking_in_transit"),
    )
    boreal = ScriptedAdapter("boreal")
    on_time = parcel(session, boreal_carrier, "JJBX1")
    boreal.answers["JJBX1"] = TrackingSnapshot(
        "JJBX1",
        S.OUT_FOR_DELIVERY,
        (_event(BOREAL, "20", 30, "b-1"), _event(BOREAL, "50", 1, "b-2")),
        DeliveryEstimate(dt.date(2026, 3, 2), dt.time(12), dt.time(14)),
    )

    report = poller(sessions, wall, swift=swift_adapter, boreal=boreal).poll_once()

    assert report.summary() == ("asked 2 (boreal 1, swift 1), 2 changed, 2 notifications queued")
    late = reread(session, late)
    assert late.status is S.IN_TRANSIT  # ADC, the newest of the five events
    assert (late.eta_date, late.eta_window_start) == (dt.date(2026, 3, 3), dt.time(9))
    assert len(late.events) == 5
    assert asked(session, late) == (NOW, NOW)
    assert notifications(session, late) == [("delayed", f"{late.id}:delayed:2026-03-03")]
    on_time = reread(session, on_time)
    assert on_time.status is S.OUT_FOR_DELIVERY
    assert notifications(session, on_time) == [
        ("out_for_delivery", f"{on_time.id}:out_for_delivery:2026-03-02")
    ]

    # A later round asks again (after the minimum age): the same answers change nothing.
    wall.now += 16 * MINUTE
    transport.reply(
        "GET",
        "/v2/shipments/SP123456789GB/tracking",
        body=recording("swift", "tracking_in_transit"),
    )
    again = poller(sessions, wall, swift=swift_adapter, boreal=boreal).poll_once()
    assert again.summary() == "asked 2 (boreal 1, swift 1), 0 changed, 0 notifications queued"
    assert [item.outcome.duplicates for item in again.polled] == [2, 5]
    assert asked(session, late) == (wall.now, wall.now)
    count = session.scalars(select(TrackingEvent).where(TrackingEvent.shipment_id == late.id))
    assert len(count.all()) == 5


def test_a_recently_asked_parcel_waits_for_its_turn(
    session: Session, sessions: sessionmaker[Session], wall: Clock, swift_carrier: Carrier
) -> None:
    adapter = ScriptedAdapter("swift")
    parcel(session, swift_carrier, "SW-1", checked=NOW - 10 * MINUTE)
    assert poller(sessions, wall, swift=adapter).poll_once().summary() == "nothing to ask about"
    wall.now += 5 * MINUTE
    poller(sessions, wall, swift=adapter).poll_once()
    assert adapter.asked == ["SW-1"]


def test_a_refused_parcel_is_stale_and_goes_to_the_back_of_the_queue(
    session: Session, sessions: sessionmaker[Session], wall: Clock, swift_carrier: Carrier
) -> None:
    adapter = ScriptedAdapter("swift")  # answers 404 to anything unscripted
    unknown = parcel(session, swift_carrier, "SW-UNKNOWN", status=S.PENDING)
    report = poller(sessions, wall, swift=adapter).poll_once()
    assert report.summary() == (
        "asked 1 (swift 1), 0 changed, 0 notifications queued, 1 stale (swift: rejected)"
    )
    unknown = reread(session, unknown)
    assert unknown.status is S.PENDING
    assert asked(session, unknown) == (NOW, None)
    wall.now += MINUTE
    assert poller(sessions, wall, swift=adapter).poll_once().polled == ()
    assert adapter.asked == ["SW-UNKNOWN"]


# --- carriers that fail ---------------------------------------------------------------------------


def test_a_dead_carrier_leaves_the_last_status_and_the_others_go_on(
    session: Session,
    sessions: sessionmaker[Session],
    wall: Clock,
    swift_carrier: Carrier,
    boreal_carrier: Carrier,
    transport: FakeTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    breaker_clock = FakeClock()
    sleeps = Sleeps(breaker_clock)
    breaker = CircuitBreaker("swift", failure_threshold=4, cooldown_seconds=30, clock=breaker_clock)
    http = carrier_http(
        "swift", SWIFT_URL, transport, breaker_clock, sleeps, rejection=swift.rejection,
        breaker=breaker,
    )  # fmt: skip
    dead = swift.SwiftAdapter(http)
    first = parcel(session, swift_carrier, "SW-1", status=S.OUT_FOR_DELIVERY)
    second = parcel(session, swift_carrier, "SW-2")
    boreal = ScriptedAdapter("boreal")
    alive = parcel(session, boreal_carrier, "JJBX7")
    boreal.answers["JJBX7"] = TrackingSnapshot(
        "JJBX7", S.DELIVERED, (_event(BOREAL, "60", 1, "b-7"),)
    )
    transport.reply("GET", "/v2/shipments/SW-1/tracking", status=503, times=3)

    with caplog.at_level(logging.WARNING):
        report = poller(sessions, wall, swift=dead, boreal=boreal).poll_once()

    # SW-1 was asked (three tries), SW-2 was not: one failed call per dead carrier and round
    # (its breaker, at three failures of four, would still have let it through).
    assert len(transport.seen) == 3
    assert report.summary() == (
        "asked 2 (boreal 1, swift 1), 1 changed, 2 notifications queued, "
        "1 stale (swift: server_error), 1 left for the next round"
    )
    assert "tracking SW-1 with swift failed" in caplog.text
    first = reread(session, first)
    assert first.status is S.OUT_FOR_DELIVERY  # the last known status stays
    assert asked(session, first) == (NOW, None)
    assert asked(session, second) == (None, None)
    assert reread(session, alive).status is S.DELIVERED

    # Next round: SW-2's first try is the fourth failure in a row, which opens Swift's circuit.
    wall.now += MINUTE
    transport.reply("GET", "/v2/shipments/SW-2/tracking", status=503)
    poller(sessions, wall, swift=dead, boreal=boreal).poll_once()
    assert len(transport.seen) == 4

    # From then on Swift is not called at all while its circuit is open; Boreal still is.
    wall.now += MINUTE
    boreal_two = parcel(session, boreal_carrier, "JJBX8")
    boreal.answers["JJBX8"] = TrackingSnapshot("JJBX8", S.IN_TRANSIT, ())
    report = poller(sessions, wall, swift=dead, boreal=boreal).poll_once()
    assert len(transport.seen) == 4
    assert [item.due.tracking_number for item in report.polled] == ["JJBX8"]
    assert [item.tracking_number for item in report.skipped] == ["SW-2"]
    assert asked(session, boreal_two) == (wall.now, wall.now)


def test_a_carrier_without_an_api_is_left_out_of_later_rounds(
    session: Session, sessions: sessionmaker[Session], wall: Clock, swift_carrier: Carrier
) -> None:
    no_urls = Settings(SWIFT_API_URL=None, BOREAL_API_URL=None)
    registry = build_registry(no_urls)  # no API URLs: every call fails as not configured
    waiting = parcel(session, swift_carrier, "SW-1")
    parcel(session, swift_carrier, "SW-2")
    the_poller = CarrierPoller(
        sessions, registry, rules=KindRules(), queue_policy=QueuePolicy(), clock=wall
    )
    assert the_poller.carrier_codes == ["boreal", "swift"]
    report = the_poller.poll_once()
    assert (report.polled, len(report.skipped)) == ((), 2)
    assert the_poller.carrier_codes == ["boreal"]
    assert asked(session, waiting) == (None, None)
    assert the_poller.poll_once().summary() == "nothing to ask about"
    registry.close()


def test_one_parcel_failing_for_another_reason_does_not_stop_the_round(
    session: Session,
    sessions: sessionmaker[Session],
    wall: Clock,
    swift_carrier: Carrier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = ScriptedAdapter("swift")
    broken = parcel(session, swift_carrier, "SW-1")
    fine = parcel(session, swift_carrier, "SW-2")
    # An answer about another parcel: applying it is refused (a bug, not a carrier failure).
    adapter.answers["SW-1"] = TrackingSnapshot("SW-OTHER", S.IN_TRANSIT, ())
    adapter.answers["SW-2"] = TrackingSnapshot("SW-2", S.DELAYED, (_event(SWIFT, "DLY", 1, "d"),))
    report = poller(sessions, wall, swift=adapter).poll_once()
    assert report.errors == 1
    assert "refreshing shipment" in caplog.text
    assert asked(session, broken) == (None, None)  # its unit of work rolled back
    assert reread(session, fine).status is S.DELAYED


# --- against the demo carrier service -------------------------------------------------------------


@pytest.fixture
def demo_carriers() -> Iterator[Any]:
    """The real adapters against the demo carrier service on a small world (clock at NOW)."""
    app = create_app(settings(), still(), world=small_world(), clock=lambda: NOW)
    with serve_in_thread(app) as url:
        registry = build_registry(
            settings(SWIFT_API_URL=f"{url}/swift", BOREAL_API_URL=f"{url}/boreal"),
            sleep=lambda _seconds: None,
        )
        try:
            yield registry
        finally:
            registry.close()


def test_a_round_against_the_demo_carrier_service(
    session: Session,
    sessions: sessionmaker[Session],
    wall: Clock,
    swift_carrier: Carrier,
    boreal_carrier: Carrier,
    demo_carriers: Any,
) -> None:
    shipments = {
        number: parcel(session, carrier, number, status=S.INFO_RECEIVED)
        for carrier, numbers in (
            (swift_carrier, ("SP1", "SP2", "SPDONE", "SPNEW")),
            (boreal_carrier, ("JJBX1", "JJBX2", "JJBXDONE")),
        )
        for number in numbers
    }
    the_poller = CarrierPoller(
        sessions,
        demo_carriers,
        rules=KindRules(),
        queue_policy=QueuePolicy(quiet_hours=None),
        clock=wall,
    )
    report = the_poller.poll_once()

    assert len(report.polled) == 7
    statuses = {number: reread(session, row).status for number, row in shipments.items()}
    assert statuses == {
        "SP1": S.IN_TRANSIT,
        "SP2": S.IN_TRANSIT,
        "SPDONE": S.DELIVERED,
        "SPNEW": S.INFO_RECEIVED,  # not labelled yet: the carrier answers 404, last status stays
        "JJBX1": S.IN_TRANSIT,
        "JJBX2": S.IN_TRANSIT,
        "JJBXDONE": S.DELIVERED,
    }
    assert [item.due.tracking_number for item in report.stale] == ["SPNEW"]
    sp2 = reread(session, shipments["SP2"])
    assert len(sp2.events) == 5 and sp2.eta_date == dt.date(2026, 3, 3)
    done = shipments["JJBXDONE"]
    assert notifications(session, done) == [
        ("delivered", f"{done.id}:delivered"),
        ("rating_request", f"{done.id}:rating_request"),
    ]
    # The next round, once every parcel is due again, finds nothing new.
    wall.now += 16 * MINUTE
    again = the_poller.poll_once()
    assert (len(again.polled), again.changed, again.queued) == (5, 0, 0)  # delivered ones left out
