"""The carrier adapters by carrier code, made from the settings at a composition root.

Each adapter gets its own ``requests.Session`` (connection pool) and circuit breaker. Webhook
parsing needs neither, so the gateway's webhook looks parsers and secrets up here without
building adapters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import requests

from delivery.carriers import boreal, swift
from delivery.carriers.adapter import CarrierAdapter
from delivery.carriers.breaker import CircuitBreaker
from delivery.carriers.http import CarrierHttp, HttpPolicy, RejectionReader
from delivery.carriers.values import TrackingSnapshot
from delivery.settings import Settings

USER_AGENT = "delivery-assistant/0.1 (+carrier adapter)"

WebhookParser = Callable[[Any], tuple[TrackingSnapshot, ...]]

#: How each carrier's webhook body is read (the same parsing as its adapter's).
WEBHOOK_PARSERS: Mapping[str, WebhookParser] = MappingProxyType(
    {swift.CODE: swift.parse_webhook, boreal.CODE: boreal.parse_webhook}
)


def webhook_parser(carrier_code: str) -> WebhookParser | None:
    return WEBHOOK_PARSERS.get(carrier_code)


def webhook_secret(settings: Settings, carrier_code: str) -> bytes | None:
    """The carrier's webhook signing secret; None when unset or blank (its webhook is off)."""
    secrets = {
        swift.CODE: settings.swift_webhook_secret,
        boreal.CODE: settings.boreal_webhook_secret,
    }
    secret = secrets.get(carrier_code)
    value = secret.get_secret_value().strip() if secret is not None else ""
    return value.encode() if value else None


class CarrierRegistry:
    """Adapters by carrier code; :meth:`close` closes their HTTP sessions."""

    def __init__(
        self, adapters: Mapping[str, CarrierAdapter], sessions: tuple[requests.Session, ...] = ()
    ) -> None:
        self._adapters = dict(adapters)
        self._sessions = sessions

    def get(self, carrier_code: str) -> CarrierAdapter | None:
        return self._adapters.get(carrier_code)

    def __contains__(self, carrier_code: object) -> bool:
        return carrier_code in self._adapters

    def __iter__(self) -> Iterator[str]:
        return iter(self._adapters)

    def close(self) -> None:
        for session in self._sessions:
            session.close()


def build_registry(
    settings: Settings,
    *,
    session_factory: Callable[[], requests.Session] = requests.Session,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CarrierRegistry:
    """Every carrier adapter the project has, configured from ``settings``."""
    policy = HttpPolicy(
        connect_timeout=settings.carrier_connect_timeout_seconds,
        read_timeout=settings.carrier_read_timeout_seconds,
        max_attempts=settings.carrier_max_attempts,
    )
    sessions: list[requests.Session] = []

    def http(
        code: str,
        base_url: str | None,
        rejection: RejectionReader,
        *,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> CarrierHttp:
        session = session_factory()
        session.headers["User-Agent"] = USER_AGENT
        sessions.append(session)
        breaker = CircuitBreaker(
            code,
            failure_threshold=settings.carrier_breaker_failures,
            cooldown_seconds=settings.carrier_breaker_cooldown_seconds,
            clock=clock,
        )
        return CarrierHttp(
            code,
            base_url,
            session=session,
            breaker=breaker,
            policy=policy,
            headers=headers,
            auth=auth,
            rejection=rejection,
            sleep=sleep,
        )

    swift_key = settings.swift_api_key.get_secret_value() if settings.swift_api_key else None
    boreal_password = settings.boreal_api_password
    boreal_auth = (
        (settings.boreal_api_user, boreal_password.get_secret_value())
        if settings.boreal_api_user and boreal_password is not None
        else None
    )
    adapters: dict[str, CarrierAdapter] = {
        swift.CODE: swift.SwiftAdapter(
            http(
                swift.CODE,
                settings.swift_api_url,
                swift.rejection,
                headers={swift.API_KEY_HEADER: swift_key} if swift_key else None,
            )
        ),
        boreal.CODE: boreal.BorealAdapter(
            http(boreal.CODE, settings.boreal_api_url, boreal.rejection, auth=boreal_auth)
        ),
    }
    return CarrierRegistry(adapters, tuple(sessions))
