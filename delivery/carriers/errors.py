"""What can go wrong talking to a carrier, and with what it sends us.

Callers tell three cases apart: the carrier could not be reached (say the last known status),
it refused (say why), or it answered nonsense (treated as unreachable, logged in detail).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PayloadProblem:
    """One thing wrong with a carrier's body, at its path (``events[2].occurredAt``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class InvalidPayload(ValueError):
    """A body (a webhook delivery or an API answer) that is not the carrier's documented shape."""

    def __init__(self, problems: Iterable[PayloadProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems[:5]))


class CarrierError(Exception):
    """Base of every carrier failure; ``carrier`` is the carrier's code."""

    def __init__(self, carrier: str, message: str) -> None:
        self.carrier = carrier
        self.message = message
        super().__init__(f"{carrier}: {message}")


class CarrierUnavailable(CarrierError):
    """Not reached: timeout, connection error, 5xx, 429, circuit open or no API configured."""

    def __init__(self, carrier: str, reason: str, message: str | None = None) -> None:
        self.reason = reason
        super().__init__(carrier, message or reason)


class CarrierRejected(CarrierError):
    """The carrier answered 4xx; ``code`` and ``reason`` are its own words, if it gave any."""

    def __init__(
        self, carrier: str, status_code: int | None, reason: str, code: str | None = None
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.reason = reason
        super().__init__(carrier, f"{status_code or '-'} {code or ''} {reason}".strip())


class CarrierUnsupported(CarrierRejected):
    """The carrier does not offer this at all (no request is made)."""

    def __init__(self, carrier: str, what: str) -> None:
        super().__init__(carrier, None, f"{what} is not offered by this carrier", "unsupported")


class CarrierResponseInvalid(CarrierError):
    """A 2xx answer that is not JSON or not the documented shape."""

    def __init__(self, carrier: str, problems: Iterable[PayloadProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:5])
        super().__init__(carrier, f"invalid response: {shown}")
