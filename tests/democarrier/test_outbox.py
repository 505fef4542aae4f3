"""Delivering webhooks: signed, retried later while the gateway is down, never raising."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx

from delivery.carriers.signatures import SIGNATURE_HEADER, verify
from democarrier.outbox import Outbox
from democarrier.webhooks import Delivery
from tests.factories import NOW

SECRETS = {"swift": b"swift-secret", "boreal": b"boreal-secret"}
Answer = Callable[[httpx.Request], httpx.Response]


def delivery(n: int, carrier: str = "swift") -> Delivery:
    return Delivery(carrier, f"d{n}", f'{{"id":"d{n}"}}'.encode(), 1)


class Gateway:
    """A stand-in gateway: answers with ``answer`` and records what it got."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        return self.answer(request)

    def outbox(self) -> Outbox:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self))
        return Outbox(client, "http://gateway:8000/", SECRETS)


def ok(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"new_events": 1})


async def test_each_delivery_is_signed_with_its_carriers_secret() -> None:
    gateway = Gateway(ok)
    outbox = gateway.outbox()
    outbox.add([delivery(1), delivery(2, "boreal")])
    report = await outbox.deliver(NOW)
    assert (report.sent, outbox.pending, outbox.sent) == (2, 0, 2)
    swift_post, boreal_post = gateway.seen
    assert str(swift_post.url) == "http://gateway:8000/api/v1/carriers/swift/events"
    assert str(boreal_post.url).endswith("/api/v1/carriers/boreal/events")
    assert swift_post.headers["content-type"] == "application/json"
    assert swift_post.content == b'{"id":"d1"}'
    assert verify(b"swift-secret", swift_post.content, swift_post.headers[SIGNATURE_HEADER])
    assert verify(b"boreal-secret", boreal_post.content, boreal_post.headers[SIGNATURE_HEADER])


async def test_while_the_gateway_is_down_deliveries_wait_and_go_later_unchanged() -> None:
    down = True

    def answer(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("connection refused", request=request)
        return ok(request)

    gateway = Gateway(answer)
    outbox = gateway.outbox()
    outbox.add([delivery(1), delivery(2)])
    report = await outbox.deliver(NOW)  # no exception
    assert (report.sent, report.deferred, outbox.pending) == (0, 1, 2)
    assert len(gateway.seen) == 1  # the pass stops at the first failure
    await outbox.deliver(NOW + dt.timedelta(seconds=1))  # d1 waits out its backoff; d2 fails
    assert [r.content for r in gateway.seen] == [b'{"id":"d1"}', b'{"id":"d2"}']
    down = False
    report = await outbox.deliver(NOW + dt.timedelta(seconds=1.5))
    assert (report.sent, outbox.pending) == (0, 2)  # both still backing off
    report = await outbox.deliver(NOW + dt.timedelta(seconds=10))
    assert (report.sent, outbox.pending) == (2, 0)
    assert gateway.seen[-2].content == b'{"id":"d1"}'


async def test_a_5xx_or_429_is_retried_and_another_4xx_dropped() -> None:
    answers = iter([503, 422, 429, 200, 200])
    gateway = Gateway(lambda _request: httpx.Response(next(answers), json={}))
    outbox = gateway.outbox()
    outbox.add([delivery(1), delivery(2)])
    first = await outbox.deliver(NOW)  # d1: 503, deferred; the pass stops
    second = await outbox.deliver(NOW + dt.timedelta(minutes=1))  # d1: 422 dropped; d2: 429
    third = await outbox.deliver(NOW + dt.timedelta(minutes=2))  # d2: 200
    assert (first.answers, second.answers, third.answers) == ([503], [422, 429], [200])
    assert (outbox.sent, outbox.dropped, outbox.pending) == (1, 1, 0)


async def test_a_full_backlog_drops_the_oldest() -> None:
    from democarrier import outbox as module

    gateway = Gateway(ok)
    outbox = gateway.outbox()
    outbox.add([delivery(n) for n in range(module.MAX_PENDING + 2)])
    assert (outbox.pending, outbox.dropped) == (module.MAX_PENDING, 2)
