"""The queue's policy: read from the settings, backoff doubling up to its cap."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from delivery.notifications.policy import QueuePolicy
from delivery.notifications.quiet_hours import QuietHours
from delivery.settings import Settings

SECOND = dt.timedelta(seconds=1)


def test_the_default_settings_give_the_default_policy() -> None:
    assert QueuePolicy.from_settings(Settings.model_construct()) == QueuePolicy()


def test_the_policy_comes_from_the_settings() -> None:
    settings = Settings(
        QUIET_HOURS="22:30-07:00",
        NOTIFICATION_DEFAULT_TIMEZONE="Europe/Helsinki",
        NOTIFICATION_MAX_ATTEMPTS=3,
        NOTIFICATION_RETRY_SECONDS=10,
        NOTIFICATION_RETRY_MAX_SECONDS=60,
        NOTIFICATION_LEASE_SECONDS=15,
    )
    assert QueuePolicy.from_settings(settings) == QueuePolicy(
        quiet_hours=QuietHours(dt.time(22, 30), dt.time(7)),
        default_zone=ZoneInfo("Europe/Helsinki"),
        max_attempts=3,
        retry_base=10 * SECOND,
        retry_max=60 * SECOND,
        lease=15 * SECOND,
    )


def test_quiet_hours_can_be_turned_off() -> None:
    assert QueuePolicy.from_settings(Settings(QUIET_HOURS="")).quiet_hours is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"QUIET_HOURS": "late"}, "quiet hours"),
        ({"NOTIFICATION_DEFAULT_TIMEZONE": "Nowhere"}, "timezone"),
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QueuePolicy.from_settings(Settings(**overrides))  # type: ignore[arg-type]


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = QueuePolicy(retry_base=30 * SECOND, retry_max=100 * SECOND)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 80)] == [
        30 * SECOND,
        60 * SECOND,
        100 * SECOND,
        100 * SECOND,
        100 * SECOND,
    ]


def test_the_customers_zone_or_the_default() -> None:
    policy = QueuePolicy(default_zone=ZoneInfo("Europe/Rome"))
    assert policy.zone_for("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    assert policy.zone_for("Not/AZone") == ZoneInfo("Europe/Rome")
    assert policy.zone_for("") == ZoneInfo("Europe/Rome")
