"""Progress of a long import, reported to a callback every N orders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    VALIDATED = "validated"
    IMPORTED = "imported"


@dataclass(frozen=True)
class ImportProgress:
    phase: Phase
    done: int  # orders validated or imported so far
    total: int | None  # known once the file has been validated

    def __str__(self) -> str:
        if self.phase is Phase.VALIDATED:
            return f"validated {self.done} orders..."
        return f"imported {self.done}/{self.total} orders"


ProgressCallback = Callable[[ImportProgress], None]

#: Orders between two progress reports.
DEFAULT_PROGRESS_EVERY = 10_000
