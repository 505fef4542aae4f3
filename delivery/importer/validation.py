"""The first pass: stream the file, check every item and reference, write nothing.

Each item is checked against its section's schema and :mod:`delivery.importer.checks`; rules
across the file (duplicates, references between sections) use small indexes kept while
streaming (order keys, tracking numbers, codes), never the orders themselves. References the
file does not satisfy are looked up in the database at the end, in batches.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import Carrier, Order, PickupPoint, Shipment
from delivery.importer import checks
from delivery.importer.errors import (
    MAX_LISTED_ERRORS,
    ErrorCollector,
    ImportRejected,
    Path,
    format_path,
)
from delivery.importer.progress import (
    DEFAULT_PROGRESS_EVERY,
    ImportProgress,
    Phase,
    ProgressCallback,
)
from delivery.importer.reader import SECTIONS, DocumentShape, InvalidJson, scan
from delivery.importer.schema import document_validator, item_validator, schema_errors
from delivery.normalize import order_number_key

#: Shipments whose tracking numbers are looked up in the database at once.
LOOKUP_BATCH = 500


@dataclass(frozen=True)
class ValidationSummary:
    """How many items of each section a valid file holds."""

    carriers: int
    pickup_points: int
    orders: int


@dataclass
class _Uses:
    """Where a code is referred to: the first paths, and how many more."""

    paths: list[Path] = field(default_factory=list)
    more: int = 0

    def add(self, path: Path) -> None:
        if len(self.paths) < MAX_LISTED_ERRORS:
            self.paths.append(path)
        else:
            self.more += 1


def validate_document(
    stream: IO[bytes],
    session: Session,
    *,
    on_progress: ProgressCallback | None = None,
    progress_every: int = DEFAULT_PROGRESS_EVERY,
) -> ValidationSummary:
    """Check the whole file; raise :class:`ImportRejected` listing every error."""
    run = _Validation(session)
    shape = DocumentShape()
    try:
        for section, index, item in scan(stream, shape):
            run.check_item(section, index, item)
            if on_progress and section == "orders" and (index + 1) % progress_every == 0:
                on_progress(ImportProgress(Phase.VALIDATED, index + 1, None))
    except InvalidJson as exc:
        run.errors.add("$", str(exc))
        raise ImportRejected.from_collectors(run.errors) from None
    document_errors = _document_errors(shape)
    if shape.root_type == "object":
        run.check_references()
    if document_errors or run.errors:
        raise ImportRejected.from_collectors(document_errors, run.errors)
    orders = run.counts["orders"]
    if on_progress and orders % progress_every:
        on_progress(ImportProgress(Phase.VALIDATED, orders, None))
    return ValidationSummary(run.counts["carriers"], run.counts["pickup_points"], orders)


def _document_errors(shape: DocumentShape) -> ErrorCollector:
    errors = ErrorCollector()
    if shape.root_type != "object":
        errors.add("$", f"the document must be a JSON object, not {shape.root_type or 'empty'}")
        return errors
    seen: set[str] = set()
    for key in shape.keys:
        if key in seen:
            errors.add((key,), "appears more than once")
        seen.add(key)
    for path, message in schema_errors(document_validator(), shape.skeleton, ()):
        if path == ("format_version",) and "format_version" in shape.skeleton:
            version = json.dumps(shape.skeleton["format_version"])
            message = f"unsupported format version {version}; this importer reads version 1"
        errors.add(path, message)
    return errors


class _Validation:
    """The state of one validation pass: errors, counts and the file-wide indexes."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.errors = ErrorCollector()
        self.counts = dict.fromkeys(SECTIONS, 0)
        self.order_keys: dict[str, int] = {}  # normalised number -> index of its order
        self.tracking: dict[tuple[str, str], tuple[int, int]] = {}  # -> (order, shipment)
        self.carrier_codes: dict[str, int] = {}  # carriers in the file -> index
        self.point_carriers: dict[str, str] = {}  # pickup points in the file -> carrier code
        self.point_indexes: dict[str, int] = {}
        self.carrier_uses: dict[str, _Uses] = defaultdict(_Uses)
        self.point_uses: dict[tuple[str, str], _Uses] = defaultdict(_Uses)
        self.pending_tracking: list[tuple[str, str, str, Path]] = []
        self._db_carrier_ids: dict[str, int] | None = None

    def check_item(self, section: str, index: int, item: Any) -> None:
        self.counts[section] += 1
        base: Path = (section, index)
        for path, message in schema_errors(item_validator(section), item, base):
            self.errors.add(path, message)
        if not isinstance(item, dict):
            return
        if section == "carriers":
            self._carrier(item, index)
        elif section == "pickup_points":
            self._pickup_point(item, index)
        else:
            self._order(item, index)

    def _report(self, base: Path, problems: Iterable[tuple[Path, str]]) -> None:
        for path, message in problems:
            self.errors.add(base + path, message)

    def _carrier(self, carrier: dict[str, Any], index: int) -> None:
        self._report(("carriers", index), checks.check_carrier(carrier))
        code = checks.text(carrier.get("code"))
        if code is None:
            return
        if code in self.carrier_codes:
            first = self.carrier_codes[code]
            self.errors.add(
                ("carriers", index, "code"),
                f"duplicate carrier code {code!r} (also carriers[{first}])",
            )
        else:
            self.carrier_codes[code] = index

    def _pickup_point(self, point: dict[str, Any], index: int) -> None:
        self._report(("pickup_points", index), checks.check_pickup_point(point))
        carrier = checks.text(point.get("carrier"))
        if carrier is not None:
            self.carrier_uses[carrier].add(("pickup_points", index, "carrier"))
        code = checks.text(point.get("code"))
        if code is None:
            return
        if code in self.point_indexes:
            first = self.point_indexes[code]
            self.errors.add(
                ("pickup_points", index, "code"),
                f"duplicate pickup point code {code!r} (also pickup_points[{first}])",
            )
        else:
            self.point_indexes[code] = index
            if carrier is not None:
                self.point_carriers[code] = carrier

    def _order(self, order: dict[str, Any], index: int) -> None:
        self._report(("orders", index), checks.check_order(order))
        number = checks.text(order.get("number"))
        key = order_number_key(number) if number is not None else ""
        if key:
            first = self.order_keys.setdefault(key, index)
            if first != index:
                self.errors.add(
                    ("orders", index, "number"),
                    f"duplicate order number {number!r} (same as orders[{first}])",
                )
        for s, shipment in checks.objects(order.get("shipments")):
            self._shipment(shipment, (index, s), key)
        if len(self.pending_tracking) >= LOOKUP_BATCH:
            self._check_tracking_numbers()

    def _shipment(self, shipment: dict[str, Any], where: tuple[int, int], key: str) -> None:
        base: Path = ("orders", where[0], "shipments", where[1])
        carrier = checks.text(shipment.get("carrier"))
        if carrier is None:
            return
        self.carrier_uses[carrier].add((*base, "carrier"))
        point = checks.text(shipment.get("pickup_point"))
        if point is not None:
            self.point_uses[(point, carrier)].add((*base, "pickup_point"))
        number = checks.text(shipment.get("tracking_number"))
        if number is None:
            return
        first = self.tracking.setdefault((carrier, number), where)
        if first != where:
            other = format_path(("orders", first[0], "shipments", first[1]))
            self.errors.add(
                (*base, "tracking_number"),
                f"duplicate tracking number {number!r} of carrier {carrier!r} (also {other})",
            )
        elif key:
            self.pending_tracking.append((carrier, number, key, (*base, "tracking_number")))

    def check_references(self) -> None:
        """The rules that need the whole file and the database; run after the last item."""
        self._check_tracking_numbers()
        self._check_carrier_codes()
        self._check_pickup_point_codes()

    def _carrier_ids(self) -> dict[str, int]:
        if self._db_carrier_ids is None:
            rows = self.session.execute(select(Carrier.code, Carrier.id))
            self._db_carrier_ids = dict(rows.all())
        return self._db_carrier_ids

    def _check_tracking_numbers(self) -> None:
        """A tracking number stored for another order cannot be taken over by this one."""
        pending, self.pending_tracking = self.pending_tracking, []
        by_carrier: dict[int, dict[str, tuple[str, Path]]] = defaultdict(dict)
        for carrier, number, key, path in pending:
            carrier_id = self._carrier_ids().get(carrier)
            if carrier_id is not None:  # a carrier new to the database has no shipments yet
                by_carrier[carrier_id][number] = (key, path)
        for carrier_id, wanted in by_carrier.items():
            rows = self.session.execute(
                select(Shipment.tracking_number, Order.number_key, Order.number)
                .join(Order, Shipment.order_id == Order.id)
                .where(Shipment.carrier_id == carrier_id, Shipment.tracking_number.in_(wanted))
            )
            for number, owner_key, owner_number in rows:
                key, path = wanted[number]
                if owner_key != key:
                    self.errors.add(
                        path, f"tracking number {number!r} already belongs to order {owner_number}"
                    )

    def _check_carrier_codes(self) -> None:
        for code, uses in self.carrier_uses.items():
            if code not in self.carrier_codes and code not in self._carrier_ids():
                self._report_uses(
                    uses, f"unknown carrier {code!r}: neither in this file nor in the database"
                )

    def _check_pickup_point_codes(self) -> None:
        wanted = {code for code, _ in self.point_uses if code not in self.point_carriers}
        owners = dict(self.point_carriers)
        for chunk in _chunks(sorted(wanted), LOOKUP_BATCH):
            rows = self.session.execute(
                select(PickupPoint.code, Carrier.code)
                .join(Carrier, PickupPoint.carrier_id == Carrier.id)
                .where(PickupPoint.code.in_(chunk))
            )
            owners.update(dict(rows.all()))
        for (code, carrier), uses in self.point_uses.items():
            owner = owners.get(code)
            if owner is None:
                message = f"unknown pickup point {code!r}: neither in this file nor in the database"
                self._report_uses(uses, message)
            elif owner != carrier:
                self._report_uses(
                    uses, f"pickup point {code!r} belongs to carrier {owner!r}, not {carrier!r}"
                )

    def _report_uses(self, uses: _Uses, message: str) -> None:
        for path in uses.paths:
            self.errors.add(path, message)
        self.errors.add_unlisted(uses.more)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
