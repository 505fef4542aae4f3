"""Carriers and pickup points: upserted by code before the orders that use them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.db.models import Carrier, PickupPoint
from delivery.importer.mapping import assign, carrier_columns, pickup_point_columns
from delivery.importer.reader import iter_items
from delivery.importer.report import ImportReport, Tally

BATCH_SIZE = 500

_Coded = TypeVar("_Coded", Carrier, PickupPoint)


class CodeIds:
    """Ids of carriers and pickup points by code: this file's, then the database's."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.carriers: dict[str, int] = {}
        self.pickup_points: dict[str, int] = {}

    def resolve(self, *, carriers: Iterable[str] = (), pickup_points: Iterable[str] = ()) -> None:
        """Look up the codes not known yet (one query per kind)."""
        missing = set(carriers) - self.carriers.keys()
        if missing:
            rows = self._session.execute(
                select(Carrier.code, Carrier.id).where(Carrier.code.in_(missing))
            )
            self.carriers.update(dict(rows.all()))
        missing = set(pickup_points) - self.pickup_points.keys()
        if missing:
            rows = self._session.execute(
                select(PickupPoint.code, PickupPoint.id).where(PickupPoint.code.in_(missing))
            )
            self.pickup_points.update(dict(rows.all()))

    def carrier(self, code: str) -> int:
        return self.carriers[code]

    def pickup_point(self, code: str | None) -> int | None:
        return None if code is None else self.pickup_points[code]


def load_reference_data(stream: IO[bytes], session: Session, report: ImportReport) -> CodeIds:
    """Upsert the file's carriers, then its pickup points; return every code's id."""
    ids = CodeIds(session)
    for batch in batched(iter_items(stream, "carriers"), BATCH_SIZE):
        _upsert_carriers(session, batch, ids, report)
    for batch in batched(iter_items(stream, "pickup_points"), BATCH_SIZE):
        _upsert_pickup_points(session, batch, ids, report)
    return ids


def _upsert_carriers(
    session: Session, items: list[dict[str, Any]], ids: CodeIds, report: ImportReport
) -> None:
    rows = _upsert_by_code(session, Carrier, items, carrier_columns, report.tally("carriers"))
    ids.carriers.update({code: row.id for code, row in rows.items()})


def _upsert_pickup_points(
    session: Session, items: list[dict[str, Any]], ids: CodeIds, report: ImportReport
) -> None:
    ids.resolve(carriers={item["carrier"] for item in items})

    def columns(item: dict[str, Any]) -> dict[str, Any]:
        return pickup_point_columns(item, carrier_id=ids.carrier(item["carrier"]))

    rows = _upsert_by_code(session, PickupPoint, items, columns, report.tally("pickup_points"))
    ids.pickup_points.update({code: row.id for code, row in rows.items()})


def _upsert_by_code(
    session: Session,
    model: type[_Coded],
    items: list[dict[str, Any]],
    columns_of: Callable[[dict[str, Any]], dict[str, Any]],
    tally: Tally,
) -> dict[str, _Coded]:
    """Create or update one row per item, matched by ``code``; every row of the batch by code."""
    codes = [item["code"] for item in items]
    existing = {
        row.code: row for row in session.scalars(select(model).where(model.code.in_(codes)))
    }
    for item in items:
        columns = columns_of(item)
        row = existing.get(item["code"])
        if row is None:
            row = model(**columns)
            session.add(row)
            tally.count(created=True)
        else:
            tally.count(changed=assign(row, columns))
        existing[item["code"]] = row
    session.flush()
    return existing


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
