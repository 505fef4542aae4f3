"""Resilient carrier HTTP: timeouts, retries with backoff (instant here), the breaker, errors."""

from __future__ import annotations

import pytest
import requests

from delivery.carriers import swift
from delivery.carriers.breaker import BreakerState, CircuitBreaker
from delivery.carriers.errors import (
    CarrierRejected,
    CarrierResponseInvalid,
    CarrierUnavailable,
)
from delivery.carriers.http import CarrierHttp, HttpPolicy
from tests.carriers.conftest import SWIFT_URL, carrier_http
from tests.carriers.transport import FakeClock, FakeTransport, Sleeps

PATH = "/v2/shipments/SP1/tracking"


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("swift", failure_threshold=4, cooldown_seconds=30, clock=clock)


@pytest.fixture
def http(
    transport: FakeTransport, clock: FakeClock, sleeps: Sleeps, breaker: CircuitBreaker
) -> CarrierHttp:
    return carrier_http(
        "swift", SWIFT_URL, transport, clock, sleeps, rejection=swift.rejection, breaker=breaker
    )


def test_every_call_has_connect_and_read_timeouts(
    http: CarrierHttp, transport: FakeTransport
) -> None:
    transport.reply("GET", PATH, json_body={"ok": True})
    assert http.get_json(PATH, params={"page": 1}) == {"ok": True}
    seen = transport.seen[0]
    assert seen.timeout == (3.05, 10.0)
    assert seen.query == {"page": ["1"]}
    assert seen.headers["Accept"] == "application/json"


def test_a_get_is_retried_on_5xx_and_timeouts_with_growing_jittered_waits(
    http: CarrierHttp, transport: FakeTransport, sleeps: Sleeps
) -> None:
    transport.reply("GET", PATH, status=503)
    transport.fail("GET", PATH, requests.ReadTimeout("read timed out"))
    transport.reply("GET", PATH, json_body={"ok": True})
    assert http.get_json(PATH) == {"ok": True}
    assert len(transport.seen) == 3
    # Equal jitter with rand() = 0.5: 3/4 of 0.25 s, then of 0.5 s.
    assert sleeps.waits == [0.1875, 0.375]


def test_after_the_last_attempt_the_failure_is_raised(
    http: CarrierHttp, transport: FakeTransport, sleeps: Sleeps
) -> None:
    transport.fail("GET", PATH, requests.ConnectTimeout("connect timed out"), times=3)
    with pytest.raises(CarrierUnavailable) as raised:
        http.get_json(PATH)
    assert raised.value.reason == "timeout"
    assert len(transport.seen) == 3
    assert len(sleeps.waits) == 2


def test_connection_errors_and_rate_limits(http: CarrierHttp, transport: FakeTransport) -> None:
    transport.fail("GET", PATH, requests.ConnectionError("refused"), times=2)
    transport.reply("GET", PATH, status=429)
    with pytest.raises(CarrierUnavailable) as raised:
        http.get_json(PATH)
    assert raised.value.reason == "rate_limited"


def test_retry_after_is_honoured_when_short(
    http: CarrierHttp, transport: FakeTransport, sleeps: Sleeps
) -> None:
    transport.reply("GET", PATH, status=429, headers={"Retry-After": "2"})
    transport.reply("GET", PATH, status=503, headers={"Retry-After": "120"})
    transport.reply("GET", PATH, json_body=[])
    assert http.get_json(PATH) == []
    assert sleeps.waits == [2.0, 0.375]  # 120 s is longer than we would wait: our own backoff


def test_backoff_grows_to_its_cap() -> None:
    policy = HttpPolicy(backoff_base=0.25, backoff_max=4.0)
    assert [policy.delay(n, 1.0) for n in range(1, 8)] == [0.25, 0.5, 1, 2, 4, 4, 4]
    assert [policy.delay(n, 0.0) for n in (1, 5)] == [0.125, 2.0]


def test_a_4xx_is_the_carrier_s_answer_never_retried(
    http: CarrierHttp, transport: FakeTransport, breaker: CircuitBreaker
) -> None:
    body = {"error": {"code": "NOT_FOUND", "message": "No such tracking number"}}
    transport.reply("GET", PATH, status=404, json_body=body)
    with pytest.raises(CarrierRejected) as raised:
        http.get_json(PATH)
    assert (raised.value.status_code, raised.value.code) == (404, "NOT_FOUND")
    assert raised.value.reason == "No such tracking number"
    assert len(transport.seen) == 1
    assert breaker.state is BreakerState.CLOSED


def test_a_4xx_body_of_another_shape_still_gives_a_reason(
    http: CarrierHttp, transport: FakeTransport
) -> None:
    transport.reply("GET", PATH, status=400, body=b"Bad Request: page", headers={})
    with pytest.raises(CarrierRejected) as raised:
        http.get_json(PATH)
    assert raised.value.code is None
    assert raised.value.reason == "Bad Request: page"


def test_a_post_without_idempotency_key_is_sent_once(
    http: CarrierHttp, transport: FakeTransport
) -> None:
    transport.reply("POST", "/v2/things", status=502)
    with pytest.raises(CarrierUnavailable):
        http.post_json("/v2/things", {"a": 1})
    assert len(transport.seen) == 1


def test_a_post_with_a_key_is_retried_with_the_same_key(
    http: CarrierHttp, transport: FakeTransport
) -> None:
    transport.fail("POST", "/v2/things", requests.ReadTimeout("slow"))
    transport.reply("POST", "/v2/things", json_body={"done": True})
    assert http.post_json("/v2/things", {"a": 1}, idempotency_key="key-1") == {"done": True}
    assert [seen.headers["Idempotency-Key"] for seen in transport.seen] == ["key-1", "key-1"]
    assert [seen.body for seen in transport.seen] == [{"a": 1}, {"a": 1}]


def test_the_breaker_opens_and_then_fails_fast_without_any_request(
    http: CarrierHttp, transport: FakeTransport, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    transport.reply("GET", PATH, status=500, times=4)
    with pytest.raises(CarrierUnavailable):
        http.get_json(PATH)  # 3 attempts
    with pytest.raises(CarrierUnavailable) as raised:
        http.get_json(PATH)  # the 4th attempt opens it; the retry is refused
    assert raised.value.reason == "circuit_open"
    assert breaker.state is BreakerState.OPEN
    assert len(transport.seen) == 4
    with pytest.raises(CarrierUnavailable, match="circuit open"):
        http.get_json(PATH)
    assert len(transport.seen) == 4  # no I/O while open
    clock.advance(30)
    transport.reply("GET", PATH, json_body={"back": True})
    assert http.get_json(PATH) == {"back": True}  # the half-open probe
    assert breaker.state is BreakerState.CLOSED


def test_a_2xx_that_is_not_json_is_invalid_but_counts_as_an_answer(
    http: CarrierHttp, transport: FakeTransport, breaker: CircuitBreaker
) -> None:
    transport.reply("GET", PATH, body=b"<html>maintenance</html>", headers={})
    with pytest.raises(CarrierResponseInvalid) as raised:
        http.get_json(PATH)
    assert [p.as_dict() for p in raised.value.problems] == [
        {"path": "$", "message": "HTTP 200 body is not JSON"}
    ]
    assert len(transport.seen) == 1
    assert breaker.state is BreakerState.CLOSED


def test_no_content_is_none(http: CarrierHttp, transport: FakeTransport) -> None:
    transport.reply("POST", "/v2/things", status=204)
    assert http.post_json("/v2/things", {}, idempotency_key="k") is None


def test_an_unconfigured_api_is_unavailable_without_any_request(
    transport: FakeTransport, clock: FakeClock, sleeps: Sleeps
) -> None:
    http = carrier_http("swift", None, transport, clock, sleeps)
    with pytest.raises(CarrierUnavailable) as raised:
        http.get_json(PATH)
    assert raised.value.reason == "not_configured"
    assert transport.seen == []


def test_basic_auth_and_fixed_headers_go_with_every_request(
    transport: FakeTransport, clock: FakeClock, sleeps: Sleeps
) -> None:
    http = carrier_http(
        "x",
        "https://api.x.test/",
        transport,
        clock,
        sleeps,
        headers={"X-Api-Key": "k"},
        auth=("user", "pw"),
    )
    transport.reply("GET", "/a", json_body={})
    http.get_json("/a")
    headers = transport.seen[0].headers
    assert headers["X-Api-Key"] == "k"
    assert headers["Authorization"] == "Basic dXNlcjpwdw=="
