"""The rules: which shipment change deserves which notification, keyed so it is sent once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from delivery.carriers.values import DeliveryEstimate
from delivery.notifications.kinds import (
    ALL_KINDS,
    EventFact,
    KindRules,
    NotificationKind,
    ShipmentChange,
    deserved_notifications,
    parse_kinds,
)
from delivery.settings import Settings
from delivery.vocabulary import ShipmentStatus as S

K = NotificationKind
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # Monday 10:00 in London
PROMISED = dt.date(2026, 3, 4)
RULES = KindRules()


def change(**overrides: Any) -> ShipmentChange:
    """Shipment 7, in transit, promised on Wednesday 4 March 09:00-13:00; nothing changed."""
    values: dict[str, Any] = {
        "shipment_id": 7,
        "carrier_timezone": "Europe/London",
        "status_before": S.IN_TRANSIT,
        "status_after": S.IN_TRANSIT,
        "event": None,
        "previous_event_at": NOW - dt.timedelta(hours=5),
        "promised_date": PROMISED,
        "promised_window": (dt.time(9), dt.time(13)),
        "eta_before": DeliveryEstimate(PROMISED, dt.time(9), dt.time(13)),
        "eta_after": DeliveryEstimate(PROMISED, dt.time(9), dt.time(13)),
        "context": {"order_number": "#100234", "carrier": "Swift", "tracking_number": "SW1"},
    }
    values.update(overrides)
    return ShipmentChange(**values)


def moved(
    status: S, *, event_id: int = 41, hours_ago: float = 0.5, **overrides: Any
) -> ShipmentChange:
    """The status became ``status`` through event ``event_id``."""
    event = EventFact(
        id=event_id,
        status=status,
        occurred_at=NOW - dt.timedelta(hours=hours_ago),
        description=f"{status.value} said the carrier",
        location="Leeds depot",
    )
    return change(status_after=status, event=event, **overrides)


def keys(found: list[Any]) -> list[str]:
    return [item.dedup_key for item in found]


# --- no change, no news ----------------------------------------------------------------------


def test_nothing_changed_deserves_nothing() -> None:
    assert deserved_notifications(change(), RULES, now=NOW) == []


def test_a_move_to_in_transit_deserves_nothing() -> None:
    assert (
        deserved_notifications(moved(S.IN_TRANSIT, status_before=S.INFO_RECEIVED), RULES, now=NOW)
        == []
    )


@pytest.mark.parametrize(
    "status", [S.FAILED_ATTEMPT, S.EXCEPTION, S.OUT_FOR_DELIVERY, S.DELIVERED, S.DELAYED]
)
def test_a_late_older_event_deserves_nothing(status: S) -> None:
    late = moved(status, hours_ago=6)  # older than the newest event known before (5 hours ago)
    assert deserved_notifications(late, RULES, now=NOW) == []


def test_an_event_without_a_status_move_deserves_nothing() -> None:
    same = moved(S.FAILED_ATTEMPT, status_before=S.FAILED_ATTEMPT)
    assert deserved_notifications(same, RULES, now=NOW) == []


# --- delayed ---------------------------------------------------------------------------------


def test_an_eta_past_the_promise_is_a_delay_keyed_by_the_new_date() -> None:
    new_eta = DeliveryEstimate(dt.date(2026, 3, 6), dt.time(13), dt.time(18))
    [delay] = deserved_notifications(change(eta_after=new_eta), RULES, now=NOW)
    assert (delay.kind, delay.dedup_key) == (K.DELAYED, "7:delayed:2026-03-06")
    assert delay.values == {
        "order_number": "#100234",
        "carrier": "Swift",
        "tracking_number": "SW1",
        "description": None,
        "location": None,
        "promised_date": "2026-03-04",
        "eta_date": "2026-03-06",
        "eta_window_start": "13:00",
        "eta_window_end": "18:00",
        "days_late": 2,
        "voucher": True,  # two days late: the default policy offers one
    }
    assert delay.due_at is None
    # Moot once the new date is over (midnight in London, GMT in March).
    assert delay.expires_at == dt.datetime(2026, 3, 7, 0, 0, tzinfo=dt.UTC)


def test_each_later_date_is_news_once() -> None:
    first = DeliveryEstimate(dt.date(2026, 3, 5))
    later = DeliveryEstimate(dt.date(2026, 3, 7))
    again = change(eta_before=first, eta_after=later)
    assert keys(deserved_notifications(again, RULES, now=NOW)) == ["7:delayed:2026-03-07"]
    # An earlier (but still late) date, or the same date again, is no delay news.
    assert deserved_notifications(change(eta_before=later, eta_after=first), RULES, now=NOW) == []
    assert deserved_notifications(change(eta_before=later, eta_after=later), RULES, now=NOW) == []


def test_an_eta_moving_within_the_promise_is_no_delay() -> None:
    earlier = DeliveryEstimate(dt.date(2026, 3, 3))
    assert deserved_notifications(change(eta_after=earlier), RULES, now=NOW) == []


def test_the_carrier_saying_delayed_without_a_date_is_keyed_by_its_event() -> None:
    [delay] = deserved_notifications(moved(S.DELAYED, event_id=55), RULES, now=NOW)
    assert delay.dedup_key == "7:delayed:event-55"
    assert delay.values["description"] == "delayed said the carrier"
    assert (delay.values["eta_date"], delay.values["days_late"], delay.values["voucher"]) == (
        None,
        0,
        False,
    )
    assert delay.expires_at == NOW + dt.timedelta(days=3)


def test_delayed_with_a_new_date_is_one_notification_keyed_by_the_date() -> None:
    new_eta = DeliveryEstimate(dt.date(2026, 3, 5))
    found = deserved_notifications(moved(S.DELAYED, eta_after=new_eta), RULES, now=NOW)
    assert keys(found) == ["7:delayed:2026-03-05"]
    assert found[0].values["voucher"] is False  # one day late: under the policy's two


def test_no_delay_news_once_delivered() -> None:
    late_eta = DeliveryEstimate(dt.date(2026, 3, 9))
    delivered = change(status_before=S.DELIVERED, status_after=S.DELIVERED, eta_after=late_eta)
    assert deserved_notifications(delivered, RULES, now=NOW) == []


@pytest.mark.parametrize(
    ("threshold", "days", "voucher"), [(0, 5, False), (3, 2, False), (3, 3, True)]
)
def test_the_voucher_follows_the_shops_policy(threshold: int, days: int, voucher: bool) -> None:
    rules = KindRules(voucher_min_days_late=threshold)
    eta = DeliveryEstimate(PROMISED + dt.timedelta(days=days))
    [delay] = deserved_notifications(change(eta_after=eta), rules, now=NOW)
    assert delay.values["voucher"] is voucher


# --- failed attempt, exception ---------------------------------------------------------------


def test_a_failed_attempt_is_keyed_by_its_event_and_names_the_redelivery() -> None:
    redelivery = DeliveryEstimate(dt.date(2026, 3, 3), dt.time(9), dt.time(13))
    [failed] = deserved_notifications(
        moved(S.FAILED_ATTEMPT, status_before=S.OUT_FOR_DELIVERY, eta_after=redelivery),
        RULES,
        now=NOW,
    )
    assert (failed.kind, failed.dedup_key) == (K.FAILED_ATTEMPT, "7:failed_attempt:event-41")
    assert failed.values["description"] == "failed_attempt said the carrier"
    assert failed.values["location"] == "Leeds depot"
    assert failed.values["occurred_at"] == (NOW - dt.timedelta(hours=0.5)).isoformat()
    assert (failed.values["eta_date"], failed.values["eta_window_start"]) == ("2026-03-03", "09:00")
    assert failed.expires_at == NOW + dt.timedelta(days=3)


def test_a_failed_attempt_without_a_later_date_names_none() -> None:
    same_day = DeliveryEstimate(dt.date(2026, 3, 2))
    [failed] = deserved_notifications(moved(S.FAILED_ATTEMPT, eta_after=same_day), RULES, now=NOW)
    assert failed.values["eta_date"] is None


def test_each_failed_attempt_is_its_own_news() -> None:
    first = deserved_notifications(moved(S.FAILED_ATTEMPT, event_id=41), RULES, now=NOW)
    second = deserved_notifications(moved(S.FAILED_ATTEMPT, event_id=48), RULES, now=NOW)
    assert keys(first) != keys(second)


def test_an_exception_is_keyed_by_its_event() -> None:
    [problem] = deserved_notifications(moved(S.EXCEPTION, event_id=9), RULES, now=NOW)
    assert (problem.kind, problem.dedup_key) == (K.EXCEPTION, "7:exception:event-9")
    assert problem.values["description"] == "exception said the carrier"


# --- out for delivery, delivered, rating -----------------------------------------------------


def test_out_for_delivery_today_comes_with_the_window() -> None:
    today = DeliveryEstimate(dt.date(2026, 3, 2), dt.time(13), dt.time(15))
    [out] = deserved_notifications(moved(S.OUT_FOR_DELIVERY, eta_after=today), RULES, now=NOW)
    assert (out.kind, out.dedup_key) == (K.OUT_FOR_DELIVERY, "7:out_for_delivery:2026-03-02")
    assert (out.values["date"], out.values["window_start"], out.values["window_end"]) == (
        "2026-03-02",
        "13:00",
        "15:00",
    )
    assert out.expires_at == dt.datetime(2026, 3, 3, 0, 0, tzinfo=dt.UTC)


def test_out_for_delivery_on_the_promised_day_uses_the_promised_window() -> None:
    on_time = moved(S.OUT_FOR_DELIVERY, promised_date=dt.date(2026, 3, 2), eta_after=None)
    [out] = deserved_notifications(on_time, RULES, now=NOW)
    assert (out.values["window_start"], out.values["window_end"]) == ("09:00", "13:00")


def test_out_for_delivery_without_a_known_window_says_none() -> None:
    [out] = deserved_notifications(moved(S.OUT_FOR_DELIVERY), RULES, now=NOW)  # promised Wed
    assert (out.values["window_start"], out.values["window_end"]) == (None, None)


def test_yesterdays_out_for_delivery_seen_today_is_not_news() -> None:
    old = moved(S.OUT_FOR_DELIVERY, hours_ago=11, previous_event_at=None)  # Sunday 23:00
    assert deserved_notifications(old, RULES, now=NOW) == []


def test_today_is_the_carriers_today() -> None:
    # 23:30 UTC on Monday is already Tuesday in Helsinki.
    late_evening = NOW.replace(hour=23, minute=30)
    event = EventFact(id=3, status=S.OUT_FOR_DELIVERY, occurred_at=late_evening)
    helsinki = change(
        carrier_timezone="Europe/Helsinki", status_after=S.OUT_FOR_DELIVERY, event=event
    )
    [out] = deserved_notifications(helsinki, RULES, now=late_evening)
    assert out.dedup_key == "7:out_for_delivery:2026-03-03"


def test_delivered_brings_the_rating_question_hours_later() -> None:
    delivered_at = NOW - dt.timedelta(minutes=30)
    rules = KindRules(rating_delay=dt.timedelta(hours=3))
    found = deserved_notifications(
        moved(S.DELIVERED, status_before=S.OUT_FOR_DELIVERY, delivered_at=delivered_at),
        rules,
        now=NOW,
    )
    assert keys(found) == ["7:delivered", "7:rating_request"]
    delivered, rating = found
    assert delivered.values["delivered_at"] == delivered_at.isoformat()
    assert delivered.due_at is None
    assert rating.kind is K.RATING_REQUEST
    assert rating.due_at == delivered_at + dt.timedelta(hours=3)
    assert rating.expires_at == rating.due_at + dt.timedelta(days=7)


# --- configuration ---------------------------------------------------------------------------


def test_only_enabled_kinds_are_deserved() -> None:
    rules = KindRules(enabled=frozenset({K.RATING_REQUEST}))
    found = deserved_notifications(moved(S.DELIVERED), rules, now=NOW)
    assert keys(found) == ["7:rating_request"]
    assert deserved_notifications(moved(S.EXCEPTION), rules, now=NOW) == []


def test_kinds_are_parsed_from_a_comma_separated_list() -> None:
    assert parse_kinds("all") == ALL_KINDS
    assert parse_kinds(" delayed, Delivered ,") == {K.DELAYED, K.DELIVERED}
    assert parse_kinds("") == frozenset()
    with pytest.raises(ValueError, match="unknown notification kinds \\['sms'\\]"):
        parse_kinds("delayed,sms")


def test_rules_come_from_the_settings() -> None:
    settings = Settings(
        NOTIFICATION_KINDS="delayed,exception",
        RATING_REQUEST_DELAY_HOURS=1.5,
        DELAY_VOUCHER_MIN_DAYS=0,
    )
    assert KindRules.from_settings(settings) == KindRules(
        enabled=frozenset({K.DELAYED, K.EXCEPTION}),
        rating_delay=dt.timedelta(hours=1.5),
        voucher_min_days_late=0,
    )


def test_the_default_settings_give_the_default_rules() -> None:
    defaults = Settings.model_construct()  # the declared defaults, whatever the environment says
    assert KindRules.from_settings(defaults) == RULES


@pytest.mark.parametrize("status", [S.FAILED_ATTEMPT, S.EXCEPTION])
def test_a_new_date_that_comes_with_a_problem_is_told_with_it(status: S) -> None:
    next_week = DeliveryEstimate(dt.date(2026, 3, 9), dt.time(9), dt.time(13))
    [problem] = deserved_notifications(moved(status, eta_after=next_week), RULES, now=NOW)
    assert problem.kind.value == status.value
    assert (problem.values["eta_date"], problem.values["eta_window_end"]) == ("2026-03-09", "13:00")


def test_with_the_problem_kind_off_the_delay_is_still_told() -> None:
    rules = KindRules(enabled=frozenset({K.DELAYED}))
    next_week = DeliveryEstimate(dt.date(2026, 3, 9))
    found = deserved_notifications(moved(S.FAILED_ATTEMPT, eta_after=next_week), rules, now=NOW)
    assert keys(found) == ["7:delayed:2026-03-09"]
