"""The verified customer's order, and the forms about it that ask nothing of anyone else."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.runtime import Runtime
from actions.verified_order import VerifiedOrderForm, verified_order
from tests import factories
from tests.actions.conftest import Chat
from tests.actions.test_change_refusals import link, talk_for


def test_the_order_is_found_only_for_its_verified_owner(
    session: Session, domain: dict[str, Any]
) -> None:
    order = factories.order(session)
    someone_else = factories.order(session)
    chat = Chat()
    chat.slots["order_number"] = order.number
    assert verified_order(talk_for(chat, domain), session) is None  # not verified
    link(session, chat, order)
    found = verified_order(talk_for(chat, domain), session)
    assert found is not None and found.id == order.id
    chat.slots["order_number"] = someone_else.number  # typed /inform{"order_number": ...}
    assert verified_order(talk_for(chat, domain), session) is None


async def test_the_form_asks_only_a_conversation_that_owns_the_order(
    session: Session, runtime: Runtime, domain: dict[str, Any]
) -> None:
    form = VerifiedOrderForm(runtime)
    order = factories.order(session)
    chat = Chat()
    chat.slots["order_number"] = order.number

    async def required() -> list[str]:
        slots = ["delivery_slot", "change_confirmed"]
        return await form.required_slots(slots, CollectingDispatcher(), chat.tracker(), domain)

    assert await required() == []
    link(session, chat, order)
    assert await required() == ["delivery_slot", "change_confirmed"]


async def test_a_confirmation_is_a_yes_or_a_no(runtime: Runtime, domain: dict[str, Any]) -> None:
    form = VerifiedOrderForm(runtime)
    tracker, dispatcher = Chat().tracker(), CollectingDispatcher()
    for value, kept in ((True, True), (False, False), ("maybe", None), (None, None)):
        answer = await form.validate_change_confirmed(value, dispatcher, tracker, domain)
        assert answer == {"change_confirmed": kept}
