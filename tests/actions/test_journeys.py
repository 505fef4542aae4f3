"""Starting a journey: what the customer came to do, a clean slate for its choices, and a
verified customer's "where is my order?" answered at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.journeys import ActionStartJourney
from actions.names import JOURNEY_SLOTS
from actions.runtime import Runtime
from delivery.services.identity import link_channel
from delivery.vocabulary import Channel, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, RunAction
from tests.factories import NOW


def _linked_chat(session: Session, customer_id: int) -> Chat:
    chat = Chat()
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )
    return chat


async def test_the_intent_sets_the_journey_and_clears_the_last_one_s_choices(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    chat = Chat()
    chat.slots.update({"delivery_slot": "2026-03-04T09:00-13:00", "order_number": "100001"})
    reply = await run(
        ActionStartJourney(runtime), chat.says("move my delivery", "reschedule_delivery")
    )
    assert reply.slots["journey"] == "reschedule"
    assert all(reply.slots[slot] is None for slot in JOURNEY_SLOTS)
    assert reply.slots["journey_answered"] is False
    assert chat.slots["order_number"] == "100001"  # "move it" is about the same order


async def test_a_bare_order_number_out_of_the_blue_means_where_is_my_order(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    chat = Chat().says("100001", "inform", {"order_number": "100001"})
    reply = await run(ActionStartJourney(runtime), chat)
    assert reply.slots["journey"] == "wismo"
    assert reply.slots["journey_answered"] is False  # not verified: the order form comes next
    assert reply.messages == []


async def test_a_verified_customer_s_order_is_shown_at_once(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = factories.order(session, number="600001")
    factories.shipment(session, order)
    factories.order(session, customer_=order.customer, number="600002")
    chat = _linked_chat(session, order.customer_id)
    reply = await run(
        ActionStartJourney(runtime),
        chat.says("where is 600001", "where_is_my_order", {"order_number": "600001"}),
    )
    assert reply.slots["journey_answered"] is True
    assert reply.responses[0] == "utter_order_header"


async def test_a_verified_customer_with_one_order_need_not_name_it(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = factories.order(session, number="600003")
    factories.shipment(session, order)
    chat = _linked_chat(session, order.customer_id)
    reply = await run(ActionStartJourney(runtime), chat.says("where is it", "where_is_my_order"))
    assert reply.slots["journey_answered"] is True
    assert reply.slots["order_number"] == "600003"


async def test_someone_else_s_order_is_not_answered_at_once(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    mine = factories.order(session, number="600004")
    factories.order(session, number="600005")
    chat = _linked_chat(session, mine.customer_id)
    reply = await run(
        ActionStartJourney(runtime),
        chat.says("/where_is_my_order", "where_is_my_order", {"order_number": "600005"}),
    )
    assert reply.slots["journey_answered"] is False
    assert reply.messages == []
