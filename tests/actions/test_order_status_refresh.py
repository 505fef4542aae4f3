"""Where is my order, with the carrier asked first: a refreshed status when it answers; the last
known status and a line saying so when it cannot be asked; never longer than the budget."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.fresh_tracking import refresh_order
from actions.journeys import ActionStartJourney
from actions.order_status import ActionShowOrderStatus
from actions.runtime import Runtime
from delivery.carriers.errors import CarrierError, CarrierUnavailable
from delivery.carriers.mapping import SWIFT
from delivery.carriers.on_demand import TrackingRefresh, fast_settings
from delivery.carriers.values import CarrierEvent, DeliveryEstimate, TrackingSnapshot
from delivery.db.models import Customer, Order, Shipment, TrackingCheck
from delivery.db.notification_models import Notification
from delivery.notifications.kinds import KindRules
from delivery.notifications.policy import QueuePolicy
from delivery.services.identity import link_channel
from delivery.settings import Settings
from delivery.vocabulary import Channel, ShipmentStatus, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, RunAction
from tests.factories import NOW

MINUTE = dt.timedelta(minutes=1)
TWO_HOURS_AGO = NOW - 120 * MINUTE


class Swift:
    """Swift's tracking API as scripted: an answer, an error, or a call that hangs."""

    code = "swift"

    def __init__(self) -> None:
        self.answer: TrackingSnapshot | CarrierError = CarrierUnavailable("swift", "timeout")
        self.asked: list[str] = []
        self.hang = threading.Event()  # set: calls wait until released
        self.released = threading.Event()

    def fetch_tracking(self, tracking_number: str) -> TrackingSnapshot:
        self.asked.append(tracking_number)
        if self.hang.is_set():
            self.released.wait(10)
        if isinstance(self.answer, CarrierError):
            raise self.answer
        return self.answer

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"WISMO only asks for tracking, not {name}")


@pytest.fixture
def swift() -> Iterator[Swift]:
    adapter = Swift()
    yield adapter
    adapter.released.set()


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(4)
    yield pool
    pool.shutdown(wait=True)


def refreshing(runtime: Runtime, refresh: TrackingRefresh | None) -> ActionShowOrderStatus:
    return ActionShowOrderStatus(dataclasses.replace(runtime, tracking_refresh=refresh))


def scripted(swift: Swift, executor: ThreadPoolExecutor, budget: float = 3.0) -> TrackingRefresh:
    return TrackingRefresh(
        {"swift": swift},
        rules=KindRules(),
        queue_policy=QueuePolicy(quiet_hours=None),
        max_age=5 * MINUTE,
        budget=budget,
        executor=executor,
    )


def verified(session: Session, customer: Customer, order: Order) -> Chat:
    chat = Chat()
    chat.slots["order_number"] = order.number
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=customer.id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )
    return chat


@pytest.fixture
def order(session: Session) -> Order:
    """Order 500001: one Swift parcel in transit, last heard of two hours ago (08:00 London)."""
    carrier = factories.carrier(session, code="swift", name="Swift Parcels")
    order = factories.order(session, number="500001")
    shipment = factories.shipment(session, order, carrier_=carrier, tracking_number="SW500001")
    session.add(
        TrackingCheck(shipment_id=shipment.id, checked_at=TWO_HOURS_AGO, refreshed_at=TWO_HOURS_AGO)
    )
    session.flush()
    return order


def the_parcel(session: Session) -> Shipment:
    session.expire_all()
    return session.scalars(select(Shipment).where(Shipment.tracking_number == "SW500001")).one()


def asked(session: Session) -> tuple[dt.datetime, dt.datetime | None]:
    """(when Swift was last asked about the parcel, when it last answered)."""
    check = session.get(TrackingCheck, the_parcel(session).id)
    assert check is not None
    return check.checked_at, check.refreshed_at


async def test_a_carrier_that_cannot_be_reached_leaves_the_last_status_and_a_line(
    session: Session,
    runtime: Runtime,
    run: RunAction,
    order: Order,
    swift: Swift,
    executor: ThreadPoolExecutor,
) -> None:
    action = refreshing(runtime, scripted(swift, executor))
    reply = await run(action, verified(session, order.customer, order).says("where is it?"))
    assert swift.asked == ["SW500001"]
    assert reply.responses == [
        "utter_order_header",
        "utter_shipment_in_transit",
        "utter_tracking_not_refreshed",
        "utter_shipment_timeline",
    ]
    line = reply.messages[2]
    assert (line["carrier"], line["updated_on"], line["updated_at"]) == (
        "Swift Parcels",
        "today",
        "8:00",
    )
    parcel = the_parcel(session)
    assert parcel.status is ShipmentStatus.IN_TRANSIT
    assert asked(session) == (NOW, TWO_HOURS_AGO)  # asked now, but nothing new is known


async def test_a_carrier_that_answers_refreshes_the_status_shown(
    session: Session,
    runtime: Runtime,
    run: RunAction,
    order: Order,
    swift: Swift,
    executor: ThreadPoolExecutor,
) -> None:
    swift.answer = TrackingSnapshot(
        "SW500001",
        ShipmentStatus.OUT_FOR_DELIVERY,
        (
            CarrierEvent(
                "evt-ofd", "OFD", SWIFT.status_of("OFD"), "Out for delivery", "London", NOW - MINUTE
            ),
        ),
        DeliveryEstimate(NOW.date(), dt.time(12), dt.time(14)),
    )
    action = refreshing(runtime, scripted(swift, executor))
    reply = await run(action, verified(session, order.customer, order).says("where is it?"))
    assert reply.responses == [
        "utter_order_header",
        "utter_shipment_out_for_delivery",
        "utter_shipment_timeline",
    ]
    assert reply.messages[1]["window"] == "12:00–14:00"
    parcel = the_parcel(session)
    assert parcel.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert asked(session) == (NOW, NOW)
    # Queued like any other refresh's notifications (the sender decides what to do with them).
    kinds = session.scalars(select(Notification.kind).where(Notification.shipment_id == parcel.id))
    assert [kind.value for kind in kinds] == ["out_for_delivery"]


async def test_fresh_tracking_is_not_asked_for_again(
    session: Session,
    runtime: Runtime,
    run: RunAction,
    order: Order,
    swift: Swift,
    executor: ThreadPoolExecutor,
) -> None:
    parcel = the_parcel(session)
    factories.tracking_event(session, parcel, recorded_at=NOW - 2 * MINUTE)  # a webhook's news
    action = refreshing(runtime, scripted(swift, executor))
    reply = await run(action, verified(session, order.customer, order).says("where is it?"))
    assert swift.asked == []
    assert "utter_tracking_not_refreshed" not in reply.responses


async def test_a_slow_carrier_costs_the_customer_no_more_than_the_budget(
    session: Session,
    runtime: Runtime,
    run: RunAction,
    order: Order,
    swift: Swift,
    executor: ThreadPoolExecutor,
) -> None:
    swift.hang.set()
    action = refreshing(runtime, scripted(swift, executor, budget=0.3))
    started = time.monotonic()
    reply = await run(action, verified(session, order.customer, order).says("where is it?"))
    assert time.monotonic() - started < 2
    assert "utter_tracking_not_refreshed" in reply.responses
    assert asked(session) == (TWO_HOURS_AGO, TWO_HOURS_AGO)  # its answer is unknown
    swift.released.set()


async def test_a_carrier_without_an_api_is_not_asked_and_nothing_is_said(
    session: Session, runtime: Runtime, run: RunAction, order: Order
) -> None:
    refresh = TrackingRefresh.from_settings(Settings(SWIFT_API_URL=None, BOREAL_API_URL=None))
    reply = await run(
        refreshing(runtime, refresh), verified(session, order.customer, order).says("where?")
    )
    assert reply.responses == [
        "utter_order_header",
        "utter_shipment_in_transit",
        "utter_shipment_timeline",
    ]
    assert asked(session) == (TWO_HOURS_AGO, TWO_HOURS_AGO)


async def test_the_real_adapter_on_a_dead_port_fails_fast_and_says_so(
    session: Session, runtime: Runtime, run: RunAction, order: Order
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        SWIFT_API_URL=f"http://127.0.0.1:{port}/swift", WISMO_REFRESH_BUDGET_SECONDS="1.5"
    )
    assert fast_settings(settings).carrier_max_attempts == 1
    assert fast_settings(settings).carrier_read_timeout_seconds == 1.5
    refresh = TrackingRefresh.from_settings(settings)
    started = time.monotonic()
    reply = await run(
        refreshing(runtime, refresh), verified(session, order.customer, order).says("where?")
    )
    assert time.monotonic() - started < 1.5
    assert "utter_tracking_not_refreshed" in reply.responses
    assert the_parcel(session).status is ShipmentStatus.IN_TRANSIT


async def test_without_a_refresh_the_answer_is_as_before(
    session: Session, runtime: Runtime, run: RunAction, order: Order
) -> None:
    reply = await run(
        refreshing(runtime, None), verified(session, order.customer, order).says("where?")
    )
    assert "utter_tracking_not_refreshed" not in reply.responses
    assert asked(session) == (TWO_HOURS_AGO, TWO_HOURS_AGO)


def test_the_line_exists_in_the_domain(domain: dict[str, Any]) -> None:
    [variation] = domain["responses"]["utter_tracking_not_refreshed"]
    text = variation["text"]
    assert "{carrier}" in text and "{updated_on}" in text and "{updated_at}" in text


async def test_the_customer_s_only_order_is_refreshed_when_no_number_is_given(
    session: Session,
    runtime: Runtime,
    order: Order,
    swift: Swift,
    executor: ThreadPoolExecutor,
    domain: dict[str, Any],
) -> None:
    """As "where is my order?" from a verified conversation asks (actions/journeys.py)."""
    action = refreshing(runtime, scripted(swift, executor))
    chat = verified(session, order.customer, order)
    chat.slots["order_number"] = None
    talk = action.conversation(CollectingDispatcher(), chat.says("where is it?").tracker(), domain)
    assert await refresh_order(action, talk, None) == {}
    assert swift.asked == []
    stale = await refresh_order(action, talk, None, or_their_only_order=True)
    assert list(stale) == [the_parcel(session).id]
    assert swift.asked == ["SW500001"]


async def test_a_verified_customer_asking_again_gets_the_refresh_too(
    session: Session,
    runtime: Runtime,
    run: RunAction,
    order: Order,
    swift: Swift,
    executor: ThreadPoolExecutor,
) -> None:
    """The one-step answer of action_start_journey (the hot path) asks the carrier as well."""
    refresh = scripted(swift, executor)
    action = ActionStartJourney(dataclasses.replace(runtime, tracking_refresh=refresh))
    chat = verified(session, order.customer, order).says("where is it?", "where_is_my_order")
    reply = await run(action, chat)
    assert swift.asked == ["SW500001"]
    assert "utter_tracking_not_refreshed" in reply.responses
    assert reply.slots["journey_answered"] is True
