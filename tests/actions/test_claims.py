"""Damaged or missing items: recorded once against the verified customer's order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.claims import ActionReportClaim, ValidateClaimForm
from actions.runtime import Runtime
from delivery.db.models import AuditEntry
from delivery.services.identity import link_channel
from delivery.vocabulary import Channel, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, RunAction
from tests.factories import NOW


def _claims(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "claim_reported")))


async def test_a_damaged_item_is_recorded_once_and_a_person_is_brought_in(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order = factories.order(session, number="500001")
    chat = Chat()
    chat.slots.update(
        {"order_number": "500001", "journey": "damaged_item", "claim_description": "mug broken"}
    )
    link_channel(
        session,
        channel=Channel.WEB,
        external_id=chat.sender_id,
        customer_id=order.customer_id,
        method=VerificationMethod.ORDER_EMAIL,
        actor="test",
        now=NOW,
    )
    chat.says("the mug is broken")
    action = ActionReportClaim(runtime)
    reply = await run(action, chat)
    assert reply.responses == ["utter_claim_recorded", "utter_handoff", "utter_handoff_next", None]
    assert reply.events == [{"event": "pause", "timestamp": None}]
    await run(action, chat)  # the same message processed again (a retry)
    claims = _claims(session)
    assert len(claims) == 1
    assert claims[0].entity_id == order.id
    assert claims[0].details == {"kind": "damaged_item", "description": "mug broken"}


async def test_nothing_is_recorded_for_an_unverified_conversation(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    factories.order(session, number="500002")
    chat = Chat()
    chat.slots.update({"order_number": "500002", "claim_description": "missing"})
    reply = await run(ActionReportClaim(runtime), chat.says("missing"))
    assert reply.messages == []
    assert _claims(session) == []


async def test_the_claim_form_asks_nothing_of_an_unverified_conversation(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    factories.order(session, number="500003")
    chat = Chat()
    chat.active_loop = {"name": "claim_form"}
    chat.slots.update({"order_number": "500003", "requested_slot": None})
    reply = await run(ValidateClaimForm(runtime), chat.says("it is broken"))
    assert reply.slots["requested_slot"] is None
