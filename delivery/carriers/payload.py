"""Reading a carrier's JSON body field by field, collecting every problem with its path.

Adapters read with :class:`Node` accessors that never raise: a missing or wrongly typed value
records a :class:`PayloadProblem` and yields a harmless default, so one pass finds every
problem. The adapter then calls :meth:`Node.check`, which raises :class:`InvalidPayload` with
all of them (and the defaults are thrown away with the half-built result).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from delivery.carriers.errors import CarrierResponseInvalid, InvalidPayload, PayloadProblem

T = TypeVar("T")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Timestamps outside these years are a carrier's bug, not a parcel's history.
_EARLIEST_YEAR, _LATEST_YEAR = 2000, 2100
_MAX_EPOCH_SECONDS = 10**11


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _IDENTIFIER.match(key):
        return f'{path}["{key}"]'
    return f"{path}.{key}" if path else key


class Node:
    """A value at ``path`` in a document; all nodes of one document share ``problems``."""

    def __init__(
        self,
        value: Any,
        path: str = "",
        problems: list[PayloadProblem] | None = None,
        *,
        dead: bool = False,
    ) -> None:
        self.value = value
        self.path = path
        self.problems: list[PayloadProblem] = [] if problems is None else problems
        self._dead = dead  # under a value already reported: report nothing more
        self._reported = False

    # --- structure ----------------------------------------------------------------------------

    @property
    def present(self) -> bool:
        return self.value is not MISSING and self.value is not None

    def get(self, key: str) -> Node:
        """The member ``key`` of this object (this node must be an object)."""
        if not isinstance(self.value, dict):
            self._complain("is required" if not self.present else "must be an object")
            return Node(MISSING, child_path(self.path, key), self.problems, dead=True)
        return Node(
            self.value.get(key, MISSING), child_path(self.path, key), self.problems, dead=self._dead
        )

    def optional(self, key: str) -> Node | None:
        """The member ``key``, or None when it is absent or null."""
        node = self.get(key)
        return node if node.present else None

    def items(self, *, required: bool = True) -> list[Node]:
        """The elements of this array (absent or null: empty, a problem if ``required``)."""
        if not self.present:
            if required:
                self._complain("is required")
            return []
        if not isinstance(self.value, list):
            self._complain("must be an array")
            return []
        return [
            Node(item, child_path(self.path, index), self.problems, dead=self._dead)
            for index, item in enumerate(self.value)
        ]

    # --- leaves -------------------------------------------------------------------------------

    def text(self, *, max_length: int = 500) -> str:
        """A required non-blank string."""
        value = self.optional_text(max_length=max_length)
        if value is None:
            self._complain("is required")
            return ""
        return value

    def optional_text(self, *, max_length: int = 500, truncate: bool = False) -> str | None:
        """A string or None; longer than ``max_length``: a problem, or cut if ``truncate``."""
        if not self.present:
            return None
        if not isinstance(self.value, str):
            self._complain("must be a string")
            return None
        value = self.value.strip()
        if len(value) > max_length:
            if truncate:  # free text (a description): better cut than refused
                return value[: max_length - 1].rstrip() + "…"
            self._complain(f"must be at most {max_length} characters")
            return None
        return value or None

    def integer(self) -> int:
        value = self.optional_integer()
        if value is None:
            self._complain("is required")
            return 0
        return value

    def optional_integer(self) -> int | None:
        if not self.present:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self._complain("must be an integer")
            return None
        return self.value

    def number(self) -> float:
        if not self.present:
            self._complain("is required")
            return 0.0
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self._complain("must be a number")
            return 0.0
        return float(self.value)

    def optional_boolean(self) -> bool | None:
        if not self.present:
            return None
        if not isinstance(self.value, bool):
            self._complain("must be true or false")
            return None
        return self.value

    def iso_datetime(self) -> dt.datetime:
        """An ISO 8601 moment with its UTC offset (a local time without one is ambiguous)."""
        text = self.text(max_length=64)
        if not text:
            return _EPOCH
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            self._complain("must be an ISO 8601 date and time")
            return _EPOCH
        if moment.tzinfo is None:
            self._complain("must carry a UTC offset (e.g. 'Z' or '+01:00')")
            return _EPOCH
        return self._plausible(moment.astimezone(dt.UTC))

    def epoch_datetime(self) -> dt.datetime:
        """Seconds since 1970-01-01 UTC."""
        seconds = self.integer()
        if self._reported or self._dead:
            return _EPOCH
        if abs(seconds) > _MAX_EPOCH_SECONDS:
            self._complain("must be seconds since 1970-01-01 UTC")
            return _EPOCH
        return self._plausible(_EPOCH + dt.timedelta(seconds=seconds))

    def date(self, fmt: str = "%Y-%m-%d") -> dt.date:
        text = self.text(max_length=32)
        if not text:
            return _EPOCH.date()
        try:
            return dt.datetime.strptime(text, fmt).date()  # a plain date
        except ValueError:
            self._complain(f"must be a date like {_EXAMPLE.strftime(fmt)!r}")
            return _EPOCH.date()

    def clock_time(self, fmt: str = "%H:%M") -> dt.time:
        text = self.text(max_length=16)
        if not text:
            return dt.time(0, 0)
        try:
            return dt.datetime.strptime(text, fmt).time()  # a local wall time
        except ValueError:
            self._complain(f"must be a time like {_EXAMPLE.strftime(fmt)!r}")
            return dt.time(0, 0)

    # --- outcome ------------------------------------------------------------------------------

    def problem(self, message: str) -> None:
        """Record a problem the adapter found itself (a rule across fields, an unknown value)."""
        self._complain(message)

    def check(self) -> None:
        """Raise :class:`InvalidPayload` with every problem recorded in this document."""
        if self.problems:
            raise InvalidPayload(self.problems)

    def _plausible(self, moment: dt.datetime) -> dt.datetime:
        if not _EARLIEST_YEAR <= moment.year <= _LATEST_YEAR:
            self._complain(f"must be between {_EARLIEST_YEAR} and {_LATEST_YEAR}")
        return moment

    def _complain(self, message: str) -> None:
        if self._dead or self._reported:
            return
        self._reported = True
        self.problems.append(PayloadProblem(self.path or "$", message))


_EXAMPLE = dt.datetime(2026, 3, 2, 9, 30)


def document(value: Any) -> Node:
    """The root node of a parsed JSON body."""
    return Node(value)


def parse_response(carrier: str, parse: Callable[[Any], T], body: Any) -> T:
    """``parse(body)`` for an API answer: a malformed one raises CarrierResponseInvalid."""
    try:
        return parse(body)
    except InvalidPayload as invalid:
        raise CarrierResponseInvalid(carrier, invalid.problems) from None
