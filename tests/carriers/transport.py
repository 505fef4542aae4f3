"""A fake HTTP transport for requests: scripted replies per (method, path), no network.

Mounted on a ``requests.Session`` like any transport adapter, so the code under test runs its
real requests path (params, headers, auth, JSON encoding); every request is recorded.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

RECORDINGS = Path(__file__).parent / "recordings"


def recording(carrier: str, name: str) -> bytes:
    """A recorded response body: tests/carriers/recordings/<carrier>/<name>.json."""
    return (RECORDINGS / carrier / f"{name}.json").read_bytes()


def recorded(carrier: str, name: str) -> Any:
    return json.loads(recording(carrier, name))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    error: Exception | None = None


@dataclass(frozen=True)
class Seen:
    """A request the transport received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: CaseInsensitiveDict[str]
    body: Any  # decoded JSON, or None
    timeout: Any


class FakeTransport(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self._replies: dict[tuple[str, str], deque[Reply]] = {}
        self.seen: list[Seen] = []

    def reply(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue ``times`` identical replies to ``method path``."""
        content = body if body is not None else b""
        if json_body is not None:
            content = json.dumps(json_body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        for _ in range(times):
            self._queue(method, path).append(Reply(status, content, sent))

    def fail(self, method: str, path: str, error: Exception, *, times: int = 1) -> None:
        for _ in range(times):
            self._queue(method, path).append(Reply(error=error))

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, timeout: Any = None, **_: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        raw = request.body
        decoded = json.loads(raw) if raw else None
        self.seen.append(
            Seen(
                str(request.method),
                url.path,
                parse_qs(url.query),
                CaseInsensitiveDict(request.headers),
                decoded,
                timeout,
            )
        )
        queue = self._replies.get((str(request.method), url.path))
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {url.path}")
        reply = queue.popleft()
        if reply.error is not None:
            raise reply.error
        response = requests.Response()
        response.status_code = reply.status
        response._content = reply.body
        response.headers = CaseInsensitiveDict(reply.headers)
        response.reason = HTTPStatus(reply.status).phrase
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass

    @property
    def pending(self) -> int:
        return sum(len(queue) for queue in self._replies.values())

    def _queue(self, method: str, path: str) -> deque[Reply]:
        return self._replies.setdefault((method, path), deque())


class FakeClock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps:
    """Stands in for time.sleep: records the waits, and moves a clock if given."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.waits: list[float] = []
        self._clock = clock

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self._clock is not None:
            self._clock.advance(seconds)
