"""order_form: which order, and proof that it is the customer's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from actions.runtime import Runtime
from actions.verification import ActionAskOrderNumber, ActionAskProof, ValidateOrderForm
from delivery.db.models import Customer, Order
from delivery.db.session import make_engine, make_session_factory
from delivery.services.identity import link_channel, linked_customer
from delivery.vocabulary import Channel, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, Reply, RunAction
from tests.factories import NOW


def _asked(reply: Reply, chat: Chat) -> str | None:
    """The slot the form asks for next: the validation action's choice, else (when it leaves
    the choice to Rasa) the first empty slot of the form in the domain."""
    if "requested_slot" in reply.slots:
        return reply.slots["requested_slot"]  # type: ignore[no-any-return]
    return next((s for s in ("order_number", "proof") if chat.slots.get(s) is None), None)


def _form_chat(journey: str = "wismo", **slots: Any) -> Chat:
    chat = Chat()
    chat.active_loop = {"name": "order_form"}
    chat.slots.update({"journey": journey, "requested_slot": None, **slots})
    return chat


def _link(session: Session, chat: Chat, customer: Customer) -> None:
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=customer.id,
        method=VerificationMethod.SHOP_TOKEN,
        actor="test",
        now=NOW,
    )


def _order(session: Session, email: str = "grace@example.com") -> Order:
    customer = factories.customer(session, name="Grace Hopper", email=email)
    order = factories.order(session, customer_=customer, number="200001")
    factories.shipment(session, order, postcode="SW1A 2AA")
    return order


@pytest.fixture
def form(runtime: Runtime) -> ValidateOrderForm:
    return ValidateOrderForm(runtime)


async def test_an_unverified_customer_is_asked_for_the_order_number(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    chat = _form_chat()
    reply = await run(form, chat.says("where is my parcel", "where_is_my_order"))
    assert _asked(reply, chat) == "order_number"


async def test_after_the_number_the_proof_is_asked(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    chat = _form_chat(requested_slot="order_number")
    reply = await run(form, chat.says("200001", entities={"order_number": "200001"}))
    assert _asked(reply, chat) == "proof"
    assert reply.responses == []


async def test_number_and_email_in_one_message_verify_the_conversation(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    order = _order(session)
    chat = _form_chat(requested_slot="order_number")
    message = "it's #200001, grace@example.com"
    reply = await run(
        form,
        chat.says(message, entities={"order_number": "#200001", "email": "grace@example.com"}),
    )
    assert _asked(reply, chat) is None
    assert reply.slots["customer_name"] == "Grace"
    assert reply.slots["name_known"] is True
    assert reply.slots["proof"] is None  # the e-mail is not kept in the conversation
    assert reply.responses == ["utter_verified_by_name"]
    linked = linked_customer(session, Channel.WEB, chat.sender_id)
    assert linked is not None
    assert linked.id == order.customer_id


async def test_a_postcode_typed_as_a_bare_reply_is_taken_as_proof(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    chat = _form_chat(order_number="200001", requested_slot="proof")
    reply = await run(form, chat.says("sw1a 2aa"))
    assert _asked(reply, chat) is None
    assert linked_customer(session, Channel.WEB, chat.sender_id) is not None


async def test_an_email_the_nlu_missed_is_found_in_the_text(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    chat = _form_chat(order_number="200001", requested_slot="proof")
    reply = await run(form, chat.says("sure its Grace@Example.com thanks"))
    assert _asked(reply, chat) is None


async def test_wrong_details_are_refused_without_saying_whether_the_order_exists(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    for number in ("200001", "999999"):
        chat = _form_chat(order_number=number, requested_slot="proof")
        chat.sender_id = f"visitor-{number}"
        reply = await run(form, chat.says("x@example.com", entities={"email": "x@example.com"}))
        assert reply.responses == ["utter_verification_failed"]
        assert reply.slots["proof"] is None
        assert _asked(reply, chat) == "proof"
    assert linked_customer(session, Channel.WEB, "visitor-200001") is None


async def test_the_last_try_is_announced_and_the_lockout_ends_the_form(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    chat = _form_chat(order_number="200001", requested_slot="proof")
    responses = []
    for _ in range(5):
        reply = await run(form, chat.says("no@example.com", entities={"email": "no@example.com"}))
        responses += reply.responses
    assert responses[-4:] == [
        "utter_verification_failed_last_try",
        "utter_locked_out",
        "utter_handoff_next",  # a person can check who the customer is in other ways
        None,  # the handoff's custom payload for the gateway
    ]
    assert {"event": "pause", "timestamp": None} in reply.events
    assert chat.slots["journey_allowed"] is False
    assert chat.slots["requested_slot"] is None
    # Even the right details are refused now, and the form asks nothing more.
    reply = await run(form, chat.says("grace@example.com", entities={"email": "grace@example.com"}))
    assert reply.slots.get("requested_slot") is None
    assert linked_customer(session, Channel.WEB, chat.sender_id) is None


async def test_a_locked_out_message_says_when_to_try_again(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    chat = _form_chat(order_number="200001", requested_slot="proof")
    reply = None
    for _ in range(5):
        reply = await run(form, chat.says("no@example.com", entities={"email": "no@example.com"}))
    assert reply is not None
    locked_out = next(m for m in reply.messages if m["response"] == "utter_locked_out")
    assert locked_out["minutes"] == 60


async def test_a_garbled_order_number_gets_a_hint(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    chat = _form_chat(requested_slot="order_number")
    reply = await run(form, chat.says("#?!", entities={"order_number": "#?!"}))
    assert reply.responses == ["utter_order_number_unreadable"]
    assert reply.slots["order_number"] is None


async def test_a_verified_customer_is_asked_nothing_for_their_own_order(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    order = _order(session)
    chat = _form_chat(order_number="200001")
    _link(session, chat, order.customer)
    reply = await run(form, chat.says("where is 200001", "where_is_my_order"))
    assert _asked(reply, chat) is None


async def test_a_verified_customer_with_one_order_need_not_say_which(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    order = _order(session)
    chat = _form_chat()
    _link(session, chat, order.customer)
    reply = await run(form, chat.says("where is my order", "where_is_my_order"))
    assert reply.slots["order_number"] == "200001"
    assert _asked(reply, chat) is None


async def test_someone_else_s_order_typed_as_an_intent_needs_its_own_proof(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    mine = _order(session)
    other = factories.order(session, number="300003")
    factories.shipment(session, other)
    chat = _form_chat()
    _link(session, chat, mine.customer)
    typed = '/inform{"order_number":"300003"}'
    reply = await run(form, chat.says(typed, entities={"order_number": "300003"}))
    assert _asked(reply, chat) == "proof"


async def test_return_journeys_of_a_verified_customer_need_no_order(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    order = _order(session)
    factories.order(session, customer_=order.customer, number="200002")
    chat = _form_chat(journey="return_status")
    _link(session, chat, order.customer)
    reply = await run(form, chat.says("where is my return", "return_status"))
    assert _asked(reply, chat) is None


async def test_the_verified_customer_picks_among_their_orders_with_buttons(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = _order(session)
    factories.order(
        session, customer_=order.customer, number="200002", placed_at=NOW - dt.timedelta(days=1)
    )
    chat = Chat()
    _link(session, chat, order.customer)
    reply = await run(ActionAskOrderNumber(runtime), chat.says("where is my order"))
    assert reply.responses == ["utter_ask_which_order"]
    payloads = [b["payload"] for b in reply.buttons()]
    assert payloads == ['/inform{"order_number":"200002"}', '/inform{"order_number":"200001"}']


async def test_an_unverified_customer_is_asked_for_the_number_in_words(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    reply = await run(ActionAskOrderNumber(runtime), Chat().says("where is my order"))
    assert reply.responses == ["utter_ask_order_number"]
    assert reply.buttons() == []


async def test_the_proof_is_asked_unless_the_form_has_just_said_what_to_send(
    run: RunAction,
) -> None:
    chat = Chat().says("100001", entities={"order_number": "100001"})
    reply = await run(ActionAskProof(), chat)
    assert reply.responses == ["utter_ask_proof"]
    chat.events.append({"event": "bot", "text": "I couldn't match order 100001 ..."})
    reply = await run(ActionAskProof(), chat)
    assert reply.messages == []


async def test_a_postcode_that_looks_like_an_order_number_is_taken_as_the_proof(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    customer = factories.customer(session, name="Giulia Bianchi", email="giulia@example.com")
    order = factories.order(session, customer_=customer, number="100006")
    factories.shipment(session, order, postcode="00184")
    chat = _form_chat(requested_slot="proof")
    chat.events.append({"event": "slot", "name": "order_number", "value": "100006"})
    # NLU reads the bare "00184" as an order number, and Rasa puts it in the slot.
    chat.says("00184", entities={"order_number": "00184"})
    reply = await run(form, chat)
    assert reply.slots["order_number"] == "100006"
    assert _asked(reply, chat) is None
    assert linked_customer(session, Channel.WEB, chat.sender_id) is not None


async def test_a_wrong_proof_given_twice_in_one_message_counts_once(
    session: Session, form: ValidateOrderForm, run: RunAction
) -> None:
    _order(session)
    chat = _form_chat(requested_slot="proof")
    chat.events.append({"event": "slot", "name": "order_number", "value": "200001"})
    chat.says("00999", entities={"order_number": "00999", "postcode": "00999"})
    reply = await run(form, chat)
    assert reply.responses == ["utter_verification_failed"]


async def test_a_database_that_is_down_drops_the_unchecked_values_and_asks_again(
    tmp_path: Path, runtime: Runtime, run: RunAction, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = make_session_factory(make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db"))
    form = ValidateOrderForm(Runtime(settings=runtime.settings, sessions=unreachable))
    chat = _form_chat(requested_slot="order_number")
    message = "200001 grace@example.com"
    entities = {"order_number": "200001", "email": "grace@example.com"}
    reply = await run(form, chat.says(message, entities=entities))
    assert reply.responses == ["utter_try_again"]
    assert reply.slots == {"order_number": None}  # never kept unchecked: asked again
    assert "validate_order_form failed" in caplog.text
