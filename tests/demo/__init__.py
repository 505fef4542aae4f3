"""Tests of the demo data generator; :func:`table_digest` fingerprints a seeded database."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from delivery.db.base import Base
from delivery.demo.rows import TABLES


def table_digest(connection: Connection | Session) -> str:
    """A SHA-256 over every column of every demo table, rows in id order."""
    digest = hashlib.sha256()
    for name in TABLES:
        table = Base.metadata.tables[name]
        for row in connection.execute(select(table).order_by(table.c.id)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
