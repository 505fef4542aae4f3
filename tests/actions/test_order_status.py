"""Where is my order: the verified customer's order, told as a timeline with what comes next."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from actions.order_status import ActionShowOrderStatus
from actions.runtime import Runtime
from delivery.db.models import Customer, Order
from delivery.db.session import make_engine, make_session_factory
from delivery.services.identity import link_channel
from delivery.vocabulary import Channel, OrderStatus, ShipmentStatus, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, RunAction
from tests.factories import NOW


def _verified_chat(session: Session, customer: Customer, order: Order) -> Chat:
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
def action(runtime: Runtime) -> ActionShowOrderStatus:
    return ActionShowOrderStatus(runtime)


async def test_an_order_on_its_way_is_told_with_carrier_eta_and_timeline(
    session: Session, action: ActionShowOrderStatus, run: RunAction
) -> None:
    order = factories.order(session, number="400001", lines=2)
    factories.shipment(session, order, tracking_number="TRK-1")
    chat = _verified_chat(session, order.customer, order)
    reply = await run(action, chat.says("where is it", "where_is_my_order"))
    assert reply.responses == [
        "utter_order_header",
        "utter_shipment_in_transit",
        "utter_shipment_timeline",
    ]
    transit = reply.messages[1]
    assert transit["tracking_number"] == "TRK-1"
    assert transit["items"] == "Item 1, Item 2"
    assert "9:00" in transit["eta"]
    timeline = reply.messages[2]["timeline"]
    assert timeline.startswith("✅ Ordered")
    assert "🔵 In transit" in timeline
    assert timeline.endswith("⚪ Delivered")


async def test_a_delay_apologises_says_what_next_and_offers_options(
    session: Session, action: ActionShowOrderStatus, run: RunAction
) -> None:
    order = factories.order(session, number="400002")
    factories.shipment(
        session,
        order,
        status=ShipmentStatus.DELAYED,
        promised_date=(NOW - dt.timedelta(days=2)).date(),
        eta_date=(NOW + dt.timedelta(days=1)).date(),
    )
    chat = _verified_chat(session, order.customer, order)
    reply = await run(action, chat.says("still nothing!", "where_is_my_order"))
    assert "utter_problem_delayed" in reply.responses
    assert "utter_next_step_new_eta_given" in reply.responses
    payloads = [b["payload"] for b in reply.buttons()]
    assert '/reschedule_delivery{"order_number":"400002"}' in payloads
    assert "/talk_to_person" in payloads
    titles = [b["title"] for b in reply.buttons()]
    assert "Talk to a person" in titles


async def test_a_cancelled_order_says_so(
    session: Session, action: ActionShowOrderStatus, run: RunAction
) -> None:
    order = factories.order(session, number="400003", status=OrderStatus.CANCELLED)
    chat = _verified_chat(session, order.customer, order)
    reply = await run(action, chat.says("where is it", "where_is_my_order"))
    assert reply.responses == ["utter_order_cancelled"]


async def test_nothing_is_shown_to_an_unverified_conversation(
    session: Session, action: ActionShowOrderStatus, run: RunAction
) -> None:
    order = factories.order(session, number="400004")
    factories.shipment(session, order)
    chat = Chat()
    chat.slots["order_number"] = "400004"  # as a hand-typed /inform{...} would set it
    reply = await run(action, chat.says("where is it", "where_is_my_order"))
    assert reply.messages == []


async def test_another_customer_s_order_is_not_shown(
    session: Session, action: ActionShowOrderStatus, run: RunAction
) -> None:
    mine = factories.order(session, number="400005")
    theirs = factories.order(session, number="400006")
    factories.shipment(session, theirs)
    chat = _verified_chat(session, mine.customer, mine)
    chat.slots["order_number"] = "400006"
    reply = await run(action, chat.says("where is it", "where_is_my_order"))
    assert reply.responses == ["utter_not_your_order"]
    assert reply.slots["order_number"] is None


async def test_a_database_that_is_down_gets_a_polite_try_again(
    tmp_path: Path, runtime: Runtime, run: RunAction, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = make_session_factory(make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db"))
    action = ActionShowOrderStatus(
        Runtime(settings=runtime.settings, sessions=unreachable, threaded=False)
    )
    chat = Chat()
    chat.slots["order_number"] = "400007"
    reply = await run(action, chat.says("where is it", "where_is_my_order"))
    assert reply.responses == ["utter_try_again"]
    assert reply.events == []
    assert "action_show_order_status failed" in caplog.text
