"""Field errors with their paths, the capped list a rejected file reports, and the rejection."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: A rejected file lists at most this many errors, then says how many more there were.
MAX_LISTED_ERRORS = 1000

#: Where a value sits in the document: ("orders", 12, "lines", 0, "quantity").
Path = tuple[str | int, ...]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_path(parts: Iterable[str | int]) -> str:
    """("orders", 12, "lines", 0) -> 'orders[12].lines[0]'; the whole document is '$'."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            text += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text or "$"


@dataclass(frozen=True)
class FieldError:
    """One problem (or warning) and the path of the value it is about."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class ErrorCollector:
    """Keeps the first ``limit`` errors and counts all of them."""

    def __init__(self, limit: int = MAX_LISTED_ERRORS) -> None:
        self.limit = limit
        self.listed: list[FieldError] = []
        self.count = 0

    def add(self, path: Path | str, message: str) -> None:
        self.count += 1
        if len(self.listed) < self.limit:
            text = path if isinstance(path, str) else format_path(path)
            self.listed.append(FieldError(text, message))

    def add_unlisted(self, count: int) -> None:
        """Count errors that were never materialised (e.g. a reference repeated 10,000 times)."""
        self.count += count

    def __bool__(self) -> bool:
        return self.count > 0


class ImportRejected(Exception):
    """The file was rejected whole; nothing was written."""

    def __init__(self, errors: Sequence[FieldError], error_count: int) -> None:
        super().__init__(f"order file rejected with {error_count} error(s)")
        self.errors = list(errors)
        self.error_count = error_count

    @classmethod
    def from_collectors(cls, *collectors: ErrorCollector) -> ImportRejected:
        listed = [error for collector in collectors for error in collector.listed]
        return cls(listed[:MAX_LISTED_ERRORS], sum(c.count for c in collectors))

    @property
    def unlisted(self) -> int:
        return self.error_count - len(self.errors)

    def lines(self) -> list[str]:
        """One 'path: message' line per error, and a last line counting those not listed."""
        lines = [str(error) for error in self.errors]
        if self.unlisted:
            lines.append(f"... and {self.unlisted} more errors")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"errors": [e.as_dict() for e in self.errors], "error_count": self.error_count}
