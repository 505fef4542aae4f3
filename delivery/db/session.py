"""Engines and sessions. Callers own the unit of work; services only receive a session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for ``database_url`` with the settings each backend needs.

    SQLite: the file's folder is created, foreign keys are enforced, and WAL journaling lets
    the action server read while the gateway writes.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling skips BEGIN before reads and breaks SAVEPOINT;
    # SQLAlchemy's documented remedy: turn it off and emit BEGIN ourselves (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: Execution option of a unit of work that will write (see :func:`unit_of_work`).
WRITES = "delivery_writes"


def _begin_sqlite_transaction(connection: Any) -> None:
    # A transaction that reads and then writes must take SQLite's write lock up front: a
    # deferred one that finds another writer committed meanwhile fails at once with "database
    # is locked" (no busy timeout applies to that upgrade). Read-only ones stay deferred, so
    # readers never queue behind writers (WAL).
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, writes: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back on an exception.

    ``writes=True`` for work that may write after reading (on SQLite it then waits for the
    write lock at the start, instead of failing halfway); PostgreSQL ignores it.
    """
    with factory() as session, session.begin():
        if writes:
            session.connection(execution_options={WRITES: True})
        yield session
