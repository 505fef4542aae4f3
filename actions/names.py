"""Every intent, entity, slot, form and response name the actions use, in one place.

They must match domain.yml and the training data (docs/assistant-design.md lists them);
`scripts/validate_assistant.py` checks that every response named here exists in the domain.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    GREET = "greet"
    AFFIRM = "affirm"
    DENY = "deny"
    STOP = "stop"
    OUT_OF_SCOPE = "out_of_scope"
    NLU_FALLBACK = "nlu_fallback"
    WHERE_IS_MY_ORDER = "where_is_my_order"
    RESCHEDULE_DELIVERY = "reschedule_delivery"
    CHOOSE_PICKUP_POINT = "choose_pickup_point"
    REQUEST_RETURN = "request_return"
    RETURN_STATUS = "return_status"
    MOVE_RETURN = "move_return"
    CANCEL_RETURN = "cancel_return"
    REPORT_DAMAGED_ITEM = "report_damaged_item"
    REPORT_MISSING_ITEM = "report_missing_item"
    TALK_TO_PERSON = "talk_to_person"
    INFORM = "inform"
    # Triggered by the gateway (never typed: the gateway refuses typed intents it did not offer).
    EXTERNAL_HANDOFF = "EXTERNAL_handoff"
    # A queued proactive notification, raised in the customer's linked chat by the gateway.
    EXTERNAL_NOTIFICATION = "EXTERNAL_notification"
    STOP_NOTIFICATIONS = "stop_notifications"
    RESUME_NOTIFICATIONS = "resume_notifications"


class Entity(StrEnum):
    ORDER_NUMBER = "order_number"
    EMAIL = "email"
    POSTCODE = "postcode"
    CITY = "city"
    RETURN_REFERENCE = "return_reference"
    # From buttons only.
    SLOT_KEY = "slot_key"
    PICKUP_POINT = "pickup_point"
    RETURN_LINE = "return_line"
    RETURN_REASON = "return_reason"
    PICKUP_ORIGIN = "pickup_origin"
    # Only in the gateway's EXTERNAL_notification trigger; fills no slot.
    NOTIFICATION_ID = "notification_id"


class SlotName(StrEnum):
    LANGUAGE = "language"
    CUSTOMER_NAME = "customer_name"
    NAME_KNOWN = "name_known"
    JOURNEY = "journey"
    JOURNEY_ALLOWED = "journey_allowed"
    JOURNEY_ANSWERED = "journey_answered"
    ORDER_NUMBER = "order_number"
    PROOF = "proof"
    DELIVERY_SLOT = "delivery_slot"
    PICKUP_ORIGIN = "pickup_origin"
    PICKUP_POINT = "pickup_point"
    RETURN_ITEMS = "return_items"
    RETURN_REASON = "return_reason"
    RETURN_PICKUP_SLOT = "return_pickup_slot"
    RETURN_REFERENCE = "return_reference"
    CHANGE_CONFIRMED = "change_confirmed"
    CLAIM_DESCRIPTION = "claim_description"
    REQUESTED_SLOT = "requested_slot"


class Journey(StrEnum):
    """What the customer came to do; rules pick the steps after ``order_form`` by it."""

    WISMO = "wismo"
    RESCHEDULE = "reschedule"
    PICKUP_POINT = "pickup_point"
    RETURN = "return"
    RETURN_STATUS = "return_status"
    MOVE_RETURN = "move_return"
    CANCEL_RETURN = "cancel_return"
    DAMAGED_ITEM = "damaged_item"
    MISSING_ITEM = "missing_item"
    STOP_NOTIFICATIONS = "stop_notifications"
    RESUME_NOTIFICATIONS = "resume_notifications"

    @property
    def needs_an_order(self) -> bool:
        """Return journeys start from the customer's returns, and notification settings from
        the customer, not from one order."""
        return self not in {
            Journey.RETURN_STATUS,
            Journey.MOVE_RETURN,
            Journey.CANCEL_RETURN,
            Journey.STOP_NOTIFICATIONS,
            Journey.RESUME_NOTIFICATIONS,
        }


#: The journey each intent starts.
JOURNEY_OF_INTENT: dict[str, Journey] = {
    Intent.WHERE_IS_MY_ORDER: Journey.WISMO,
    Intent.RESCHEDULE_DELIVERY: Journey.RESCHEDULE,
    Intent.CHOOSE_PICKUP_POINT: Journey.PICKUP_POINT,
    Intent.REQUEST_RETURN: Journey.RETURN,
    Intent.RETURN_STATUS: Journey.RETURN_STATUS,
    Intent.MOVE_RETURN: Journey.MOVE_RETURN,
    Intent.CANCEL_RETURN: Journey.CANCEL_RETURN,
    Intent.REPORT_DAMAGED_ITEM: Journey.DAMAGED_ITEM,
    Intent.REPORT_MISSING_ITEM: Journey.MISSING_ITEM,
    Intent.STOP_NOTIFICATIONS: Journey.STOP_NOTIFICATIONS,
    Intent.RESUME_NOTIFICATIONS: Journey.RESUME_NOTIFICATIONS,
}

#: Slots that belong to one run of a journey and are cleared when a new one starts.
JOURNEY_SLOTS: tuple[SlotName, ...] = (
    SlotName.JOURNEY_ALLOWED,
    SlotName.PROOF,
    SlotName.DELIVERY_SLOT,
    SlotName.PICKUP_ORIGIN,
    SlotName.PICKUP_POINT,
    SlotName.RETURN_ITEMS,
    SlotName.RETURN_REASON,
    SlotName.RETURN_PICKUP_SLOT,
    SlotName.RETURN_REFERENCE,
    SlotName.CHANGE_CONFIRMED,
    SlotName.CLAIM_DESCRIPTION,
)


class Form(StrEnum):
    ORDER = "order_form"
    RESCHEDULE = "reschedule_form"
    PICKUP_POINT = "pickup_point_form"
    RETURN = "return_form"
    MOVE_RETURN = "move_return_form"
    CANCEL_RETURN = "cancel_return_form"
    CLAIM = "claim_form"


class Response(StrEnum):
    """Responses the actions send (the rules send others directly)."""

    TRY_AGAIN = "utter_try_again"
    # verification
    ASK_ORDER_NUMBER = "utter_ask_order_number"
    ASK_WHICH_ORDER = "utter_ask_which_order"
    ASK_PROOF = "utter_ask_proof"
    ORDER_NUMBER_UNREADABLE = "utter_order_number_unreadable"
    PROOF_UNREADABLE = "utter_proof_unreadable"
    VERIFICATION_FAILED = "utter_verification_failed"
    VERIFICATION_FAILED_LAST_TRY = "utter_verification_failed_last_try"
    LOCKED_OUT = "utter_locked_out"
    VERIFIED = "utter_verified"
    VERIFIED_BY_NAME = "utter_verified_by_name"
    NOT_YOUR_ORDER = "utter_not_your_order"
    NO_ORDERS = "utter_no_orders"
    # order status
    ORDER_HEADER = "utter_order_header"
    ORDER_CANCELLED = "utter_order_cancelled"
    ITEMS_PREPARING = "utter_items_preparing"
    SHIPMENT_INFO_RECEIVED = "utter_shipment_info_received"
    SHIPMENT_IN_TRANSIT = "utter_shipment_in_transit"
    SHIPMENT_OUT_FOR_DELIVERY = "utter_shipment_out_for_delivery"
    SHIPMENT_OUT_FOR_DELIVERY_ALL_DAY = "utter_shipment_out_for_delivery_all_day"
    SHIPMENT_REFERENCE = "utter_shipment_reference"
    CARRIER_SAYS = "utter_carrier_says"
    SHIPMENT_READY_FOR_PICKUP = "utter_shipment_ready_for_pickup"
    SHIPMENT_DELIVERED = "utter_shipment_delivered"
    SHIPMENT_TIMELINE = "utter_shipment_timeline"
    TRACKING_NOT_REFRESHED = "utter_tracking_not_refreshed"  # data/responses/order_status.yml
    PROBLEM_DELAYED = "utter_problem_delayed"
    PROBLEM_FAILED_ATTEMPT = "utter_problem_failed_attempt"
    PROBLEM_EXCEPTION = "utter_problem_exception"
    PROBLEM_RETURNED_TO_SENDER = "utter_problem_returned_to_sender"
    NEXT_STEP_PREFIX = "utter_next_step_"  # + NextStep value
    PROBLEM_OPTIONS = "utter_problem_options"
    OPTION_PREFIX = "utter_option_"  # + CustomerOption value: a button title
    # claims and people
    CLAIM_RECORDED = "utter_claim_recorded"
    HANDOFF = "utter_handoff"
    HANDOFF_INTRO_UPSET = "utter_handoff_intro_upset"
    HANDOFF_INTRO_MISUNDERSTOOD = "utter_handoff_intro_misunderstood"
    HANDOFF_NEXT = "utter_handoff_next"
    HANDOFF_QUEUED = "utter_handoff_queued"
    HANDOFF_AFTER_HOURS = "utter_handoff_after_hours"
    # fallback
    PLEASE_REPHRASE = "utter_please_rephrase"
    OUT_OF_SCOPE = "utter_out_of_scope"
