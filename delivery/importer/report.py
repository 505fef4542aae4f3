"""What an import did: rows created, updated, unchanged and deleted per kind, and warnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from delivery.importer.errors import ErrorCollector, FieldError, Path
from delivery.importer.validation import ValidationSummary

KINDS = ("carriers", "pickup_points", "customers", "orders", "lines", "shipments", "events")


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def count(self, *, created: bool = False, changed: bool = False) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportReport:
    dry_run: bool
    validated: ValidationSummary
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    _warnings: ErrorCollector = field(default_factory=ErrorCollector, repr=False)

    def tally(self, kind: str) -> Tally:
        return self.tallies[kind]

    def warn(self, path: Path, message: str) -> None:
        self._warnings.add(path, message)

    @property
    def warnings(self) -> list[FieldError]:
        return self._warnings.listed

    @property
    def warning_count(self) -> int:
        return self._warnings.count

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "validated": asdict(self.validated),
            "counts": None
            if self.dry_run
            else {kind: asdict(tally) for kind, tally in self.tallies.items()},
            "warnings": [warning.as_dict() for warning in self.warnings],
            "warning_count": self.warning_count,
        }

    def summary_lines(self) -> list[str]:
        """The report for people, one line per kind."""
        seen = self.validated
        head = f"{seen.orders} orders, {seen.carriers} carriers, {seen.pickup_points} pickup points"
        if self.dry_run:
            return [f"valid: {head} (dry run: nothing written)"]
        lines = [f"imported {head}"]
        for kind, tally in self.tallies.items():
            text = f"  {kind}: {tally.created} created, {tally.updated} updated, "
            text += f"{tally.unchanged} unchanged"
            if tally.deleted:
                text += f", {tally.deleted} deleted"
            lines.append(text)
        lines.extend(f"warning: {warning}" for warning in self.warnings)
        if self.warning_count > len(self.warnings):
            lines.append(f"... and {self.warning_count - len(self.warnings)} more warnings")
        return lines
