"""Declarative base, naming convention and the reusable column types of the order database."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column

# Constraint names are part of the schema that migrations manage, so they must be stable
# across databases (SQLite and PostgreSQL would otherwise name them differently).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite stores datetimes without an offset and hands them back naive; this type refuses naive
    values on the way in and re-attaches UTC on the way out, so domain code only ever compares
    aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        # SQLite's DateTime would keep the offset as text; store plain UTC wall time instead.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Integer primary keys: BIGINT on PostgreSQL (a busy shop passes 2^31 tracking events), plain
# INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is an autoincrementing rowid alias.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

intpk = Annotated[int, mapped_column(BigIntPK, primary_key=True)]
utc_timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime())]
str_short = Annotated[str, mapped_column(String(64))]
str_name = Annotated[str, mapped_column(String(200))]
json_value = Annotated[Any, mapped_column(JSON())]


class Base(DeclarativeBase):
    """Base of every table; carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


def references(
    target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None
) -> Any:
    """A foreign-key column to ``target`` ("table.id") of the primary keys' type, indexed."""
    return mapped_column(
        BigIntPK, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
    )


def string_enum(enum: type[StrEnum], length: int = 32) -> SAEnum:
    """Store a StrEnum as its value in a VARCHAR (no native enum: new values need no DDL)."""
    return SAEnum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
