"""Carrier adapters on a fake transport, a hand-moved clock and a recorded sleep."""

from __future__ import annotations

import pytest
import requests

from delivery.carriers import boreal, swift
from delivery.carriers.breaker import CircuitBreaker
from delivery.carriers.http import CarrierHttp, HttpPolicy, RejectionReader
from tests.carriers.transport import FakeClock, FakeTransport, Sleeps

SWIFT_URL = "https://api.swift.test"
BOREAL_URL = "https://api.boreal.test"
SWIFT_KEY = "sk_test_4f1c"
BOREAL_AUTH = ("shop-7731", "boreal-password")


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    return Sleeps(clock)


def carrier_http(
    code: str,
    base_url: str | None,
    transport: FakeTransport,
    clock: FakeClock,
    sleeps: Sleeps,
    *,
    rejection: RejectionReader | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    breaker: CircuitBreaker | None = None,
    policy: HttpPolicy | None = None,
) -> CarrierHttp:
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    kwargs = {"rejection": rejection} if rejection is not None else {}
    return CarrierHttp(
        code,
        base_url,
        session=session,
        breaker=breaker or CircuitBreaker(code, failure_threshold=5, clock=clock),
        policy=policy,
        headers=headers,
        auth=auth,
        sleep=sleeps,
        rand=lambda: 0.5,
        **kwargs,
    )


@pytest.fixture
def swift_adapter(transport: FakeTransport, clock: FakeClock, sleeps: Sleeps) -> swift.SwiftAdapter:
    http = carrier_http(
        "swift",
        SWIFT_URL,
        transport,
        clock,
        sleeps,
        rejection=swift.rejection,
        headers={swift.API_KEY_HEADER: SWIFT_KEY},
    )
    return swift.SwiftAdapter(http)


@pytest.fixture
def boreal_adapter(
    transport: FakeTransport, clock: FakeClock, sleeps: Sleeps
) -> boreal.BorealAdapter:
    http = carrier_http(
        "boreal", BOREAL_URL, transport, clock, sleeps, rejection=boreal.rejection, auth=BOREAL_AUTH
    )
    return boreal.BorealAdapter(http)
