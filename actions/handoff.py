"""Handing the conversation to a person (docs/handoff-design.md).

Every trigger ends here: the customer asked, the assistant misunderstood twice, verification
locked them out, a claim needs a person, or the gateway found the customer upset. The handoff is
queued in the database (asking twice keeps the same place), the customer hears their place and
the usual wait (outside staff hours: when a person will reply), the gateway learns of it from a
custom payload, and Rasa is paused: until the handoff ends, it logs what arrives and answers
nothing.
"""

from __future__ import annotations

import datetime as dt
import math

from rasa_sdk.events import ConversationPaused, EventType
from sqlalchemy.orm import Session

from actions.base import DeliveryAction
from actions.conversation import Conversation
from actions.names import Intent, Response
from actions.wording import relative_day, time_of
from delivery.notifications.quiet_hours import zone_or
from delivery.services.handoffs import HandoffTicket, request_handoff, typical_wait
from delivery.services.staff_hours import StaffHours
from delivery.settings import Settings
from delivery.vocabulary import HandoffReason

#: The entity the gateway's trigger (``EXTERNAL_handoff``) names its reason with.
REASON_ENTITY = "handoff_reason"
#: Reasons a trigger from outside the conversation may give (the gateway's upset check).
EXTERNAL_REASONS = frozenset({HandoffReason.UPSET})

_INTRO = {
    HandoffReason.UPSET: Response.HANDOFF_INTRO_UPSET,
    HandoffReason.MISUNDERSTOOD: Response.HANDOFF_INTRO_MISUNDERSTOOD,
    HandoffReason.CUSTOMER_REQUEST: Response.HANDOFF,
    HandoffReason.CLAIM: Response.HANDOFF,
}


def hand_over(
    talk: Conversation, session: Session, settings: Settings, reason: HandoffReason
) -> list[EventType]:
    """Queue the conversation for a person, tell the customer, and pause the assistant."""
    customer = talk.customer(session)
    ticket = request_handoff(
        session,
        conversation_id=talk.sender_id,
        channel=talk.channel,
        reason=reason,
        customer_id=customer.id if customer is not None else None,
        now=talk.now,
    )
    intro = _INTRO.get(reason)
    if intro is not None and ticket.created:
        talk.say(intro)
    hours = StaffHours.from_settings(settings)
    if hours.is_open(talk.now):
        _tell_place(talk, session, settings, ticket)
    else:
        zone = zone_or(customer.timezone if customer is not None else None, hours.tz)
        opening = hours.next_opening(talk.now)
        talk.say(
            Response.HANDOFF_AFTER_HOURS, reply_by=_moment(opening, talk.now, zone, talk.language)
        )
    talk.dispatcher.utter_message(
        json_message={"handoff": "queued", "handoff_id": ticket.handoff_id, "reason": reason.value}
    )
    return [ConversationPaused()]


def _tell_place(
    talk: Conversation, session: Session, settings: Settings, ticket: HandoffTicket
) -> None:
    default = dt.timedelta(minutes=settings.handoff_default_wait_minutes)
    per_customer = typical_wait(session, now=talk.now, default=default)
    # Never "about 1 minutes", nor a promise of one: two at least.
    minutes = max(2, math.ceil(per_customer.total_seconds() * max(ticket.position, 1) / 60))
    if ticket.position <= 1:
        talk.say(Response.HANDOFF_NEXT, minutes=minutes)
    else:
        talk.say(Response.HANDOFF_QUEUED, position=ticket.position, minutes=minutes)


def _moment(moment: dt.datetime, now: dt.datetime, zone: dt.tzinfo, language: str) -> str:
    """'tomorrow at 09:00', 'Monday 24 November at 09:00'."""
    local = moment.astimezone(zone)
    day = relative_day(local.date(), now.astimezone(zone).date(), language)
    return f"{day} {time_of(moment, zone, language)}"


class ActionRequestHandoff(DeliveryAction):
    """A person on request (``talk_to_person``), or on the gateway's ``EXTERNAL_handoff``."""

    def name(self) -> str:
        return "action_request_handoff"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        return hand_over(talk, session, self.runtime.settings, reason_of(talk))


def reason_of(talk: Conversation) -> HandoffReason:
    """Why the handoff was asked for: the gateway's reason when it triggered it, else the
    customer asked. A reason a customer could type is never taken from the text."""
    given = talk.entity(REASON_ENTITY)
    if talk.latest_intent == Intent.EXTERNAL_HANDOFF and given in EXTERNAL_REASONS:
        return HandoffReason(given)
    return HandoffReason.CUSTOMER_REQUEST
