"""The overdue sweep: one delay notice for a parcel past its expected delivery without news,
in the carrier's timezone, through the queue (opt-out, quiet hours, dedup), on a real database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.carriers.values import DeliveryEstimate
from delivery.db.models import Carrier, Shipment
from delivery.db.notification_models import Notification, NotificationStatus, SkipReason
from delivery.notifications.kinds import KindRules, NotificationKind
from delivery.notifications.overdue import OverdueFacts, expected_by, overdue_notice, sweep_overdue
from delivery.notifications.policy import QueuePolicy
from delivery.notifications.quiet_hours import QuietHours
from delivery.vocabulary import OrderStatus
from delivery.vocabulary import ShipmentStatus as S
from tests import factories
from tests.factories import NOW

K = NotificationKind
RULES = KindRules()
POLICY = QueuePolicy(quiet_hours=None)
SUNDAY, MONDAY, TUESDAY, WEDNESDAY = (dt.date(2026, 3, d) for d in (1, 2, 3, 4))  # NOW: Mon 10:00


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def facts(**fields: Any) -> OverdueFacts:
    values: dict[str, Any] = {
        "shipment_id": 7,
        "carrier_timezone": "Europe/London",
        "status": S.IN_TRANSIT,
        "promised_date": MONDAY,
        "promised_window_end": dt.time(13),
    }
    return OverdueFacts(**{**values, **fields})


# --- when a parcel is overdue (pure) ------------------------------------------------------------


def test_the_expectation_runs_out_at_the_end_of_the_window_in_the_carrier_s_zone() -> None:
    assert expected_by(facts()) == (MONDAY, utc(2, 13))
    helsinki = facts(carrier_timezone="Europe/Helsinki")  # UTC+2 in March
    assert expected_by(helsinki) == (MONDAY, utc(2, 11))
    without_window = facts(promised_window_end=None, carrier_timezone="America/New_York")
    assert expected_by(without_window) == (MONDAY, utc(3, 5))  # midnight in New York
    # The day the clocks go forward in London: 18:00 BST is 17:00 UTC.
    spring = facts(promised_date=dt.date(2026, 3, 29), promised_window_end=dt.time(18))
    assert expected_by(spring) == (dt.date(2026, 3, 29), utc(29, 17))


def test_a_later_estimate_moves_the_expectation_an_earlier_one_does_not() -> None:
    later = facts(eta=DeliveryEstimate(WEDNESDAY, dt.time(9), dt.time(12)))
    assert expected_by(later) == (WEDNESDAY, utc(4, 12))
    earlier = facts(eta=DeliveryEstimate(SUNDAY, dt.time(9), dt.time(11)))
    assert expected_by(earlier) == (MONDAY, utc(2, 13))
    # The same day: the later end of the two windows; a day without a window: its end.
    same_day = facts(eta=DeliveryEstimate(MONDAY, dt.time(13), dt.time(15)))
    assert expected_by(same_day) == (MONDAY, utc(2, 15))
    no_window = facts(eta=DeliveryEstimate(MONDAY))
    assert expected_by(no_window) == (MONDAY, utc(3, 0))


def test_the_notice_is_due_from_the_moment_the_window_ends() -> None:
    assert overdue_notice(facts(), RULES, now=utc(2, 12, 59)) is None
    notice = overdue_notice(facts(context={"order_number": "#1"}), RULES, now=utc(2, 13))
    assert notice is not None
    assert notice.kind is K.DELAYED
    assert notice.dedup_key == "7:delayed:overdue-2026-03-02"
    assert notice.values == {
        "order_number": "#1",
        "description": None,
        "location": None,
        "promised_date": "2026-03-02",
        "eta_date": None,
        "eta_window_start": None,
        "eta_window_end": None,
        "days_late": 0,
        "voucher": False,
    }
    assert notice.expires_at == utc(5, 13)


def test_days_late_and_the_voucher_follow_the_shop_s_rule() -> None:
    later = facts(promised_date=SUNDAY, eta=DeliveryEstimate(TUESDAY, dt.time(9), dt.time(13)))
    notice = overdue_notice(later, RULES, now=utc(3, 14))
    assert notice is not None
    assert notice.dedup_key == "7:delayed:overdue-2026-03-03"
    assert (notice.values["eta_date"], notice.values["eta_window_start"]) == ("2026-03-03", "09:00")
    assert (notice.values["days_late"], notice.values["voucher"]) == (2, True)
    never = overdue_notice(later, KindRules(voucher_min_days_late=0), now=utc(3, 14))
    assert never is not None and never.values["voucher"] is False


@pytest.mark.parametrize(
    "status",
    [
        S.DELIVERED,
        S.RETURNED_TO_SENDER,
        S.READY_FOR_PICKUP,
        S.FAILED_ATTEMPT,
        S.EXCEPTION,
        S.DELAYED,
    ],
)
def test_parcels_that_arrived_or_whose_problem_the_carrier_reported_are_not_overdue(
    status: S,
) -> None:
    assert overdue_notice(facts(status=status), RULES, now=utc(9, 12)) is None


def test_no_notice_when_delay_notices_are_off() -> None:
    rules = KindRules(enabled=frozenset({K.DELIVERED}))
    assert overdue_notice(facts(), rules, now=utc(9, 12)) is None


# --- the sweep on the database ---------------------------------------------------------------


def parcel(session: Session, carrier: Carrier | None = None, **fields: Any) -> Shipment:
    values: dict[str, Any] = {"promised_date": SUNDAY, "eta_date": SUNDAY}
    customer = fields.pop("customer", None)
    order_fields = fields.pop("order", {})
    order = factories.order(session, customer_=customer, **order_fields)
    return factories.shipment(session, order, carrier_=carrier, **{**values, **fields})


def rows(session: Session, shipment: Shipment) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.shipment_id == shipment.id)
            .order_by(Notification.id)
        )
    )


def sweep(session: Session, now: dt.datetime = NOW, **kwargs: Any) -> list[str]:
    queued = sweep_overdue(session, now=now, rules=RULES, policy=POLICY, **kwargs)
    return [item.dedup_key for item in queued if item.enqueued.created]


def test_a_parcel_past_its_promise_gets_one_notice_however_often_the_sweep_runs(
    session: Session,
) -> None:
    carrier = factories.carrier(session, name="Swift Parcels")
    late = parcel(session, carrier, tracking_number="SW0001", order={"number": "#200001"})
    parcel(session, carrier, status=S.DELIVERED)  # promised for Sunday too, but it came
    assert sweep(session) == [f"{late.id}:delayed:overdue-2026-03-01"]
    [row] = rows(session, late)
    assert (row.kind, row.status, row.customer_id) == (
        K.DELAYED,
        NotificationStatus.QUEUED,
        late.order.customer_id,
    )
    assert row.values == {
        "order_number": "#200001",
        "carrier": "Swift Parcels",
        "tracking_number": "SW0001",
        "description": None,
        "location": None,
        "promised_date": "2026-03-01",
        "eta_date": None,
        "eta_window_start": None,
        "eta_window_end": None,
        "days_late": 1,
        "voucher": False,
    }
    assert (row.not_before, row.expires_at) == (NOW, NOW + dt.timedelta(days=3))
    # Again, and again an hour later: nothing more.
    assert sweep(session) == []
    assert sweep(session, NOW + dt.timedelta(hours=1)) == []
    assert len(rows(session, late)) == 1


def test_before_the_window_ends_nothing_and_from_its_end_the_notice(session: Session) -> None:
    today = parcel(session, promised_date=MONDAY, eta_date=MONDAY)  # window 9:00-13:00 London
    assert sweep(session, utc(2, 12, 59)) == []
    assert sweep(session, utc(2, 13)) == [f"{today.id}:delayed:overdue-2026-03-02"]


def test_the_carrier_s_timezone_decides(session: Session) -> None:
    """Promised for Monday without a window: overdue from midnight where the carrier is."""
    zones = ("Pacific/Auckland", "Europe/Helsinki", "Europe/London", "America/New_York")
    parcels = {
        zone: parcel(
            session,
            factories.carrier(session, timezone=zone),
            promised_date=MONDAY,
            eta_date=None,
            promised_window_start=None,
            promised_window_end=None,
        )
        for zone in zones
    }
    # Midnight after Monday: 11:00 UTC on Monday in Auckland (UTC+13), 22:00 in Helsinki,
    # 00:00 on Tuesday in London, 05:00 on Tuesday in New York.
    assert sweep(session, utc(2, 10, 59)) == []
    assert sweep(session, utc(2, 11)) == [
        f"{parcels['Pacific/Auckland'].id}:delayed:overdue-2026-03-02"
    ]
    assert sweep(session, utc(2, 22)) == [
        f"{parcels['Europe/Helsinki'].id}:delayed:overdue-2026-03-02"
    ]
    assert sweep(session, utc(3, 4, 59)) == [
        f"{parcels['Europe/London'].id}:delayed:overdue-2026-03-02"
    ]
    assert sweep(session, utc(3, 5)) == [
        f"{parcels['America/New_York'].id}:delayed:overdue-2026-03-02"
    ]


def test_a_newer_estimate_defers_the_notice_to_its_own_end(session: Session) -> None:
    later = parcel(session, eta_date=TUESDAY)  # the carrier's later date (told by the rules)
    assert sweep(session) == []
    assert sweep(session, utc(3, 13)) == [f"{later.id}:delayed:overdue-2026-03-03"]
    [row] = rows(session, later)
    assert (row.values["eta_date"], row.values["days_late"], row.values["voucher"]) == (
        "2026-03-03",
        2,
        True,
    )


def test_a_delay_the_carrier_reported_since_the_promise_ran_out_is_not_told_again(
    session: Session,
) -> None:
    told = parcel(session)
    factories.notification(session, told, created_at=utc(1, 15))  # after Sunday 13:00
    earlier = parcel(session)
    factories.notification(session, earlier, created_at=utc(1, 12))  # before: another matter
    assert sweep(session) == [f"{earlier.id}:delayed:overdue-2026-03-01"]
    assert len(rows(session, told)) == 1


def test_parcels_not_on_their_way_are_left_alone(session: Session) -> None:
    for status in (S.DELIVERED, S.RETURNED_TO_SENDER, S.READY_FOR_PICKUP, S.DELAYED, S.EXCEPTION):
        parcel(session, status=status)
    parcel(session, order={"status": OrderStatus.CANCELLED})
    assert sweep(session) == []


def test_an_opted_out_customer_gets_a_skipped_row_once(session: Session) -> None:
    quiet = factories.customer(session, notifications_opt_out=True)
    late = parcel(session, customer=quiet)
    assert sweep(session) == [f"{late.id}:delayed:overdue-2026-03-01"]
    [row] = rows(session, late)
    assert (row.status, row.skip_reason) == (NotificationStatus.SKIPPED, SkipReason.OPTED_OUT)
    assert sweep(session) == []


def test_quiet_hours_move_the_notice_to_the_morning(session: Session) -> None:
    late = parcel(session)
    policy = QueuePolicy(quiet_hours=QuietHours(dt.time(21), dt.time(8)))
    sweep_overdue(session, now=utc(2, 22), rules=RULES, policy=policy)
    [row] = rows(session, late)
    assert row.not_before == utc(3, 8)


def test_a_sweep_queues_at_most_its_limit_oldest_promise_first(session: Session) -> None:
    newest = parcel(session, promised_date=SUNDAY, eta_date=None)
    oldest = parcel(session, promised_date=dt.date(2026, 2, 27), eta_date=None)
    middle = parcel(session, promised_date=dt.date(2026, 2, 28), eta_date=None)
    assert sweep(session, limit=2) == [
        f"{oldest.id}:delayed:overdue-2026-02-27",
        f"{middle.id}:delayed:overdue-2026-02-28",
    ]
    assert sweep(session, limit=2) == [f"{newest.id}:delayed:overdue-2026-03-01"]


def test_the_notice_makes_an_unsent_out_for_delivery_one_moot(session: Session) -> None:
    late = parcel(session, status=S.OUT_FOR_DELIVERY)
    old = factories.notification(
        session, late, kind=K.OUT_FOR_DELIVERY, dedup_key=f"{late.id}:out_for_delivery:2026-03-01"
    )
    sweep(session)
    session.refresh(old)
    assert (old.status, old.skip_reason) == (NotificationStatus.SKIPPED, SkipReason.SUPERSEDED)
