"""Proactive notifications in the chat (issue 6), and the customer's "stop notifications".

**Telling one** (``action_notify``): the gateway claims a queued notification and raises it in
the customer's linked chat through Rasa's trigger-intent API (intent ``EXTERNAL_notification``,
entity ``notification_id``). The action words it for its kind from the values the change stored
and the shipment as it is now: the options offered (another day, a pickup point, a person) are
the ones the delivery services would accept now, as the same buttons the order status offers.
It says nothing, and logs why, unless the notification is still waiting, not stale, and belongs
to the customer this conversation proved to be; the gateway, not this action, records that it
was sent. Outside a form it also sets ``order_number`` to the notification's order, so that
"move it to Friday" or the "Another day" button acts on that order without asking which; inside
a form it sets nothing, so that the form goes on with its own order (the buttons name theirs).

**Stopping and resuming** (``action_stop_notifications``, ``action_resume_notifications``) run
after ``order_form`` (data/rules/notifications.yml), like every journey: a linked conversation is
asked nothing, any other proves who it is first. Asking twice is fine and says so.

See docs/notifications-design.md for the queue and the kinds.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial

from rasa_sdk.events import EventType, SlotSet
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.base import DeliveryAction
from actions.change_refusals import items_of
from actions.conversation import Conversation
from actions.names import Entity, Intent, SlotName
from actions.notification_story import Notice, tell_notification
from actions.phrases import phrase
from delivery.db.models import ChannelIdentity, Customer, Shipment
from delivery.db.notification_models import OPEN_NOTIFICATION_STATUSES, Notification
from delivery.notifications.opt_out import opt_in, opt_out
from delivery.services.problems import customer_options
from delivery.services.slots import carrier_zone, local_today

log = logging.getLogger(__name__)

# Responses (data/responses/notifications.yml); a notification's own are in
# actions/notification_story.py.
STOPPED = "utter_notifications_stopped"
ALREADY_STOPPED = "utter_notifications_already_stopped"
RESUMED = "utter_notifications_resumed"
ALREADY_ON = "utter_notifications_already_on"

#: A notification id as the gateway sends it: digits, small enough for a BIGINT.
_ID = re.compile(r"[0-9]{1,18}")


def notification_id(talk: Conversation) -> int | None:
    """The id the gateway's trigger names; None if missing, garbled, or not from the gateway
    (a customer typing ``/EXTERNAL_notification{...}`` gets nothing)."""
    if talk.latest_intent != Intent.EXTERNAL_NOTIFICATION:
        return None
    raw = (talk.entity(Entity.NOTIFICATION_ID) or "").strip()
    return int(raw) if _ID.fullmatch(raw) else None


def notice_of(notification: Notification, shipment: Shipment, talk: Conversation) -> Notice:
    """The notice of ``notification`` about ``shipment`` (its order and lines loaded)."""
    order = shipment.order
    point = shipment.pickup_point
    return Notice(
        kind=notification.kind,
        values=notification.values if isinstance(notification.values, dict) else {},
        order_number=order.number,
        items=items_of(order, [shipment]),
        carrier=shipment.carrier.name,
        tracking_number=shipment.tracking_number,
        options=customer_options(shipment),
        today=local_today(shipment.carrier, talk.now),
        zone=carrier_zone(shipment.carrier),
        language=talk.language,
        pickup_point=point.name if point is not None else None,
        address=f"{shipment.street}, {shipment.postcode} {shipment.city}",
        promised_date=shipment.promised_date,
        status_since=shipment.status_updated_at,
    )


class ActionNotify(DeliveryAction):
    """Tells a proactive notification the gateway raised (``EXTERNAL_notification``)."""

    writes = False  # the gateway records the outcome; this only reads

    def name(self) -> str:
        return "action_notify"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        notification = self._deliverable(talk, session)
        if notification is None:
            return []
        shipment = session.get(Shipment, notification.shipment_id)
        if shipment is None:  # deleted with its order since it was queued
            log.warning("notification %s: its shipment is gone", notification.id)
            return []
        words = partial(phrase, talk.domain, language=talk.language)
        for message in tell_notification(notice_of(notification, shipment, talk), words):
            talk.say(message.response, buttons=message.buttons, **message.values)
        if talk.tracker.active_loop_name:
            # A form is asking about its own order: leave it be (the buttons name this one).
            return []
        return [SlotSet(SlotName.ORDER_NUMBER, shipment.order.number)]

    def _deliverable(self, talk: Conversation, session: Session) -> Notification | None:
        """The notification to tell in this conversation, or None (logged) if it must not be."""
        wanted = notification_id(talk)
        if wanted is None:
            log.warning(
                "conversation %s: no usable notification id in %s (entity %r)",
                talk.sender_id,
                talk.latest_intent,
                talk.entity(Entity.NOTIFICATION_ID),
            )
            return None
        notification = session.get(Notification, wanted)
        if notification is None:
            log.warning("conversation %s: no notification %s", talk.sender_id, wanted)
            return None
        customer = conversation_customer(talk, session)
        if customer is None or customer.id != notification.customer_id:
            log.warning(
                "notification %s is not for the customer of conversation %s; not told",
                wanted,
                talk.sender_id,
            )
            return None
        if customer.notifications_opt_out:
            log.warning("notification %s: the customer has opted out since; not told", wanted)
            return None
        if notification.status not in OPEN_NOTIFICATION_STATUSES:
            log.warning("notification %s is %s; not told", wanted, notification.status.value)
            return None
        if notification.expires_at is not None and _aware(notification.expires_at) <= talk.now:
            log.warning("notification %s expired; not told", wanted)
            return None
        return notification


def conversation_customer(talk: Conversation, session: Session) -> Customer | None:
    """The customer this conversation proved to be.

    A conversation is linked per channel, and the channel is the tracker's latest input channel.
    Rasa keeps trackers in memory, so after a restart a notification may be the first event of
    a conversation it has forgotten, and it then carries no channel: the conversation id is
    then looked up on every channel (the gateway's ids say their channel: ``tg-...``).
    """
    if talk.tracker.get_latest_input_channel():
        return talk.customer(session)
    customers = set(
        session.scalars(
            select(ChannelIdentity.customer_id).where(ChannelIdentity.external_id == talk.sender_id)
        )
    )
    if len(customers) != 1:
        return None
    (customer_id,) = customers
    return session.get(Customer, customer_id) if customer_id is not None else None


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def actor_of(talk: Conversation) -> str:
    """Who changed the setting, for the audit log: this conversation."""
    return f"assistant:{talk.key}"


class ActionStopNotifications(DeliveryAction):
    """No more proactive messages to the verified customer (``stop_notifications``)."""

    def name(self) -> str:
        return "action_stop_notifications"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        customer = talk.customer(session)
        if customer is None:
            return []  # not verified: order_form has said why (a lockout, say)
        already = customer.notifications_opt_out
        # Even when already off: anything queued meanwhile is skipped too.
        opt_out(session, customer.id, now=talk.now, actor=actor_of(talk))
        talk.say(ALREADY_STOPPED if already else STOPPED)
        return []


class ActionResumeNotifications(DeliveryAction):
    """Proactive messages again for the verified customer (``resume_notifications``)."""

    def name(self) -> str:
        return "action_resume_notifications"

    def act(self, talk: Conversation, session: Session) -> list[EventType]:
        customer = talk.customer(session)
        if customer is None:
            return []  # not verified: order_form has said why
        changed = opt_in(session, customer.id, now=talk.now, actor=actor_of(talk))
        talk.say(RESUMED if changed else ALREADY_ON)
        return []
