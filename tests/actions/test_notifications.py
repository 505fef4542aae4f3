"""Proactive notifications in the chat: each kind worded from what the rules stored and the
shipment as it is now, the same options as "where is my order?", the order remembered for the
answer, nothing said to the wrong conversation; and stopping or resuming them, verified first."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.journeys import ActionStartJourney
from actions.notifications import ActionNotify, ActionResumeNotifications, ActionStopNotifications
from actions.order_status import ActionShowOrderStatus
from actions.runtime import Runtime
from actions.verification import ValidateOrderForm
from delivery.carriers.values import DeliveryEstimate
from delivery.db.models import AuditEntry, Customer, Order, Shipment
from delivery.db.notification_models import Notification, NotificationStatus, SkipReason
from delivery.notifications.kinds import (
    EventFact,
    KindRules,
    NotificationKind,
    ShipmentChange,
    deserved_notifications,
)
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.queue import enqueue_deserved
from delivery.services.identity import link_channel, linked_customer
from delivery.vocabulary import Channel, ShipmentStatus, VerificationMethod
from tests import factories
from tests.actions.conftest import Chat, Reply, RunAction
from tests.actions.test_change_refusals import filled_in
from tests.factories import NOW

# NOW is Monday 2 March 2026, 10:00 in London. The default parcel is promised for Wednesday 4th,
# 09:00-13:00, by a London carrier that offers pickup points.
MON, TUE, WED, THU, FRI = (dt.date(2026, 3, day) for day in range(2, 7))
NINE, ONE, SIX = dt.time(9), dt.time(13), dt.time(18)
EXTERNAL = "EXTERNAL_notification"
NO_QUIET_HOURS = QueuePolicy(quiet_hours=None)


@pytest.fixture
def run(run: RunAction, domain: dict[str, Any]) -> RunAction:
    """conftest's ``run``, also checking that every response sent can be filled in."""
    return filled_in(run, domain)


@pytest.fixture
def notify(runtime: Runtime) -> ActionNotify:
    return ActionNotify(runtime)


def parcel(session: Session, number: str = "500001", **shipment: Any) -> tuple[Order, Shipment]:
    order = factories.order(session, number=number, lines=2)
    return order, factories.shipment(session, order, tracking_number=f"TRK-{number}", **shipment)


def linked(session: Session, customer_id: int, chat: Chat | None = None) -> Chat:
    """A conversation the database links to ``customer_id`` (as the gateway's chats are)."""
    chat = chat or Chat()
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


def queued(session: Session, shipment: Shipment, **change: Any) -> dict[NotificationKind, int]:
    """What the rules queue for a change of ``shipment`` (kind -> notification id), through the
    same functions a carrier refresh uses, so the values are the ones really stored."""
    promised = DeliveryEstimate(shipment.promised_date, NINE, ONE)
    facts: dict[str, Any] = {
        "shipment_id": shipment.id,
        "carrier_timezone": "Europe/London",
        "status_before": ShipmentStatus.IN_TRANSIT,
        "status_after": shipment.status,
        "event": None,
        "previous_event_at": NOW - dt.timedelta(hours=5),
        "promised_date": shipment.promised_date,
        "promised_window": (NINE, ONE),
        "eta_before": promised,
        "eta_after": promised,
        "delivered_at": shipment.delivered_at,
        "context": {
            "order_number": shipment.order.number,
            "carrier": shipment.carrier.name,
            "tracking_number": shipment.tracking_number,
        },
    }
    facts.update(change)
    found = deserved_notifications(ShipmentChange(**facts), KindRules(), now=NOW)
    ids = {}
    for item in found:
        customer_id = shipment.order.customer_id
        row = enqueue_deserved(
            session,
            item,
            customer_id=customer_id,
            shipment_id=shipment.id,
            now=NOW,
            policy=NO_QUIET_HOURS,
        )
        ids[item.kind] = row.notification_id
    assert ids, "the change deserved no notification"
    return ids


def event(status: ShipmentStatus, description: str | None, minutes_ago: int = 45) -> EventFact:
    return EventFact(
        id=900 + minutes_ago,
        status=status,
        occurred_at=NOW - dt.timedelta(minutes=minutes_ago),
        description=description,
        location="Leeds hub",
    )


def raised(chat: Chat, notification_id: int | str) -> Chat:
    """The gateway's trigger, as Rasa hands it to the action server."""
    return chat.says(f"EXTERNAL: {EXTERNAL}", EXTERNAL, {"notification_id": str(notification_id)})


def status_of(session: Session, notification_id: int) -> NotificationStatus:
    session.expire_all()
    row = session.get(Notification, notification_id)
    assert row is not None
    return row.status


def payloads(reply: Reply) -> list[str]:
    return [button["payload"] for button in reply.buttons()]


# --- each kind, worded ----------------------------------------------------------------------------


async def test_a_delay_apologises_gives_the_new_date_a_voucher_and_the_options(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(
        session, status=ShipmentStatus.DELAYED, eta_date=FRI, eta_window_start=ONE
    )
    ids = queued(
        session,
        shipment,
        event=event(ShipmentStatus.DELAYED, "Held up by the weather"),
        eta_after=DeliveryEstimate(FRI, ONE, SIX),
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.DELAYED]))

    assert reply.responses == [
        "utter_notify_delayed",
        "utter_carrier_says",
        "utter_notify_voucher",  # two days late: the shop's policy offers one
        "utter_problem_options",
    ]
    delayed = reply.messages[0]
    assert delayed["order_number"] == "500001"
    assert delayed["items"] == "Item 1, Item 2"
    assert delayed["promised_on"] == "Wednesday 4 March"
    assert delayed["eta"] == "Friday 6 March, 13:00–18:00"
    assert reply.messages[1]["description"] == "Held up by the weather"
    assert payloads(reply) == [
        '/reschedule_delivery{"order_number":"500001"}',
        '/choose_pickup_point{"order_number":"500001"}',
        "/talk_to_person",
    ]
    assert [b["title"] for b in reply.buttons()] == [
        "Deliver another day",
        "Send it to a pickup point",
        "Talk to a person",
    ]
    # "Move it to Friday" or "Another day" right after acts on this order, asking nothing.
    assert reply.slots == {"order_number": "500001"}
    # Whether it reached the customer is the gateway's to record.
    assert status_of(session, ids[NotificationKind.DELAYED]) is NotificationStatus.QUEUED


async def test_the_options_are_the_ones_where_is_my_order_offers(
    session: Session, runtime: Runtime, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.DELAYED, eta_date=FRI)
    ids = queued(
        session,
        shipment,
        event=event(ShipmentStatus.DELAYED, None),
        eta_after=DeliveryEstimate(FRI, NINE, ONE),
    )
    chat = linked(session, order.customer_id)
    told = await run(notify, raised(chat, ids[NotificationKind.DELAYED]))
    chat.slots["order_number"] = order.number
    asked = await run(ActionShowOrderStatus(runtime), chat.says("where is it", "where_is_my_order"))
    assert told.buttons() == asked.buttons()
    assert told.buttons()  # and there are some


async def test_a_delay_without_a_new_date_says_so_and_a_short_one_offers_no_voucher(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.DELAYED, eta_date=None)
    ids = queued(session, shipment, event=event(ShipmentStatus.DELAYED, None), eta_after=None)
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.DELAYED]))
    assert reply.responses == ["utter_notify_delayed_no_date", "utter_problem_options"]
    assert reply.messages[0]["promised_on"] == "Wednesday 4 March"


async def test_a_failed_attempt_says_when_and_the_carriers_next_date(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(
        session, status=ShipmentStatus.FAILED_ATTEMPT, promised_date=MON, eta_date=TUE
    )
    ids = queued(
        session,
        shipment,
        status_before=ShipmentStatus.OUT_FOR_DELIVERY,
        event=event(ShipmentStatus.FAILED_ATTEMPT, "Nobody at home"),
        eta_after=DeliveryEstimate(TUE, ONE, SIX),
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.FAILED_ATTEMPT]))
    assert reply.responses == [
        "utter_notify_failed_attempt",
        "utter_carrier_says",
        "utter_next_step_redelivery_scheduled",
        "utter_problem_options",
    ]
    assert reply.messages[0]["happened_on"] == "today"
    assert reply.messages[0]["happened_at"] == "9:15"
    assert reply.messages[2]["eta"] == "tomorrow, 13:00–18:00"
    assert "/talk_to_person" in payloads(reply)
    assert '/reschedule_delivery{"order_number":"500001"}' in payloads(reply)


async def test_a_failed_attempt_without_a_new_date_says_the_carrier_has_not_given_one(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.FAILED_ATTEMPT, promised_date=MON)
    ids = queued(
        session,
        shipment,
        promised_date=MON,
        event=event(ShipmentStatus.FAILED_ATTEMPT, None),
        eta_after=None,
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.FAILED_ATTEMPT]))
    assert reply.responses == [
        "utter_notify_failed_attempt",
        "utter_next_step_awaiting_carrier_update",
        "utter_problem_options",
    ]


async def test_an_exception_offers_only_what_the_parcel_allows_now(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.EXCEPTION)
    ids = queued(
        session,
        shipment,
        event=event(ShipmentStatus.EXCEPTION, "Parcel damaged in transit"),
        eta_after=None,  # no next date from the carrier
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.EXCEPTION]))
    assert reply.responses == [
        "utter_notify_exception",
        "utter_carrier_says",
        "utter_next_step_carrier_investigating",
        "utter_problem_options",
    ]
    # Under investigation, the carrier accepts no change: a person is what is left.
    assert payloads(reply) == ["/talk_to_person"]


async def test_the_options_follow_the_shipment_as_it_is_when_told(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.DELAYED, eta_date=FRI)
    ids = queued(
        session,
        shipment,
        event=event(ShipmentStatus.DELAYED, None),
        eta_after=DeliveryEstimate(FRI, NINE, ONE),
    )
    shipment.carrier.supports_pickup_points = False  # changed since the delay was queued
    session.flush()
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.DELAYED]))
    assert payloads(reply) == ['/reschedule_delivery{"order_number":"500001"}', "/talk_to_person"]


async def test_out_for_delivery_is_today_with_the_window_and_no_options(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.OUT_FOR_DELIVERY, promised_date=MON)
    ids = queued(
        session,
        shipment,
        promised_date=MON,
        event=event(ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery", minutes_ago=60),
        eta_after=DeliveryEstimate(MON, dt.time(11), ONE),
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, ids[NotificationKind.OUT_FOR_DELIVERY]))
    assert reply.responses == ["utter_notify_out_for_delivery"]
    assert reply.messages[0]["day"] == "today"
    assert reply.messages[0]["window"] == "11:00–13:00"
    assert reply.buttons() == []


async def test_out_for_delivery_without_a_window_says_today(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.OUT_FOR_DELIVERY, promised_date=MON)
    row = factories.notification(
        session,
        shipment,
        kind=NotificationKind.OUT_FOR_DELIVERY,
        values={"date": "2026-03-02", "window_start": None, "window_end": None},
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, row.id))
    assert reply.responses == ["utter_notify_out_for_delivery_all_day"]
    assert reply.messages[0]["day"] == "today"


async def test_delivered_says_when_and_where_and_later_asks_how_it_went(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(
        session,
        status=ShipmentStatus.DELIVERED,
        promised_date=MON,
        delivered_at=NOW - dt.timedelta(minutes=20),
    )
    ids = queued(
        session,
        shipment,
        promised_date=MON,
        status_before=ShipmentStatus.OUT_FOR_DELIVERY,
        event=event(ShipmentStatus.DELIVERED, "Delivered", minutes_ago=20),
    )
    chat = linked(session, order.customer_id)
    delivered = await run(notify, raised(chat, ids[NotificationKind.DELIVERED]))
    assert delivered.responses == ["utter_notify_delivered"]
    assert delivered.messages[0]["delivered_on"] == "today"
    assert delivered.messages[0]["delivered_at"] == "9:40"
    assert delivered.messages[0]["address"] == "10 Downing Street, SW1A 2AA London"
    assert delivered.buttons() == []

    rating = await run(notify, raised(chat, ids[NotificationKind.RATING_REQUEST]))
    assert rating.responses == ["utter_notify_rating_request"]
    assert rating.messages[0]["order_number"] == "500001"
    assert rating.buttons() == []


async def test_a_parcel_collected_at_a_pickup_point_names_the_point(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    carrier = factories.carrier(session)
    point = factories.pickup_point(session, carrier, name="Corner Shop Pimlico")
    order = factories.order(session, number="500009")
    shipment = factories.shipment(
        session,
        order,
        carrier_=carrier,
        status=ShipmentStatus.DELIVERED,
        pickup_point_id=point.id,
        delivered_at=NOW - dt.timedelta(hours=1),
    )
    row = factories.notification(
        session,
        shipment,
        kind=NotificationKind.DELIVERED,
        values={"delivered_at": (NOW - dt.timedelta(hours=1)).isoformat(), "location": None},
    )
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, row.id))
    assert reply.responses == ["utter_notify_collected"]
    assert reply.messages[0]["pickup_point"] == "Corner Shop Pimlico"
    assert reply.messages[0]["delivered_at"] == "9:00"


async def test_inside_a_form_the_notification_is_told_but_the_forms_order_stays(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session, status=ShipmentStatus.DELAYED, eta_date=FRI)
    other = factories.order(session, customer_=order.customer, number="500002")
    ids = queued(
        session,
        shipment,
        event=event(ShipmentStatus.DELAYED, None),
        eta_after=DeliveryEstimate(FRI, NINE, ONE),
    )
    chat = linked(session, order.customer_id)
    chat.slots["order_number"] = other.number
    chat.active_loop = {"name": "reschedule_form"}
    reply = await run(notify, raised(chat, ids[NotificationKind.DELAYED]))
    assert reply.responses[0] == "utter_notify_delayed"
    assert reply.slots == {}
    assert chat.slots["order_number"] == "500002"
    # The buttons still name the notification's order.
    assert '/reschedule_delivery{"order_number":"500001"}' in payloads(reply)


# --- said to nobody else ----------------------------------------------------------------------


async def test_another_customers_notification_is_not_told(
    session: Session, notify: ActionNotify, run: RunAction, caplog: pytest.LogCaptureFixture
) -> None:
    _, shipment = parcel(session)
    row = factories.notification(session, shipment)
    stranger = factories.customer(session)
    chat = linked(session, stranger.id)
    with caplog.at_level(logging.WARNING, logger="actions.notifications"):
        reply = await run(notify, raised(chat, row.id))
    assert reply.messages == []
    assert reply.events == []
    assert "not for the customer" in caplog.text
    assert status_of(session, row.id) is NotificationStatus.QUEUED


async def test_a_conversation_linked_to_nobody_is_told_nothing(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    _, shipment = parcel(session)
    row = factories.notification(session, shipment)
    reply = await run(notify, raised(Chat(), row.id))
    assert reply.messages == []
    assert reply.events == []


async def test_a_telegram_chat_rasa_has_forgotten_is_still_told(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    """After a restart Rasa's in-memory tracker is empty: the trigger carries no channel."""
    order, shipment = parcel(session)
    row = factories.notification(session, shipment)
    chat = Chat(sender_id="tg-4242", input_channel=None)  # type: ignore[arg-type]
    link_channel(
        session,
        channel=Channel.TELEGRAM,
        external_id=chat.sender_id,
        customer_id=order.customer_id,
        method=VerificationMethod.PHONE,
        actor="test",
        now=NOW,
    )
    reply = await run(notify, raised(chat, row.id))
    assert reply.responses[0] == "utter_notify_delayed_no_date"
    # A forgotten conversation linked to nobody (or to someone else) still hears nothing.
    stranger = Chat(sender_id="tg-4343", input_channel=None)  # type: ignore[arg-type]
    assert (await run(notify, raised(stranger, row.id))).messages == []


@pytest.mark.parametrize("garbled", ["", "abc", "7; DROP TABLE", "-3", "1.5", "9" * 40, "١٢"])
async def test_a_garbled_id_says_nothing(
    session: Session,
    notify: ActionNotify,
    run: RunAction,
    caplog: pytest.LogCaptureFixture,
    garbled: str,
) -> None:
    order, _ = parcel(session)
    chat = linked(session, order.customer_id)
    with caplog.at_level(logging.WARNING, logger="actions.notifications"):
        reply = await run(notify, raised(chat, garbled))
    assert reply.messages == []
    assert reply.events == []
    assert "no usable notification id" in caplog.text


async def test_an_unknown_id_says_nothing(
    session: Session, notify: ActionNotify, run: RunAction, caplog: pytest.LogCaptureFixture
) -> None:
    order, _ = parcel(session)
    chat = linked(session, order.customer_id)
    with caplog.at_level(logging.WARNING, logger="actions.notifications"):
        reply = await run(notify, raised(chat, 987654321))
    assert reply.messages == []
    assert "no notification 987654321" in caplog.text


async def test_a_customer_typing_the_trigger_gets_nothing(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session)
    row = factories.notification(session, shipment)
    chat = linked(session, order.customer_id)
    # Some other intent carrying the entity (the gateway's button guard stops the real one).
    typed = chat.says(
        f'/inform{{"notification_id":"{row.id}"}}', "inform", {"notification_id": str(row.id)}
    )
    reply = await run(notify, typed)
    assert reply.messages == []


@pytest.mark.parametrize(
    "change",
    [
        {"status": NotificationStatus.SENT},
        {"status": NotificationStatus.SKIPPED, "skip_reason": SkipReason.SUPERSEDED},
        {"expires_at": NOW - dt.timedelta(minutes=1)},
    ],
    ids=["already sent", "superseded", "expired"],
)
async def test_a_notification_no_longer_worth_telling_is_not_told(
    session: Session, notify: ActionNotify, run: RunAction, change: dict[str, Any]
) -> None:
    order, shipment = parcel(session)
    row = factories.notification(session, shipment, **change)
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, row.id))
    assert reply.messages == []


async def test_a_customer_who_opted_out_meanwhile_is_not_told(
    session: Session, notify: ActionNotify, run: RunAction
) -> None:
    order, shipment = parcel(session)
    row = factories.notification(session, shipment)
    order.customer.notifications_opt_out = True  # after the gateway claimed it
    session.flush()
    chat = linked(session, order.customer_id)
    reply = await run(notify, raised(chat, row.id))
    assert reply.messages == []


# --- stop and resume ----------------------------------------------------------------------------


def customer_of(session: Session, customer_id: int) -> Customer:
    session.expire_all()
    customer = session.get(Customer, customer_id)
    assert customer is not None
    return customer


def audit_actions(session: Session, customer_id: int) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "customer", AuditEntry.entity_id == customer_id)
        .order_by(AuditEntry.id)
    )
    return [(row.action, row.actor) for row in rows]


async def test_stopping_notifications_opts_out_skips_what_waits_and_says_how_to_undo(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, shipment = parcel(session)
    waiting = factories.notification(session, shipment)
    chat = linked(session, order.customer_id)
    reply = await run(
        ActionStopNotifications(runtime), chat.says("stop notifications", "stop_notifications")
    )
    assert reply.responses == ["utter_notifications_stopped"]
    assert customer_of(session, order.customer_id).notifications_opt_out is True
    assert status_of(session, waiting.id) is NotificationStatus.SKIPPED
    assert audit_actions(session, order.customer_id) == [
        ("notifications_opted_out", "assistant:web:web-visitor-1")
    ]

    # Twice is fine, and says so plainly; it is not recorded twice.
    again = await run(ActionStopNotifications(runtime), chat.says("STOP", "stop_notifications"))
    assert again.responses == ["utter_notifications_already_stopped"]
    assert len(audit_actions(session, order.customer_id)) == 1


async def test_resuming_notifications_opts_back_in_once(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    order.customer.notifications_opt_out = True
    session.flush()
    chat = linked(session, order.customer_id)
    reply = await run(
        ActionResumeNotifications(runtime), chat.says("turn them back on", "resume_notifications")
    )
    assert reply.responses == ["utter_notifications_resumed"]
    assert customer_of(session, order.customer_id).notifications_opt_out is False

    again = await run(
        ActionResumeNotifications(runtime),
        chat.says("resume notifications", "resume_notifications"),
    )
    assert again.responses == ["utter_notifications_already_on"]
    assert audit_actions(session, order.customer_id) == [
        ("notifications_opted_in", "assistant:web:web-visitor-1")
    ]


async def test_an_unverified_conversation_proves_who_it_is_before_stopping(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    customer = factories.customer(session, email="grace@example.com")
    order = factories.order(session, customer_=customer, number="500100")
    factories.shipment(session, order)
    factories.order(session, customer_=customer, number="500101")
    chat = Chat()

    # The journey starts like any other: the order form comes next and asks for an order.
    started = await run(
        ActionStartJourney(runtime),
        chat.says("dont message me about my parcels", "stop_notifications"),
    )
    assert started.slots["journey"] == "stop_notifications"
    assert started.slots["journey_answered"] is False
    chat.active_loop = {"name": "order_form"}
    asked = await run(ValidateOrderForm(runtime), chat)
    assert asked.slots["requested_slot"] == "order_number"
    # Run before the form is done (it never is, but if), the action changes nothing.
    early = await run(ActionStopNotifications(runtime), chat)
    assert early.messages == []
    assert customer_of(session, customer.id).notifications_opt_out is False

    chat.slots["requested_slot"] = "order_number"
    message = "500100 grace@example.com"
    proved = await run(
        ValidateOrderForm(runtime),
        chat.says(message, entities={"order_number": "500100", "email": "grace@example.com"}),
    )
    assert "utter_verified_by_name" in proved.responses
    assert linked_customer(session, Channel.WEB, chat.sender_id) is not None

    stopped = await run(ActionStopNotifications(runtime), chat)
    assert stopped.responses == ["utter_notifications_stopped"]
    assert customer_of(session, customer.id).notifications_opt_out is True


async def test_a_linked_conversation_with_several_orders_is_asked_for_none(
    session: Session, runtime: Runtime, run: RunAction
) -> None:
    order, _ = parcel(session)
    factories.order(session, customer_=order.customer, number="500002")
    chat = linked(session, order.customer_id)
    chat.slots.update({"journey": "resume_notifications", "requested_slot": None})
    chat.active_loop = {"name": "order_form"}
    reply = await run(
        ValidateOrderForm(runtime), chat.says("notify me again", "resume_notifications")
    )
    assert reply.slots == {"requested_slot": None}  # the form ends at once
    assert reply.messages == []
