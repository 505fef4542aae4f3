"""Adapters by carrier code, configured from the settings; webhook parsers and secrets."""

from __future__ import annotations

import pytest
import requests
from pydantic import SecretStr

from delivery.carriers import boreal, swift
from delivery.carriers.errors import CarrierUnavailable
from delivery.carriers.registry import (
    build_registry,
    webhook_parser,
    webhook_secret,
)
from delivery.settings import Settings
from tests.carriers.transport import FakeTransport, Sleeps, recording


def _settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


def test_adapters_are_configured_from_the_settings() -> None:
    transport = FakeTransport()
    sessions: list[requests.Session] = []

    def session_factory() -> requests.Session:
        session = requests.Session()
        session.mount("https://", transport)
        sessions.append(session)
        return session

    settings = _settings(
        SWIFT_API_URL="https://api.swift.test/",
        SWIFT_API_KEY="sk_live_1",
        BOREAL_API_URL="https://api.boreal.test",
        BOREAL_API_USER="shop",
        BOREAL_API_PASSWORD="pw",
        CARRIER_READ_TIMEOUT_SECONDS="4.5",
        CARRIER_MAX_ATTEMPTS="2",
        CARRIER_BREAKER_FAILURES="2",
    )
    registry = build_registry(settings, session_factory=session_factory, sleep=Sleeps())
    assert set(registry) == {"swift", "boreal"}
    assert "swift" in registry and "veloce" not in registry
    assert registry.get("veloce") is None
    adapter = registry.get("swift")
    assert isinstance(adapter, swift.SwiftAdapter)
    assert isinstance(registry.get("boreal"), boreal.BorealAdapter)

    path = "/v2/shipments/SP1/tracking"
    transport.reply("GET", path, body=recording("swift", "tracking_in_transit"))
    adapter.fetch_tracking("SP1")
    seen = transport.seen[0]
    assert seen.headers["X-Api-Key"] == "sk_live_1"
    assert seen.headers["User-Agent"].startswith("delivery-assistant/")
    assert seen.timeout == (3.05, 4.5)

    transport.reply("GET", path, status=500, times=2)
    with pytest.raises(CarrierUnavailable):
        adapter.fetch_tracking("SP1")  # two attempts: the breaker (2 failures) opens
    with pytest.raises(CarrierUnavailable, match="circuit"):
        adapter.fetch_tracking("SP1")
    assert len(transport.seen) == 3
    registry.close()
    assert len(sessions) == 2


def test_without_api_urls_the_adapters_exist_but_report_unavailable() -> None:
    registry = build_registry(_settings())
    adapter = registry.get("boreal")
    assert adapter is not None
    with pytest.raises(CarrierUnavailable) as raised:
        adapter.fetch_tracking("JJBX1")
    assert raised.value.reason == "not_configured"


def test_webhook_parsers_and_secrets() -> None:
    assert webhook_parser("swift") is swift.parse_webhook
    assert webhook_parser("boreal") is boreal.parse_webhook
    assert webhook_parser("veloce") is None
    settings = _settings(SWIFT_WEBHOOK_SECRET="whsec_1", BOREAL_WEBHOOK_SECRET="   ")
    assert webhook_secret(settings, "swift") == b"whsec_1"
    assert webhook_secret(settings, "boreal") is None  # blank counts as unset
    assert webhook_secret(settings, "veloce") is None
    assert webhook_secret(_settings(), "swift") is None
    assert isinstance(settings.swift_webhook_secret, SecretStr)
    assert "whsec_1" not in repr(settings)
