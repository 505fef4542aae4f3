"""Fast inserts: rows are buffered per table and written in batches, parents first.

The ORM's unit of work would track every object; for a million orders that is minutes of
bookkeeping. Rows here are plain dicts with ids assigned by the generator, written on the
session's own connection and transaction:

- tables with JSON columns (carriers, pickup points: a few hundred rows) go through Core
  ``insert()`` with SQLAlchemy's type processing;
- the big tables skip SQLAlchemy's per-value processing, which costs more than the database
  itself at this volume: values are converted here to exactly what the column types would
  bind (UTC wall-clock text on SQLite, see :class:`delivery.db.base.UTCDateTime`) and written
  with the driver's ``executemany`` (SQLite) or ``COPY`` (PostgreSQL).

``tests/demo/test_bulk.py`` checks that both ways store identical rows.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Connection, Date, Table, Time, func, insert, select

from delivery.db import models  # noqa: F401  (registers the tables on the metadata)
from delivery.db.base import Base, UTCDateTime
from delivery.demo.rows import TABLES

DEFAULT_BATCH_ROWS = 5000
#: SQLite page cache while seeding, in KiB: the indexes written at random places (orders by
#: customer, shipments by carrier slot) must stay in memory, or a million orders take an hour.
SQLITE_SEED_CACHE_KIB = 512 * 1024

Convert = Callable[[Any], Any]


class BulkWriter:
    """Buffers rows per table; writes every buffer, parents first, when one is full."""

    def __init__(
        self, connection: Connection, *, batch_rows: int = DEFAULT_BATCH_ROWS, raw: bool = True
    ) -> None:
        self.connection = connection
        self.batch_rows = batch_rows
        self.written: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._tables: dict[str, Table] = {name: Base.metadata.tables[name] for name in TABLES}
        self._buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        dialect = connection.dialect.name
        self._raw: dict[str, _RawTable] = {
            name: _RawTable(table, dialect)
            for name, table in self._tables.items()
            if raw and dialect in ("sqlite", "postgresql")
            if not any(isinstance(column.type, JSON) for column in table.columns)
        }
        self._sqlite_cache: int | None = None
        if dialect == "sqlite":
            self._sqlite_cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
            connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_SEED_CACHE_KIB}")

    def first_free_ids(self) -> dict[str, int]:
        """One past the largest id of each table (1 for an empty table)."""
        ids = {}
        for name, table in self._tables.items():
            largest = self.connection.execute(select(func.max(table.c.id))).scalar()
            ids[name] = int(largest or 0) + 1
        return ids

    def add(self, table: str, row: dict[str, Any]) -> None:
        buffer = self._buffers[table]
        buffer.append(row)
        # Children may only be written after their parents, so all buffers go together.
        if len(buffer) >= self.batch_rows:
            self.flush()

    def add_all(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        for table, row in rows:
            self.add(table, row)

    def flush(self) -> None:
        for name in TABLES:
            rows = self._buffers[name]
            if not rows:
                continue
            raw = self._raw.get(name)
            if raw is not None:
                raw.write(self.connection, rows)
            else:
                self.connection.execute(insert(self._tables[name]), rows)
            self.written[name] += len(rows)
            self._buffers[name] = []

    def finish(self) -> None:
        """Write what is left and, on PostgreSQL, move the id sequences past our ids."""
        self.flush()
        if self._sqlite_cache is not None:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {self._sqlite_cache}")
        if self.connection.dialect.name != "postgresql":
            return  # SQLite's rowid ids continue from the largest one by themselves
        for name, table in self._tables.items():
            if self.written[name]:
                largest = select(func.max(table.c.id)).scalar_subquery()
                sequence = func.pg_get_serial_sequence(name, "id")
                self.connection.execute(select(func.setval(sequence, largest)))


class _RawTable:
    """One table's insert at the driver level, with each column's value conversion."""

    def __init__(self, table: Table, dialect: str) -> None:
        self.dialect = dialect
        self.columns = [column.name for column in table.columns]
        names = ", ".join(self.columns)
        if dialect == "sqlite":
            marks = ", ".join("?" * len(self.columns))
            self.statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
        else:
            self.statement = f"COPY {table.name} ({names}) FROM STDIN"
        self._values = operator.itemgetter(*self.columns)
        self._conversions = [
            (index, convert)
            for index, column in enumerate(table.columns)
            if (convert := _converter(column.type, dialect)) is not None
        ]

    def write(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        values: list[tuple[Any, ...]] = []
        for row in rows:
            value = list(self._values(row))
            for index, convert in self._conversions:
                value[index] = convert(value[index])
            values.append(tuple(value))
        if self.dialect == "sqlite":
            connection.exec_driver_sql(self.statement, values)
            return
        driver_connection = connection.connection.driver_connection
        assert driver_connection is not None
        with driver_connection.cursor() as cursor, cursor.copy(self.statement) as copy:
            for record in values:
                copy.write_row(record)


def _converter(column_type: Any, dialect: str) -> Convert | None:
    """What the column type would bind, or None when the value goes to the driver as it is."""
    if isinstance(column_type, UTCDateTime):
        return _sqlite_timestamp if dialect == "sqlite" else _utc
    if dialect == "sqlite" and isinstance(column_type, Date):
        return _iso
    if dialect == "sqlite" and isinstance(column_type, Time):
        return _sqlite_time
    if getattr(column_type, "enum_class", None) is not None:
        return _enum_value  # drivers would write an Enum's name, the schema stores its value
    return None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTCDateTime column")
    return value.astimezone(dt.UTC)


def _sqlite_timestamp(value: dt.datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME text, of the naive UTC wall time UTCDateTime binds:
    # "2026-03-02 10:00:00.000000" (the UTC offset cut off once the value is in UTC).
    utc = value if value is None or value.tzinfo is dt.UTC else _utc(value)
    return None if utc is None else utc.isoformat(" ", "microseconds")[:26]


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_time(value: dt.time | None) -> str | None:
    return None if value is None else value.isoformat("microseconds")


def _enum_value(value: Enum | str | None) -> str | None:
    if isinstance(value, str):
        return str(value)  # a StrEnum's str() is its value
    return None if value is None else str(value.value)
